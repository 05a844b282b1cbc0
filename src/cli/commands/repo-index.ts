/** `vineyard-charts index`: CLI wiring; the logic lives in index-file.ts (pure) and build-index.ts (I/O). */
import type { Command } from 'commander';

interface IndexFlags {
  url?: string;
  merge?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('index')
    .summary('write DIR/index.yaml for the chart archives in DIR (like `helm repo index`)')
    .description(
      'Scan DIR (and its direct subdirectories) for *.tgz chart archives and write DIR/index.yaml:\n' +
        'apiVersion v1, entries by chart name with the newest version first, every Chart.yaml field,\n' +
        'urls, digest (sha256 of the archive) and created.\n\n' +
        'With --merge FILE, entries of FILE are kept as they are (their created and digest never\n' +
        'change); an archive whose name and version are already in FILE with another digest is an\n' +
        'error, never a silent replace. A missing FILE counts as an empty index.\n\n' +
        'Timestamps come from $SOURCE_DATE_EPOCH when it is set, else the current time.',
    )
    .argument('<DIR>', 'directory holding the .tgz archives; index.yaml is written here')
    .option('--url <URL>', 'base URL of the repository; without it, urls are relative to index.yaml')
    .option('--merge <FILE>', 'existing index to merge into (YAML or JSON)')
    .option('--json', 'write the index as JSON (still named index.yaml; helm >= 3.13 reads it)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  vineyard-charts package && vineyard-charts index charts-out/packages --url https://charts.example.com\n' +
        '  vineyard-charts index charts-out/packages --url https://charts.example.com --merge old-index.yaml\n' +
        '  vineyard-charts index charts-out/packages --json',
    )
    .action(async (dir: string, flags: IndexFlags) => {
      const { buildIndex } = await import('../../stages/index/build-index.ts');
      const result = await buildIndex(dir, {
        url: flags.url,
        merge: flags.merge,
        format: flags.json ? 'json' : 'yaml',
      });
      process.stdout.write(
        `${result.file}: ${result.added} added, ${result.unchanged} unchanged, ${result.total} chart versions\n`,
      );
    });
}
