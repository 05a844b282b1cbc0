/**
 * `release`: render -> lint -> package (-> sign) -> publish for every chart in chart-src/, composed from
 * the stage modules. Everything that can refuse the release (lint, a version already published with
 * other content, a content change without a version bump) is decided for every target before anything
 * is written to any of them, so a refused release leaves every repository exactly as it was.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.ts';
import { type ChartArchive, readChartArchive } from '../../helm/chart/archive.ts';
import { listChartSources } from '../../model/chart-source.ts';
import { type ChartAction, type ChartDecision, decide } from '../../targets/decide.ts';
import { checkTarget, openTarget } from '../../targets/registry.ts';
import type { PublishSummary, TargetKind } from '../../targets/summary.ts';
import type { S3Options, Target } from '../../targets/target.ts';
import { writeFileAtomic } from '../../util/atomic-write.ts';
import { makeTempDir } from '../../util/temp-dir.ts';
import { lintCharts } from '../lint/lint.ts';
import type { Finding } from '../lint/model.ts';
import type { Summary as LintSummary } from '../lint/report.ts';
import { archiveFileName, buildChartArchive, signArchive } from '../package/package.ts';
import { renderAll } from '../render/render.ts';
import { missingChangelog } from './changelog.ts';
import { writeSnapshot } from './published.ts';

export const ARTIFACTHUB_FILE = 'artifacthub-repo.yml';

export interface ReleaseOptions {
  srcRoot: string;
  /** Rendered charts go to `<outRoot>/<chart>/`, packages to `<outRoot>/packages/`. */
  outRoot: string;
  targets: string[];
  dryRun?: boolean;
  sign?: { key: string; keyringFile: string; passphrase?: string };
  /** Values to lint with besides each chart's defaults and ci/*-values.yaml (helm's -f / --set). */
  values?: { files: string[]; set: string[] };
  /** Lint warnings block the release too (default true). */
  strict?: boolean;
  s3?: S3Options;
  plainHttp?: boolean;
  singleWriter?: boolean;
  baseUrl?: string;
  /** Read published charts whose index URL lies outside the target (off by default: SSRF). */
  allowOffRepoUrls?: boolean;
  sourceDateEpoch?: number;
  onProgress?: (message: string) => void;
}

export interface ReleasedChart {
  name: string;
  version: string;
  chartDir: string;
  file: string;
  digest: string;
  bytes: number;
  signed: boolean;
}

export interface TargetPlan {
  to: string;
  kind: TargetKind;
  charts: ChartDecision[];
  lint: { against: string | null; summary: LintSummary; findings: Finding[] };
  result?: PublishSummary;
}

export interface ReleaseSummary {
  ok: boolean;
  dryRun: boolean;
  /** Why nothing was published (empty when ok). */
  refusals: string[];
  charts: ReleasedChart[];
  targets: TargetPlan[];
}

interface Built {
  chart: ReleasedChart;
  archive: ChartArchive;
  provenance?: string;
}

/** Same version already published: the one rule `publish` uses too (src/targets/decide.ts). */
export { type ChartAction, decide };

async function buildCharts(
  dirs: string[],
  sourceDirs: Map<string, string>,
  opts: ReleaseOptions,
): Promise<Built[]> {
  const keyring = opts.sign ? await readFile(opts.sign.keyringFile) : undefined;
  const out: Built[] = [];
  for (const chartDir of dirs) {
    // Dated by the chart's sources, not by where it was rendered: a dry run (rendered in a scratch
    // directory outside git) builds the very bytes the real run publishes.
    const { bytes, metadata } = await buildChartArchive(chartDir, {
      sourceDateEpoch: opts.sourceDateEpoch,
      sourceDir: sourceDirs.get(chartDir) ?? chartDir,
    });
    const file = archiveFileName(metadata);
    const archive = await readChartArchive(bytes, file);
    const provenance =
      opts.sign && keyring
        ? await signArchive(bytes, file, metadata, {
            keyring,
            keyringFile: opts.sign.keyringFile,
            keyName: opts.sign.key,
            passphrase: opts.sign.passphrase,
          })
        : undefined;
    const chart = { name: metadata.name, version: metadata.version, chartDir, file, digest: archive.digest };
    out.push({ chart: { ...chart, bytes: bytes.length, signed: Boolean(provenance) }, archive, provenance });
  }
  return out;
}

async function writePackages(dir: string, built: Built[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const b of built) {
    const file = path.join(dir, b.chart.file);
    await writeFileAtomic(file, b.archive.bytes);
    if (b.provenance) await writeFileAtomic(`${file}.prov`, b.provenance);
    files.push(file);
  }
  return files;
}

