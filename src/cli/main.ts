/**
 * `vineyard-charts`: one bin, one subcommand per pipeline stage. Each stage registers itself from its
 * own `command.ts`, so this file only knows the order in which they appear in `--help`.
 */
import { createRequire } from 'node:module';
import type * as CommanderModule from 'commander';
import { CliError } from '../errors.ts';
import { redactSecrets } from '../targets/redact.ts';
import { version } from './version.ts';

// commander by require: as an ESM import of CommonJS, Node would scan it for export names first (~7 ms
// of every command's start-up). The same module instance as `import ... from 'commander'` elsewhere.
const { Command, CommanderError } = createRequire(import.meta.url)('commander') as typeof CommanderModule;
type Command = CommanderModule.Command;

type Register = (program: Command) => void;
type Loader = () => Promise<{ register: Register }>;

/**
 * Subcommand -> the module that registers it, in `--help` order. Only the requested stage's module is
 * loaded, so `index` does not pay for the S3 SDK and `render` does not pay for the lint schemas.
 */
const STAGES: [string[], Loader][] = [
  [['render', 'manifests'], () => import('./commands/render.ts')],
  [['lint'], () => import('./commands/lint.ts')],
  [['package'], () => import('./commands/package.ts')],
  [['index'], () => import('./commands/repo-index.ts')],
  [['publish'], () => import('./commands/publish.ts')],
  [['repo'], () => import('./commands/repo.ts')],
  [['unpublish'], () => import('./commands/unpublish.ts')],
  [['release'], () => import('./commands/release.ts')],
  [['serve'], () => import('./commands/serve.ts')],
  [['deploy', 'undeploy'], () => import('./commands/deploy.ts')],
  [['migrate-values'], () => import('./commands/migrate-values.ts')],
  [['completion'], () => import('./commands/completion.ts')],
];

const program = new Command('vineyard-charts')
  .description(
    'Build pipeline for the Vineyard Helm chart: render -> package -> lint -> publish (index.yaml, or an\n' +
      'OCI registry). `release` runs them all; `vineyard-charts <command> --help` shows each one.',
  )
  .version(version())
  // Wide enough for the stages' hand-wrapped descriptions (≤ 110 columns) to keep their own line breaks.
  .configureHelp({ helpWidth: 120 })
  .showHelpAfterError('(run with --help for usage)')
  // commander's own messages quote the offending argument: masked like everything else we print
  .configureOutput({ writeErr: (text) => process.stderr.write(redactSecrets(text)) })
  .exitOverride();

// A reader that goes away (`vineyard-charts lint --help | head`) ends us quietly, like a Unix tool
// killed by SIGPIPE (exit 141), instead of an unhandled EPIPE stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(141);
    throw err;
  });

/**
 * A file-system error that escaped the stage's own checks still names its path in one line (exit 1):
 * `ENOTDIR: not a directory, open '/x/file/index.yaml'` -> `/x/file/index.yaml: not a directory`.
 */
function fileSystemMessage(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof e.code !== 'string' || typeof e.path !== 'string') return undefined;
  const what = /^[A-Z]+: ([^,]+)/.exec(e.message)?.[1] ?? e.code;
  return `${e.path}: ${what}${e.syscall ? ` (${e.syscall})` : ''}`;
}

/** Registers the requested stages, applies the settings and runs the command; every error ends here. */
async function main(): Promise<void> {
  const requested = process.argv[2];
  const wanted = STAGES.filter(([names]) => names.includes(requested));
  // `--version` needs no stage at all (start-up is what CI steps pay); `--help` and errors list them all.
  const justVersion = requested === '--version' || requested === '-V';
  // `completion` describes every command, so it needs them all.
  const loadAll = (wanted.length === 0 && !justVersion) || requested === 'completion';
  try {
    for (const [, load] of loadAll ? STAGES : wanted) (await load()).register(program);

    // flag > VINEYARD_CHARTS_<FLAG> (HELM_NAMESPACE, HELM_KUBECONTEXT) > vineyard-charts.yaml > default
    const settings = await import('./settings.ts');
    settings.applyEnvironment(program);
    const { file, config } = await settings.readConfig();
    if (file)
      settings.checkConfig(
        file,
        config,
        STAGES.flatMap(([names]) => names),
      );
    program.hook('preAction', (_program, command) => {
      settings.applyEnvironmentValues(command);
      if (file) settings.applyConfig(command, file, config);
    });
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end up here with exit code 0; everything else is a usage error.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
    } else if (err instanceof CliError) {
      // The last printer of every error: masked here too (src/targets/redact.ts), whatever raised it.
      process.stderr.write(`error: ${redactSecrets(err.message)}\n`);
      process.exitCode = err.exitCode;
    } else if (fileSystemMessage(err) !== undefined) {
      process.stderr.write(`error: ${redactSecrets(fileSystemMessage(err) ?? '')}\n`);
      process.exitCode = 1;
    } else {
      const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stderr.write(`internal error: ${redactSecrets(text)}\n`);
      process.exitCode = 1;
    }
  }
}

// A function rather than top-level await: the `index` bundle is CommonJS (scripts/build.mjs).
void main();
