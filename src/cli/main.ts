/**
 * `vineyard-charts`: one bin, one subcommand per pipeline stage. Each stage registers itself from its
 * own `command.ts`, so this file only knows the order in which they appear in `--help`.
 */
import { Command, CommanderError } from 'commander';
import { CliError } from '../errors.ts';
import { redactSecrets } from '../targets/redact.ts';
import { version } from './version.ts';

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
  [['release'], () => import('./commands/release.ts')],
  [['serve'], () => import('./commands/serve.ts')],
  [['deploy', 'undeploy'], () => import('./commands/deploy.ts')],
];

const program = new Command('vineyard-charts')
  .description(
    'Build pipeline for the Vineyard Helm chart: render -> lint -> package -> index -> publish.\n' +
      'Run `vineyard-charts <command> --help` for the options of each stage.',
  )
  .version(version())
  // Wide enough for the stages' hand-wrapped descriptions (≤ 110 columns) to keep their own line breaks.
  .configureHelp({ helpWidth: 120 })
  .showHelpAfterError('(run with --help for usage)')
  // commander's own messages quote the offending argument: masked like everything else we print
  .configureOutput({ writeErr: (text) => process.stderr.write(redactSecrets(text)) })
  .exitOverride();

const requested = process.argv[2];
const wanted = STAGES.filter(([names]) => names.includes(requested));
// `--version` needs no stage at all (start-up is what CI steps pay); `--help` and errors list them all.
const justVersion = requested === '--version' || requested === '-V';
for (const [, load] of wanted.length > 0 || justVersion ? wanted : STAGES) (await load()).register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end up here with exit code 0; everything else is a usage error.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof CliError) {
    // The last printer of every error: masked here too (src/targets/redact.ts), whatever raised it.
    process.stderr.write(`error: ${redactSecrets(err.message)}\n`);
    process.exitCode = err.exitCode;
  } else {
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`internal error: ${redactSecrets(text)}\n`);
    process.exitCode = 1;
  }
}
