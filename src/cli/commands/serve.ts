/** `vineyard-charts serve`: serve a repository directory over HTTP on 127.0.0.1. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { InputError, PipelineError, UsageError } from '../../errors.ts';
import { DEFAULT_PORT } from '../../paths.ts';
import { startServer } from '../../stages/serve/server.ts';

/** Relative, so that `--help` shows the path a user types. */
const DEFAULT_REPO_DIR = 'charts-out/repo';

export function register(program: Command): void {
  program
    .command('serve')
    .summary('serve a chart repository directory on http://127.0.0.1 for helm')
    .description(
      'Serve a chart repository directory (index.yaml and the .tgz it lists) over plain HTTP on 127.0.0.1,\n' +
        'so that `helm repo add` works with no cloud account. Runs until interrupted (Ctrl-C).\n\n' +
        'Serves only index.yaml, artifacthub-repo.yml, *.tgz and *.tgz.prov that are regular files inside DIR:\n' +
        'never hidden files, and never through a symbolic link (a link, or a linked directory, is a 404).\n' +
        'Against DNS rebinding, requests whose Host header is not 127.0.0.1, localhost or [::1] (any port) are\n' +
        'refused with 421 Misdirected Request: use one of those names in `helm repo add`.',
    )
    .argument('[dir]', 'repository directory', DEFAULT_REPO_DIR)
    .option('--port <n>', `TCP port on 127.0.0.1 (0 picks a free one)`, String(DEFAULT_PORT))
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  vineyard-charts release --local                         # writes charts-out/repo\n' +
        '  vineyard-charts serve                                   # http://127.0.0.1:8879\n' +
        '  helm repo add vineyard http://127.0.0.1:8879 && helm search repo vineyard\n',
    )
    .action(async (dir: string, flags: { port: string }) => {
      const port = Number(flags.port);
      if (!/^\d+$/.test(flags.port) || port > 65535) {
        throw new UsageError(`--port ${flags.port}: expected a TCP port number (0-65535)`);
      }
      const root = path.resolve(dir);
      if (!existsSync(path.join(root, 'index.yaml'))) {
        throw new InputError(
          root,
          'index.yaml',
          'expected a chart repository directory (run `publish` first)',
        );
      }
      let server: Awaited<ReturnType<typeof startServer>>;
      try {
        server = await startServer(root, port);
      } catch (err) {
        throw new PipelineError(
          `cannot listen on 127.0.0.1:${port}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        );
      }
      process.stdout.write(
        `serving ${root} at ${server.url}\n  helm repo add vineyard ${server.url}\n(Ctrl-C to stop)\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}
