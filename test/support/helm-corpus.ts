/**
 * index.yaml files written by real helm (v3 and v4), for the `index --merge` fast path: its tests and
 * bench/index.bench.ts. Charts with varied, awkward metadata are packaged (our package stage, which helm
 * reads like its own packages), then `helm repo index` writes an index of the first half and
 * `helm repo index --merge` adds the second half, so both of helm's writing paths are in the file.
 *
 * The metadata exercises what helm's serializer (sigs.k8s.io/yaml over go-yaml v2, also used by
 * chart-releaser, helm-s3 and ChartMuseum, which write through helm's repo package) does with awkward
 * strings: quoting of YAML 1.1 look-alikes (appVersion "1.10", "true", "2024-01-01", names "yes", "on",
 * "null"), plain digests starting 0b or 1e, single-quoted strings, YAML escapes (\t, \U0001F680), plain
 * and quoted scalars folded at 80 columns, `|`, `|-`, `|+` and `|2` blocks, unicode, dependencies,
 * deprecated, maintainers, keywords and sources. Versions are semver, as helm requires.
 *
 * `replicate` grows a helm-written index to any size by repeating its chart blocks under new names:
 * every line keeps the exact shape helm's serializer gave it (only chart names and URLs change).
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { archiveFileName, buildChartArchive } from '../../src/stages/package/package.ts';
import type { HelmMajor } from '../../src/tools/helm.ts';
import { helm } from './run.ts';

/** Chart names that YAML 1.1 or 1.2 would read as something else unless quoted. */
const NAMES = [
  'yes',
  'on',
  'null',
  'true',
  'no',
  'off',
  'y',
  'n',
  '0x1f',
  '0b101',
  '012',
  '1e5',
  '2024-01-01',
];
const APP_VERSIONS = [
  '1.10',
  'true',
  '2024-01-01',
  '1e5',
  '0x1F',
  '0b101',
  'null',
  '~',
  'yes',
  'v1.2.3',
  '1.0',
  '012',
  '1_000',
  '.5',
  '+1',
  '1:20',
  'latest',
  '3.2.1-debian-12-r5',
];
const DESCRIPTIONS = [
  'A Helm chart for Kubernetes',
  'A very long description that goes well beyond eighty characters, so that the emitter folds it over several lines, and then some more words to be sure.',
  'Zoë Ünïcode, 日本語の説明, emoji 🚀 and accents: café — this one is long enough to be folded at eighty columns as well.',
  'ends with colon:',
  '*starts with a star and is then quite long, so that the single-quoted scalar is folded by the emitter at eighty columns',
  'has a tab\tinside and is long enough for the double-quoted scalar to be folded by the emitter, we hope, let us see',
  'it\'s "quoted" and has a # hash',
  'key: value inside',
  '- looks like a list item',
  '',
];
const CHANGES = [
  '- kind: added\n  description: "something: new"\n- kind: fixed\n  description: a bug # not a comment\n',
  '  leading spaces first\nsecond\n',
  'no trailing newline\nsecond',
  'trailing newlines\n\n\n',
  '日本語の説明\n二行目\n',
];

export interface CorpusOptions {
  /** Number of charts, and versions of each. */
  charts: number;
  versions: number;
  /** Digests wanted at least once each: a plain digest helm writes that starts like a YAML 1.1 number. */
  digestPrefixes?: string[];
}

function pick<T>(list: T[], i: number): T {
  return list[i % list.length];
}