export async function release(opts: ReleaseOptions): Promise<ReleaseSummary> {
  if (opts.targets.length === 0) throw new UsageError('release: name at least one --to target (or --local)');
  for (const to of opts.targets) checkTarget(to); // usage errors first
  const progress = opts.onProgress ?? (() => undefined);
  // removed in `finally`, and also on Ctrl-C / SIGTERM; one left by kill -9 is removed by a later run
  const scratch = await makeTempDir('vineyard-release-');
  const work = scratch.path;
  // opened once, read before anything is decided and written to only when every target agrees
  const opened: Target[] = [];
  try {
    // A dry run renders into a scratch directory too: it writes nothing anywhere.
    const outRoot = opts.dryRun ? path.join(work, 'out') : opts.outRoot;
    progress(`[1/5] render ${opts.srcRoot} -> ${outRoot}`);
    const dirs = await renderAll(opts.srcRoot, outRoot);
    for (const d of dirs) progress(`  rendered ${d}`);
    if (dirs.length === 0)
      throw new UsageError(`${opts.srcRoot}: no chart sources (chart-src/<chart>/index.ts)`);

    progress('[2/5] package');
    // renderAll renders the chart sources in listChartSources' order, one output directory each
    const sources = await listChartSources(opts.srcRoot);
    const sourceDirs = new Map(dirs.map((d, i) => [d, sources[i]]));
    const built = await buildCharts(dirs, sourceDirs, opts);
    for (const b of built)
      progress(`  ${b.chart.file} sha256:${b.chart.digest}${b.provenance ? ' (signed)' : ''}`);

    progress(`[3/5] lint${opts.strict === false ? '' : ' --strict'} against each target`);
    const targets: TargetPlan[] = [];
    const refusals: string[] = [];
    for (const [i, to] of opts.targets.entries()) {
      progress(`  reading what ${to} already has`);
      const target = await openTarget(to, {
        s3: opts.s3,
        plainHttp: opts.plainHttp,
        baseUrl: opts.baseUrl,
        allowOffRepoUrls: opts.allowOffRepoUrls,
      });
      opened.push(target);
      const published = await target.readPublished(
        built.map((b) => ({ name: b.chart.name, version: b.chart.version })),
      );
      const against = await writeSnapshot(path.join(work, `published-${i}`), published);
      const { findings, summary } = await lintCharts(dirs, {
        strict: opts.strict ?? true,
        values: opts.values,
        against,
      });
      progress(
        `  lint ${against ? `against ${to}` : '(nothing published yet)'}: ${summary.errors} error(s), ${summary.warnings} warning(s)${summary.failed ? ': FAILED' : ''}`,
      );
      if (summary.failed) {
        const blocking = findings.filter((f) => f.severity !== 'INFO');
        refusals.push(
          `lint failed for ${to}:\n${blocking.map((f) => `    ${f.file}: ${f.path || '-'}: ${f.rule} ${f.severity} ${f.message}`).join('\n')}`,
        );
      }
      const charts = built.map((b) =>
        decide(
          b.archive,
          published.find((p) => p.name === b.chart.name),
        ),
      );
      for (const [j, c] of charts.entries()) {
        if (c.action === 'publish' && !c.reason) c.reason = missingChangelog(built[j].archive);
        if (c.reason) c.action = 'refused';
      }
      for (const c of charts) if (c.reason) refusals.push(`${to}: ${c.reason}`);
      targets.push({
        to,
        kind: target.kind,
        charts,
        lint: { against: against ? to : null, summary, findings },
      });
    }
    const summary: ReleaseSummary = {
      ok: refusals.length === 0,
      dryRun: Boolean(opts.dryRun),
      refusals,
      charts: built.map((b) => b.chart),
      targets,
    };
    if (!summary.ok) {
      progress('[4/5] refused: nothing was written to any target');
      return summary;
    }

    const packagesDir = opts.dryRun ? path.join(work, 'packages') : path.join(opts.outRoot, 'packages');
    progress(`[4/5] write packages to ${packagesDir}`);
    // Publish from a private staging copy, so a stale .prov left in packages/ is never picked up.
    await writePackages(packagesDir, built);
    const staged = await writePackages(path.join(work, 'stage'), built);
    const artifactHubFile = path.join(opts.srcRoot, ARTIFACTHUB_FILE);
    const metadataObjects = existsSync(artifactHubFile)
      ? [{ key: ARTIFACTHUB_FILE, body: await readFile(artifactHubFile), contentType: 'text/yaml' }]
      : [];

    progress(`[5/5] publish${opts.dryRun ? ' (dry run: plan only)' : ''}`);
    for (const [t, plan] of targets.entries()) {
      const files = staged.filter((_, i) => plan.charts[i].action === 'publish');
      for (const c of plan.charts) if (c.action === 'unchanged') progress(`  ${plan.to}: ${c.note}`);
      // metadata files live next to an index: only chart repositories take them
      const metadata = plan.kind === 'repository' ? metadataObjects : [];
      if (files.length === 0 && metadata.length === 0) continue;
      plan.result = await opened[t].publish(files, {
        dryRun: opts.dryRun,
        singleWriter: opts.singleWriter,
        baseUrl: opts.baseUrl,
        metadataObjects: metadata,
        onProgress: (m) => progress(`  ${m}`),
      });
    }
    return summary;
  } finally {
    for (const target of opened) await target.close();
    await scratch.remove();
  }
}
