/**
 * helm's conventions and short CI lines (issue 14, item 7): -o/--output json|yaml|table (--json a
 * synonym), package -d/--destination, deploy --kube-context, HELM_NAMESPACE / HELM_KUBECONTEXT,
 * --passphrase-file -, VINEYARD_CHARTS_<FLAG> for every flag, vineyard-charts.yaml (flag > env > config
 * > default), and `completion bash|zsh|fish`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { ensureDebianCommands } from '../support/debian.ts';
import { cli } from '../support/run.ts';

const FIXTURE = path.join(PROJECT_ROOT, 'test/fixtures/charts/oci-demo');
let work: string;
let tgz: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'vineyard-conventions-'));
  const res = await cli(['package', FIXTURE, '-d', path.join(work, 'pkg')]);
  expect(res.code, res.stderr).toBe(0);
  tgz = path.join(work, 'pkg', 'oci-demo-0.1.0.tgz');
  expect(existsSync(tgz)).toBe(true);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Our variables stay out of the child's environment unless a test sets them. */
const clean = Object.fromEntries(
  Object.keys(process.env)
    .filter((k) => k.startsWith('VINEYARD_CHARTS_') || k.startsWith('HELM_'))
    .map((k) => [k, undefined]),
);

describe('-o/--output', () => {
  it('publish: json = --json, yaml is the same data, table is the text summary', async () => {
    const to = `file://${path.join(work, 'out-repo')}`;
    const args = ['publish', tgz, '--to', to, '--dry-run'];
    const json = await cli([...args, '-o', 'json']);
    const synonym = await cli([...args, '--json']);
    const yaml = await cli([...args, '--output', 'yaml']);
    const table = await cli([...args, '-o', 'table']);
    for (const r of [json, synonym, yaml, table]) expect(r.code, r.stderr).toBe(0);
    expect(synonym.stdout).toBe(json.stdout);
    expect(load(yaml.stdout)).toEqual(JSON.parse(json.stdout));
    expect(table.stdout).toMatch(/^plan for file:\/\//);
    const bad = await cli([...args, '-o', 'xml']);
    expect(bad.code).toBe(2);
    const clash = await cli([...args, '--json', '-o', 'yaml']);
    expect(clash.code).toBe(2);
  });

  it('release and deploy take -o too', async () => {
    const rel = await cli([
      'release',
      '--dry-run',
      '--to',
      `file://${path.join(work, 'rel-repo')}`,
      '-o',
      'yaml',
    ]);
    expect(rel.code, rel.stderr).toBe(0);
    expect(load(rel.stdout)).toMatchObject({ ok: true, dryRun: true });
    const dep = await cli(['deploy', '--dry-run', '-o', 'yaml']);
    expect(dep.code, dep.stderr).toBe(0);
    expect(load(dep.stdout)).toMatchObject({ dryRun: true, release: 'vineyard' });
  });

  it('repo verify, repo reindex and unpublish take -o too (--json stays a synonym)', async () => {
    const to = `file://${path.join(work, 'maint-repo')}`;
    expect((await cli(['publish', tgz, '--to', to])).code).toBe(0);
    const verify = await cli(['repo', 'verify', '--to', to, '-o', 'yaml']);
    expect(verify.code, verify.stderr).toBe(0);
    const verifyJson = await cli(['repo', 'verify', '--to', to, '--json']);
    expect(load(verify.stdout)).toEqual(JSON.parse(verifyJson.stdout));
    expect(load(verify.stdout)).toMatchObject({ findings: [] });
    const reindex = await cli(['repo', 'reindex', '--to', to, '--dry-run', '-o', 'json']);
    expect(reindex.code, reindex.stderr).toBe(0);
    expect(JSON.parse(reindex.stdout)).toBeTypeOf('object');
    const unpublish = await cli(['unpublish', 'oci-demo', '0.1.0', '--to', to, '--dry-run', '-o', 'yaml']);
    expect(unpublish.code, unpublish.stderr).toBe(0);
    expect(load(unpublish.stdout)).toBeTypeOf('object');
    const clash = await cli(['unpublish', 'oci-demo', '0.1.0', '--to', to, '--json', '-o', 'yaml']);
    expect(clash.code).toBe(2);
    expect((await cli(['repo', 'verify', '--to', to])).code).toBe(0); // the clash changed nothing
  });
});

describe('helm names', () => {
  it('package -d/--destination (and -o/--out, the old name)', async () => {
    for (const flag of ['-d', '--destination', '--out', '-o']) {
      const dir = path.join(work, `dest${flag}`);
      const res = await cli(['package', FIXTURE, flag, dir]);
      expect(res.code, res.stderr).toBe(0);
      expect(await readdir(dir)).toEqual(['oci-demo-0.1.0.tgz']);
    }
  });

  it('deploy --kube-context, HELM_KUBECONTEXT and HELM_NAMESPACE reach kubectl', async () => {
    const flags = await cli(['deploy', '--dry-run', '--kube-context', 'ctx-a', '-n', 'ns-a'], { env: clean });
    expect(flags.stdout).toMatch(/^# kubectl --context ctx-a get configmap \S+ -n ns-a /m);
    const helmEnv = await cli(['deploy', '--dry-run'], {
      env: { ...clean, HELM_KUBECONTEXT: 'ctx-h', HELM_NAMESPACE: 'ns-h' },
    });
    expect(helmEnv.stdout).toMatch(/^# kubectl --context ctx-h get configmap \S+ -n ns-h /m);
    // ours wins over helm's, the flag over both; --context still works
    const ours = await cli(['deploy', '--dry-run', '--context', 'ctx-old'], {
      env: { ...clean, HELM_NAMESPACE: 'ns-h', VINEYARD_CHARTS_NAMESPACE: 'ns-v' },
    });
    expect(ours.stdout).toMatch(/^# kubectl --context ctx-old get configmap \S+ -n ns-v /m);
  });

  it('--passphrase-file - reads the passphrase from stdin', async () => {
    const { privateKey } = await openpgp.generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name: 'Stdin Signer', email: 'stdin@example.com' }],
      passphrase: 'from stdin',
      format: 'binary',
    });
    const keyring = path.join(work, 'secring.gpg');
    await writeFile(keyring, privateKey);
    const out = path.join(work, 'signed');
    const args = ['package', FIXTURE, '-d', out, '--sign', '--key', 'Stdin', '--keyring', keyring];
    const res = await cli([...args, '--passphrase-file', '-'], { input: 'from stdin\n' });
    expect(res.code, res.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['oci-demo-0.1.0.tgz', 'oci-demo-0.1.0.tgz.prov']);
    const wrong = await cli([...args, '--passphrase-file', '-'], { input: 'wrong\n' });
    expect(wrong.code).toBe(1);
  });
});

