/**
 * Every `Examples:` line of every command's --help that can run offline runs as printed, from the
 * checkout, with `vineyard-charts` and helm on PATH (issue 14, item 5). Placeholders a user supplies
 * (my-values.yaml, ./mychart, upstream.yaml, output files) point into a scratch directory; examples that
 * need the network, a cluster, a signing key or a server that runs until Ctrl-C are listed, not run.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTool, PROJECT_ROOT } from '../../src/tools/helm.ts';
import { CLI, cli } from '../support/run.ts';

/** Needs what this machine does not offer: the network, a cluster, a key, an open-ended server, $HOME. */
const NOT_OFFLINE: [RegExp, string][] = [
  [/--to (s3|oci):\/\/|--against (https?|oci|s3):|AWS_ENDPOINT_URL_S3/, 'a remote repository'],
  [/\bhelm (repo|get|search|install)\b/, 'a helm repository or release'],
  [/kubectl|\bundeploy\b|\bdeploy\b(?!.*--dry-run)/, 'a Kubernetes cluster'],
  [/\bserve\b/, 'a server that runs until Ctrl-C'],
  [/--sign\b/, 'a signing key'],
  [/~\//, "the user's home directory"],
];

const scratch = mkdtempSync(path.join(tmpdir(), 'vineyard-help-examples-'));
// The examples run in the checkout, as printed, and publish into its charts-out/{packages,repo}: what a
// developer has there is set aside for the run and put back after, so neither side sees the other's.
const OUTPUTS = ['packages', 'repo'].map((d) => path.join(PROJECT_ROOT, 'charts-out', d));
// (beside them: a rename never crosses file systems)
const saved = (dir: string) => path.join(path.dirname(dir), `.help-examples-saved-${path.basename(dir)}`);
beforeAll(() => {
  for (const dir of OUTPUTS) if (existsSync(dir)) renameSync(dir, saved(dir));
});
afterAll(() => {
  for (const dir of OUTPUTS) {
    rmSync(dir, { recursive: true, force: true });
    if (existsSync(saved(dir))) renameSync(saved(dir), dir);
  }
  rmSync(scratch, { recursive: true, force: true });
});

/** Placeholder -> a scratch path (the command stays as printed otherwise). */
function substitute(example: string): string {
  return example
    .replace(/(^|\s)\.\/mychart\b/g, `$1${scratch}/mychart`)
    .replace(/(^|\s)-d dist\b/g, `$1-d ${scratch}/dist`)
    .replace(/(^|\s)(my-values\.yaml|old-index\.yaml|upstream\.yaml)\b/g, `$1${scratch}/$2`)
    .replace(/> ([\w.-]+)(\s|$)/g, `> ${scratch}/$1$2`);
}

function examplesOf(help: string): string[] {
  const out: string[] = [];
  let inExamples = false;
  let pending = '';
  for (const line of help.split('\n')) {
    if (/^Examples?:/.test(line)) {
      inExamples = true;
      continue;
    }
    if (!inExamples) continue;
    if (!line.startsWith('  ')) {
      inExamples = false;
      continue;
    }
    const text = `${pending}${line.trim()}`;
    if (text.endsWith('\\')) {
      pending = `${text.slice(0, -1).trimEnd()} `;
      continue;
    }
    pending = '';
    out.push(text.replace(/\s+#.*$/, ''));
  }
  return out;
}

describe('help examples', async () => {
  const top = await cli(['--help']);
  const commands = [...top.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)]
    .map((m) => m[1])
    .filter((c) => c !== 'help');
  const all: { command: string; example: string }[] = [];
  for (const command of commands) {
    const res = await cli([command, '--help']);
    for (const example of examplesOf(res.stdout)) all.push({ command, example });
  }

  it('hard-code no chart version (the chart moves on; vineyard-*.tgz does not)', () => {
    expect(commands).toEqual(
      expect.arrayContaining(['render', 'lint', 'package', 'publish', 'release', 'completion']),
    );
    expect(all.length).toBeGreaterThan(20);
    for (const { example } of all) expect(example).not.toMatch(/vineyard-\d+\.\d+\.\d+/);
  });

  it('that can run offline run as printed', async () => {
    const bin = path.join(scratch, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'vineyard-charts'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(path.join(bin, 'vineyard-charts'), 0o755);
    const helmDir = path.dirname(await ensureTool('v4', 'helm'));
    cpSync(path.join(PROJECT_ROOT, 'test/fixtures/charts/oci-demo'), path.join(scratch, 'mychart'), {
      recursive: true,
    });
    // a user's values file: one of the chart's own recipes
    cpSync(
      path.join(PROJECT_ROOT, 'charts-out/vineyard/ci/recipe-bigger-shared-memory-values.yaml'),
      path.join(scratch, 'my-values.yaml'),
    );
    cpSync(
      path.join(PROJECT_ROOT, 'test/fixtures/upstream-values/full-copy-values.yaml'),
      path.join(scratch, 'upstream.yaml'),
    );
    const env = { ...process.env, PATH: `${bin}:${helmDir}:${process.env.PATH}` };
    const ran: string[] = [];
    const skipped: string[] = [];
    for (const { example } of all) {
      const why = NOT_OFFLINE.find(([re]) => re.test(example));
      if (why) {
        skipped.push(`${example}  (${why[1]})`);
        continue;
      }
      const command = substitute(example);
      const res = spawnSync('bash', ['-o', 'pipefail', '-c', command], {
        cwd: PROJECT_ROOT,
        env,
        encoding: 'utf8',
        timeout: 300_000,
      });
      expect(res.status, `${example}\n${command}\n${res.stdout}\n${res.stderr}`).toBe(0);
      ran.push(example);
    }
    // the offline set is most of them, and covers every stage
    expect(ran.length, ran.join('\n')).toBeGreaterThanOrEqual(15);
    for (const c of [
      'render',
      'manifests',
      'lint',
      'package',
      'index',
      'publish',
      'migrate-values',
      'completion',
      'npm start',
    ])
      expect(
        ran.some((e) => e.includes(c)),
        `no offline example of ${c} ran:\n${ran.join('\n')}`,
      ).toBe(true);
    expect(skipped.length).toBeLessThan(ran.length);
  }, 900_000);
});
