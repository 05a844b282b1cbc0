/**
 * `vineyard-charts`: one bin, one subcommand per pipeline stage. Each stage registers itself from its
 * own `command.ts`, so this file only knows the order in which they appear in `--help`.
 */
import { Command, CommanderError } from 'commander';
import { register as registerDeploy } from './deploy/command.ts';
import { exitCodeOf, InputError, PipelineError, UsageError } from './errors.ts';
import { register as registerIndex } from './index/command.ts';
import { register as registerLint } from './lint/command.ts';
import { register as registerPackage } from './package/command.ts';
import { register as registerPublish } from './publish/command.ts';
import { register as registerRender } from './render/command.ts';
import { register as registerServe } from './serve/command.ts';

const program = new Command('vineyard-charts')
  .description(
    'Build pipeline for the Vineyard Helm chart: render -> lint -> package -> index -> publish.\n' +
      'Run `vineyard-charts <command> --help` for the options of each stage.',
  )
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

for (const register of [
  registerRender,
  registerLint,
  registerPackage,
  registerIndex,
  registerPublish,
  registerServe,
  registerDeploy,
])
  register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end up here with exit code 0; everything else is a usage error.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof InputError || err instanceof UsageError || err instanceof PipelineError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = exitCodeOf(err);
  } else {
    process.stderr.write(
      `internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  }
}
