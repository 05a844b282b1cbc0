/** `vineyard-charts package`: CLI wiring only; the work is in src/stages/package and src/helm/provenance.ts. */
import path from 'node:path';
import { type Command, Option } from 'commander';
import { CHART_SRC, CHARTS_OUT } from '../../paths.ts';
import { addSigningFlags, type SigningFlags, signingMaterial } from '../flags.ts';

interface PackageFlags extends SigningFlags {
  destination: string;
  /** -o/--out: the old name of -d/--destination, kept as a synonym. */
  out?: string;
}

async function runPackage(dirs: string[], flags: PackageFlags): Promise<void> {
  const out = flags.out ?? flags.destination;
  const { checkOutputDir, ensureOutputDir } = await import('../../util/output-dir.ts');
  const what = 'expected a directory for the packages (-d/--destination)';
  await checkOutputDir(out, what);
  const signing = await signingMaterial(flags);
  const { archiveFileName, buildChartArchive, signArchive, sourceDirFor } = await import(
    '../../stages/package/package.ts'
  );
  const { writeFileAtomic } = await import('../../util/atomic-write.ts');
  const { sha256Hex } = await import('../../helm/chart/archive.ts');

  // Build (and sign) everything before writing anything, so a bad chart leaves no partial output.
  const outputs: { file: string; data: Buffer | string; digest?: string }[] = [];
  for (const dir of dirs) {
    // A chart rendered into charts-out/<name> is dated by chart-src/<name>'s history, like `release` does.
    const { bytes, metadata } = await buildChartArchive(dir, {
      sourceDir: sourceDirFor(dir, CHART_SRC, CHARTS_OUT),
    });
    const file = path.join(out, archiveFileName(metadata));
    outputs.push({ file, data: bytes, digest: sha256Hex(bytes) });
    if (signing && flags.keyring) {
      const prov = await signArchive(bytes, path.basename(file), metadata, {
        keyring: signing.keyring,
        keyringFile: flags.keyring,
        keyName: signing.key,
        passphrase: signing.passphrase,
      });
      outputs.push({ file: `${file}.prov`, data: prov });
    }
  }
  await ensureOutputDir(out, what);
  for (const o of outputs) {
    await writeFileAtomic(o.file, o.data);
    process.stdout.write(o.digest ? `${o.file}  sha256:${o.digest}\n` : `${o.file}\n`);
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('package')
    .summary('package chart directories into reproducible .tgz archives (optionally signed)')
    .description(
      'Package each CHART_DIR into <destination>/<name>-<version>.tgz, the layout helm expects (Chart.yaml first,\n' +
        '.helmignore honoured, regular files only, mode 0644, uid/gid 0).\n\n' +
        'The archive is reproducible: file times come from $SOURCE_DATE_EPOCH, else the last git commit\n' +
        "touching the chart's sources (chart-src/<name> for a chart rendered into charts-out/<name>, else the\n" +
        'chart directory), else 2000-01-01; the gzip header is fixed. The same sources give the same sha256\n' +
        'on any machine, and the same bytes `release` (and `release --dry-run`) builds.\n\n' +
        'With --sign, also writes <archive>.prov (helm provenance: OpenPGP clearsigned), which\n' +
        '`helm verify` accepts.',
    )
    .argument('[CHART_DIR...]', 'chart directories to package', ['charts-out/vineyard'])
    .option('-d, --destination <DIR>', 'output directory (helm package -d)', 'charts-out/packages')
    .addOption(new Option('-o, --out <DIR>', 'synonym of -d/--destination').hideHelp());
  addSigningFlags(cmd)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  vineyard-charts package                                  # charts-out/vineyard -> charts-out/packages\n' +
        '  SOURCE_DATE_EPOCH=1700000000 vineyard-charts package ./mychart -d dist\n' +
        '  vineyard-charts package ./mychart --sign --key "Release Bot" --keyring secring.gpg',
    )
    .action((dirs: string[], flags: PackageFlags) => runPackage(dirs, flags));
}