function chartYaml(name: string, version: string, c: number, v: number): string {
  const q = (s: string) => JSON.stringify(s);
  const i = c * 7 + v;
  const lines = [
    `apiVersion: ${q(i % 5 === 0 ? 'v1' : 'v2')}`,
    `name: ${q(name)}`,
    `version: ${q(version)}`,
    `appVersion: ${q(pick(APP_VERSIONS, i))}`,
  ];
  const description = pick(DESCRIPTIONS, i);
  if (description) lines.push(`description: ${q(description)}`);
  if (i % 3 === 0)
    lines.push(`home: ${q(`https://example.com/${name}`)}`, `icon: ${q('https://example.com/i.png')}`);
  if (i % 4 === 1) lines.push(`kubeVersion: ${q('>=1.20.0-0')}`);
  if (i % 6 === 2) lines.push('type: "library"');
  if (i % 9 === 4) lines.push('deprecated: true');
  if (i % 2 === 0) lines.push(`keywords: ${JSON.stringify(['on', 'null', '1e5', 'héllo', name])}`);
  if (i % 3 === 1)
    lines.push(`sources: ${JSON.stringify([`https://github.com/x/${name}`, 'git@github.com:x/y.git'])}`);
  if (i % 2 === 1)
    lines.push(
      'maintainers:',
      `- name: ${q('Zoë Ünïcode')}`,
      `  email: ${q('zoe@example.com')}`,
      `  url: ${q('https://zoe.example.com')}`,
      `- name: ${q('yes')}`,
    );
  if (i % 4 !== 3) {
    lines.push(
      'annotations:',
      `  artifacthub.io/changes: ${q(pick(CHANGES, i))}`,
      `  artifacthub.io/prerelease: ${q(i % 2 ? 'false' : 'true')}`,
      `  category: ${q('2024-01-01')}`,
      `  "quoted key": ${q('value with \'single\' and "double" quotes')}`,
      `  links: ${q('[{"name": "source", "url": "https://x"}]')}`,
      `  tabbed: ${q('has a tab\tinside and is long enough for the double-quoted scalar to be folded at eighty columns')}`,
      `  rocket: ${q('🚀 first, then \u00a0 a no-break space')}`,
    );
  }
  if (i % 5 === 2) {
    lines.push(
      'dependencies:',
      '- name: "common"',
      '  version: "1.x.x"',
      '  repository: "https://charts.example.com"',
      '  alias: "true"',
      '  condition: "common.enabled"',
      '  tags: ["a", "b"]',
      '  import-values:',
      '  - child: "data"',
      '    parent: "fromchild"',
      '  - "simple"',
      '  enabled: true',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Packages the corpus's charts into `outDir` (one .tgz per chart version); returns the file names. */
export async function packageCorpus(work: string, outDir: string, opts: CorpusOptions): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const wanted = [...(opts.digestPrefixes ?? [])];
  const files: string[] = [];
  for (let c = 0; c < opts.charts; c++) {
    const name = c < NAMES.length ? NAMES[c] : `chart-${c}`;
    for (let v = 0; v < opts.versions; v++) {
      const version = pick(['1.0.0', '0.1.0-rc.1', '2.0.0+build.5', '10.20.30', '0.0.1-alpha'], v).replace(
        /^\d+/,
        (m) => String(Number(m) + v * 3),
      );
      const dir = path.join(work, 'src', `${c}-${v}`, name);
      await mkdir(path.join(dir, 'templates'), { recursive: true });
      await writeFile(path.join(dir, 'Chart.yaml'), chartYaml(name, version, c, v));
      await writeFile(
        path.join(dir, 'templates', 'cm.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n',
      );
      if (chartYaml(name, version, c, v).includes('dependencies:')) {
        await mkdir(path.join(dir, 'charts', 'common'), { recursive: true });
        await writeFile(
          path.join(dir, 'charts', 'common', 'Chart.yaml'),
          'apiVersion: v2\nname: common\nversion: 1.2.3\n',
        );
      }
      // A nonce in values.yaml until the digest starts as wanted (a few hundred tries at most).
      let archive = await buildChartArchive(dir, { sourceDateEpoch: 1_700_000_000 });
      const prefix = wanted[0];
      for (let nonce = 0; prefix !== undefined; nonce++) {
        const digest = createHash('sha256').update(archive.bytes).digest('hex');
        if (digest.startsWith(prefix)) {
          wanted.shift();
          break;
        }
        await writeFile(path.join(dir, 'values.yaml'), `# nonce ${nonce}\n`);
        archive = await buildChartArchive(dir, { sourceDateEpoch: 1_700_000_000 });
      }
      const file = archiveFileName(archive.metadata);
      await writeFile(path.join(outDir, file), archive.bytes);
      files.push(file);
    }
  }
  await rm(path.join(work, 'src'), { recursive: true, force: true });
  return files;
}

/**
 * An index.yaml written by helm `major` for the corpus: `helm repo index` over the first half of the
 * archives, then `helm repo index --merge` of that index with the second half. Returns its text.
 */
export async function helmWrittenIndex(
  major: HelmMajor,
  work: string,
  opts: CorpusOptions & { url?: string },
): Promise<string> {
  const url = opts.url ?? 'https://charts.example.com/stable';
  const all = path.join(work, 'all');
  const files = await packageCorpus(work, all, opts);
  const [first, second] = [path.join(work, 'first'), path.join(work, 'second')];
  await mkdir(first, { recursive: true });
  await mkdir(second, { recursive: true });
  for (const [i, f] of files.entries()) await rename(path.join(all, f), path.join(i % 2 ? second : first, f));
  const home = path.join(work, 'helm-home');
  const run = async (args: string[]) => {
    const res = await helm(major, args, home);
    if (res.code !== 0) throw new Error(`helm ${major} ${args.join(' ')}: ${res.stderr}`);
  };
  await run(['repo', 'index', first, '--url', url]);
  await run(['repo', 'index', second, '--url', url, '--merge', path.join(first, 'index.yaml')]);
  const text = await readFile(path.join(second, 'index.yaml'), 'utf8');
  for (const d of [all, first, second]) await rm(d, { recursive: true, force: true });
  return text;
}

/**
 * ChartMuseum's shape: helm's serializer plus `serverInfo` (its context path), which `helm repo index`
 * never writes; go-yaml puts it after `generated` (keys sorted).
 */
export function withServerInfo(text: string): string {
  return `${text.trimEnd()}\nserverInfo:\n  contextPath: /charts\n`;
}

/**
 * The chart blocks of a helm-written index repeated under new chart names (`<name>-r<k>`, in name and
 * URLs) until it holds at least `entries` entries: helm's exact line shapes at any size. Written to
 * `file` in pieces, so a 1,000,000-entry index never sits in memory as one string.
 */
export async function replicate(text: string, entries: number, file: string): Promise<number> {
  const start = text.indexOf('\nentries:\n') + '\nentries:\n'.length;
  const end = text.indexOf('\ngenerated:');
  const blocks = text
    .slice(start, end + 1)
    .split(/\n(?= {2}[^ -])/)
    .map((b) => (b.endsWith('\n') ? b : `${b}\n`));
  const perCopy =
    (text.slice(start, end).match(/\n {2}- /g) ?? []).length + (text[start + 2] === '-' ? 1 : 0);
  const copies = Math.max(1, Math.ceil(entries / Math.max(perCopy, 1)));
  const fh = await open(file, 'w');
  try {
    await fh.write(text.slice(0, start));
    // Chart keys must stay sorted: copy k of every chart sorts right after the original (`name-r<k>`).
    const width = String(copies).length;
    for (const block of blocks) {
      const keyLine = block.slice(0, block.indexOf('\n'));
      const quoted = keyLine.startsWith('  "');
      const name = quoted ? JSON.parse(keyLine.slice(2, -1)) : keyLine.slice(2, -1);
      let chunk = '';
      for (let k = 0; k < copies; k++) {
        const newName = k === 0 ? name : `${name}-r${String(k).padStart(width, '0')}`;
        if (k === 0) chunk += block;
        else {
          const body = block
            .slice(keyLine.length + 1)
            .replaceAll(`    name: ${quoted ? JSON.stringify(name) : name}\n`, `    name: ${newName}\n`)
            .replaceAll(`/${name}-`, `/${newName}-`);
          chunk += `  ${newName}:\n${body}`;
        }
        if (chunk.length > 1 << 20) {
          await fh.write(chunk);
          chunk = '';
        }
      }
      await fh.write(chunk);
    }
    await fh.write(text.slice(end + 1));
  } finally {
    await fh.close();
  }
  return copies * perCopy;
}

export async function listArchives(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.tgz'));
}