describe('VINEYARD_CHARTS_<FLAG> and vineyard-charts.yaml', () => {
  it('every flag has its variable (shown in --help); booleans take true/false; bad values are usage errors', async () => {
    const help = (await cli(['publish', '--help'], { env: clean })).stdout.replace(/\s+/g, ' ');
    for (const v of [
      'VINEYARD_CHARTS_TO',
      'VINEYARD_CHARTS_DRY_RUN',
      'VINEYARD_CHARTS_OUTPUT',
      'VINEYARD_CHARTS_ENDPOINT',
    ])
      expect(help).toContain(`env: ${v}`);
    const repo = path.join(work, 'env-repo');
    const dry = await cli(['publish', tgz, '-o', 'json'], {
      env: { ...clean, VINEYARD_CHARTS_TO: `file://${repo}`, VINEYARD_CHARTS_DRY_RUN: 'true' },
    });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ target: `file://${repo}`, dryRun: true });
    const off = await cli(['publish', tgz, '-o', 'json', '--to', `file://${repo}`], {
      env: { ...clean, VINEYARD_CHARTS_DRY_RUN: 'false' },
    });
    expect(JSON.parse(off.stdout)).toMatchObject({ dryRun: false });
    const bad = await cli(['publish', tgz], { env: { ...clean, VINEYARD_CHARTS_DRY_RUN: 'maybe' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'error: VINEYARD_CHARTS_DRY_RUN=maybe: expected 1/true/yes/on or 0/false/no/off\n',
    );
  });

  it('precedence: flag > environment > vineyard-charts.yaml > default', async () => {
    const dir = await mkdtemp(path.join(work, 'cfg-'));
    await writeFile(
      path.join(dir, 'vineyard-charts.yaml'),
      `to: file://${dir}/from-config\npublish:\n  dry-run: true\n  output: json\n`,
    );
    const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const res = await cli(['publish', tgz, ...args], { cwd: dir, env: { ...clean, ...env } });
      expect(res.code, res.stderr).toBe(0);
      return JSON.parse(res.stdout) as { target: string; dryRun: boolean };
    };
    expect(await run([])).toMatchObject({ target: `file://${dir}/from-config`, dryRun: true });
    expect(await run([], { VINEYARD_CHARTS_TO: `file://${dir}/from-env` })).toMatchObject({
      target: `file://${dir}/from-env`,
    });
    expect(
      await run(['--to', `file://${dir}/from-flag`], { VINEYARD_CHARTS_TO: `file://${dir}/from-env` }),
    ).toMatchObject({ target: `file://${dir}/from-flag` });
    // without the file: the default target
    const noConfig = await cli(['publish', tgz, '--dry-run', '--json'], { env: clean });
    expect(JSON.parse(noConfig.stdout).target).toBe(`file://${path.join(PROJECT_ROOT, 'charts-out/repo')}`);
  });

  it('a wrong key or value in vineyard-charts.yaml is one line naming the file and the key', async () => {
    const dir = await mkdtemp(path.join(work, 'badcfg-'));
    const file = path.join(dir, 'vineyard-charts.yaml');
    for (const [text, message] of [
      ['bogus: 1\n', `${file}: bogus: unknown key`],
      ['publish:\n  bogus: 1\n', `${file}: publish.bogus: publish has no flag --bogus`],
      ['publish:\n  dry-run: maybe\n', `${file}: publish.dry-run: expected true or false`],
      ['publish:\n  output: xml\n', `${file}: publish.output: expected one of table, json, yaml (got xml)`],
      ['to: [a, : b\n', `${file}: not valid YAML`],
    ]) {
      await writeFile(file, text);
      const res = await cli(['publish', tgz, '--dry-run'], { cwd: dir, env: clean });
      expect(res.code, text).toBe(1);
      expect(res.stderr.startsWith(`error: ${message}`), res.stderr).toBe(true);
    }
  });
});

describe('completion', () => {
  it('bash: completes commands, flags and flag values', async () => {
    const res = await cli(['completion', 'bash']);
    expect(res.code, res.stderr).toBe(0);
    const script = path.join(work, 'completion.bash');
    await writeFile(script, res.stdout);
    const complete = (words: string[]) =>
      spawnSync(
        'bash',
        [
          '-c',
          `source "$0"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _vineyard_charts; printf '%s\\n' "\${COMPREPLY[@]}"`,
          script,
        ],
        { encoding: 'utf8' },
      ).stdout.trim();
    expect(complete(['vineyard-charts', 'rel']).split('\n')).toEqual(['release']);
    expect(complete(['vineyard-charts', 'lint', '--for'])).toBe('--format');
    expect(complete(['vineyard-charts', 'lint', '--format', 's'])).toBe('sarif');
    expect(complete(['vineyard-charts', 'publish', '-o', ''])).toBe('table\njson\nyaml');
    expect(complete(['vineyard-charts', 'deploy', '--kube-c'])).toBe('--kube-context');
  });

  it('zsh and fish: scripts their shells accept', async () => {
    ensureDebianCommands({ zsh: 'zsh', fish: 'fish' }, 'the completion test');
    const zsh = await cli(['completion', 'zsh']);
    expect(zsh.stdout).toContain("'(--output -o)'{--output,-o}");
    const zshCheck = spawnSync('zsh', ['-n'], { input: zsh.stdout, encoding: 'utf8' });
    expect(zshCheck.status, zshCheck.stderr).toBe(0);
    const fish = await cli(['completion', 'fish']);
    expect(fish.stdout).toContain(
      'complete -c vineyard-charts -n "__fish_seen_subcommand_from lint" -l format -x -a',
    );
    const fishFile = path.join(work, 'completion.fish');
    await writeFile(fishFile, fish.stdout);
    const fishCheck = spawnSync('fish', ['--no-execute', fishFile], { encoding: 'utf8' });
    expect(fishCheck.status, fishCheck.stderr).toBe(0);
    // fish really completes from it
    const fishRun = spawnSync(
      'fish',
      ['-c', `source ${fishFile}; complete -C 'vineyard-charts lint --format s'`],
      {
        encoding: 'utf8',
      },
    );
    expect(fishRun.stdout).toMatch(/^sarif/m);
    const bad = await cli(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
  });
});
