import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { load } from 'js-yaml';
import * as openpgp from 'openpgp';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { readChartArchive } from '../../src/helm/chart/archive.ts';
import { PROJECT_ROOT } from '../../src/tools/helm.ts';
import { cli, HELM_MAJORS, helm, withTempDir } from '../support/run.ts';

const FIXTURE = path.join(PROJECT_ROOT, 'test/fixtures/charts/demo');
const ARCHIVE = 'demo-1.2.3+build.7.tgz';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function tarHeaders(tgz: Buffer): Promise<tar.Header[]> {
  const extract = tar.extract();
  const headers: tar.Header[] = [];
  extract.end(gunzipSync(tgz));
  for await (const entry of extract) {
    headers.push(entry.header);
    entry.resume();
  }
  return headers;
}

async function copyFixture(dest: string): Promise<string> {
  await cp(FIXTURE, dest, { recursive: true });
  return dest;
}

describe('package', () => {
  it('is reproducible: two checkouts with different mtimes give identical bytes', async () => {
    await withTempDir(async (dir) => {
      const a = await copyFixture(path.join(dir, 'a', 'demo'));
      const b = await copyFixture(path.join(dir, 'b', 'demo'));
      for (const f of ['Chart.yaml', 'values.yaml', 'templates/configmap.yaml']) {
        await utimes(path.join(a, f), new Date('2001-02-03'), new Date('2001-02-03'));
        await utimes(path.join(b, f), new Date('2022-09-10'), new Date('2022-09-10'));
      }
      const env = { SOURCE_DATE_EPOCH: '' };
      const ra = await cli(['package', a, '--out', path.join(dir, 'out-a')], { env });
      const rb = await cli(['package', b, '--out', path.join(dir, 'out-b')], { env });
      expect(ra.stderr).toBe('');
      expect(ra.code).toBe(0);
      expect(rb.code).toBe(0);
      const bytesA = await readFile(path.join(dir, 'out-a', ARCHIVE));
      const bytesB = await readFile(path.join(dir, 'out-b', ARCHIVE));
      expect(sha256(bytesA)).toBe(sha256(bytesB));
      expect(ra.stdout).toContain(`sha256:${sha256(bytesA)}`);

      // SOURCE_DATE_EPOCH is honoured: another epoch gives other bytes, with that mtime inside.
      const rc = await cli(['package', a, '--out', path.join(dir, 'out-c')], {
        env: { SOURCE_DATE_EPOCH: '1700000000' },
      });
      expect(rc.code).toBe(0);
      const bytesC = await readFile(path.join(dir, 'out-c', ARCHIVE));
      expect(sha256(bytesC)).not.toBe(sha256(bytesA));
      const headers = await tarHeaders(bytesC);
      expect(headers.every((h) => h.mtime?.getTime() === 1_700_000_000_000)).toBe(true);
    });
  });

  it('writes the layout helm expects, with fixed headers and .helmignore honoured like helm package', async () => {
    await withTempDir(async (dir) => {
      const chart = await copyFixture(path.join(dir, 'src', 'demo'));
      await writeFile(path.join(chart, 'values.yaml.bak'), 'ignored: true\n');
      await mkdir(path.join(chart, 'notes'));
      await writeFile(path.join(chart, 'notes', 'todo.md'), 'ignored\n');
      await writeFile(path.join(chart, 'templates', '.hidden.yaml'), 'ignored by helm default rule\n');
      const res = await cli(['package', chart, '--out', path.join(dir, 'ours')]);
      expect(res.code).toBe(0);
      const bytes = await readFile(path.join(dir, 'ours', ARCHIVE));
      // gzip header: no name flag, mtime 0, OS byte Unix.
      expect(bytes[3]).toBe(0);
      expect(bytes.readUInt32LE(4)).toBe(0);
      expect(bytes[9]).toBe(3);
      const headers = await tarHeaders(bytes);
      const names = headers.map((h) => h.name);
      expect(names[0]).toBe('demo/Chart.yaml');
      expect(names.slice(1)).toEqual([...names.slice(1)].sort());
      for (const h of headers) {
        expect(h).toMatchObject({ type: 'file', mode: 0o644, uid: 0, gid: 0, uname: '', gname: '' });
      }
      // Independent truth: the file set real helm packages from the same directory.
      const h = await helm('v4', ['package', chart, '--destination', path.join(dir, 'helm')], dir);
      expect(h.code, h.stderr).toBe(0);
      const helmNames = (await tarHeaders(await readFile(path.join(dir, 'helm', ARCHIVE)))).map(
        (x) => x.name,
      );
      expect([...names].sort()).toEqual([...helmNames].sort());
      expect(names).not.toContain('demo/notes/todo.md');
    });
  });

  for (const major of HELM_MAJORS) {
    it(`is accepted by real helm ${major}: show chart, template${major === 'v4' ? ', install --dry-run=client' : ''}`, async () => {
      await withTempDir(async (dir) => {
        const res = await cli(['package', FIXTURE, '--out', dir]);
        expect(res.code).toBe(0);
        const tgz = path.join(dir, ARCHIVE);
        const show = await helm(major, ['show', 'chart', tgz], dir);
        expect(show.code, show.stderr).toBe(0);
        const shown = load(show.stdout) as Record<string, unknown>;
        const source = load(await readFile(path.join(FIXTURE, 'Chart.yaml'), 'utf8')) as Record<
          string,
          unknown
        >;
        expect(shown).toEqual(source);
        const tpl = await helm(major, ['template', 'rel', tgz, '--set', 'message=hi there'], dir);
        expect(tpl.code, tpl.stderr).toBe(0);
        expect(tpl.stdout).toContain('name: rel-demo');
        expect(tpl.stdout).toContain('message: "hi there"');
        if (major === 'v4') {
          const inst = await helm(
            major,
            ['install', 'rel', tgz, '--dry-run=client', '--namespace', 'ns1'],
            dir,
          );
          expect(inst.code, inst.stderr).toBe(0);
          expect(inst.stdout).toContain('kind: ConfigMap');
          expect(inst.stdout).toContain('Installed demo 1.2.3+build.7.');
        }
      });
    });
  }

  it('signs: helm verify (v3 and v4) accepts the .prov and rejects a tampered archive', async () => {
    await withTempDir(async (dir) => {
      const { privateKey, publicKey } = await openpgp.generateKey({
        type: 'rsa',
        rsaBits: 2048,
        userIDs: [{ name: 'Throwaway Signer', email: 'throwaway@example.com' }],
        passphrase: 'correct horse',
        format: 'binary',
      });
      await writeFile(path.join(dir, 'secring.gpg'), privateKey);
      await writeFile(path.join(dir, 'pubring.gpg'), publicKey);
      await writeFile(path.join(dir, 'pass'), 'correct horse\n');
      const out = path.join(dir, 'out');
      const args = [
        'package',
        FIXTURE,
        '--out',
        out,
        '--sign',
        '--key',
        'Throwaway',
        '--keyring',
        path.join(dir, 'secring.gpg'),
      ];
      const noPass = await cli(args);
      expect(noPass.code).toBe(1);
      expect(noPass.stderr).toContain('--passphrase-file');
      expect(await readdir(dir)).not.toContain('out');
      const res = await cli([...args, '--passphrase-file', path.join(dir, 'pass')]);
      expect(res.code, res.stderr).toBe(0);
      const tgz = path.join(out, ARCHIVE);
      const prov = await readFile(`${tgz}.prov`, 'utf8');
      expect(prov).toContain(`${ARCHIVE}: sha256:${sha256(await readFile(tgz))}`);
      for (const major of HELM_MAJORS) {
        const v = await helm(major, ['verify', tgz, '--keyring', path.join(dir, 'pubring.gpg')], dir);
        expect(v.code, `${major}: ${v.stderr}`).toBe(0);
        expect(v.stdout).toContain('Throwaway Signer');
      }
      const tampered = path.join(dir, 'tampered');
      await mkdir(tampered);
      const bytes = await readFile(tgz);
      bytes[bytes.length - 5] ^= 0xff;
      await writeFile(path.join(tampered, ARCHIVE), bytes);
      await writeFile(path.join(tampered, `${ARCHIVE}.prov`), prov);
      for (const major of HELM_MAJORS) {
        const v = await helm(
          major,
          ['verify', path.join(tampered, ARCHIVE), '--keyring', path.join(dir, 'pubring.gpg')],
          dir,
        );
        expect(v.code).not.toBe(0);
      }
    });
  });

  it('packages the real vineyard chart (charts-out/vineyard) so helm v3 and v4 template it', async () => {
    await withTempDir(async (dir) => {
      const res = await cli(['package', path.join(PROJECT_ROOT, 'charts-out/vineyard'), '--out', dir]);
      expect(res.code, res.stderr).toBe(0);
      const [tgz] = (await readdir(dir)).filter((f) => f.endsWith('.tgz'));
      const archive = await readChartArchive(await readFile(path.join(dir, tgz)), tgz);
      expect(tgz).toBe(`vineyard-${archive.metadata.version}.tgz`);
      for (const major of HELM_MAJORS) {
        const tpl = await helm(major, ['template', 'rel', path.join(dir, tgz)], dir);
        expect(tpl.code, `${major}: ${tpl.stderr}`).toBe(0);
        expect(tpl.stdout).toContain('kind: ');
      }
    });
  });

  it('round-trips through our own safe reader', async () => {
    await withTempDir(async (dir) => {
      expect((await cli(['package', FIXTURE, '--out', dir])).code).toBe(0);
      const bytes = await readFile(path.join(dir, ARCHIVE));
      const archive = await readChartArchive(bytes, ARCHIVE);
      expect(archive.metadata).toMatchObject({ name: 'demo', version: '1.2.3+build.7', appVersion: '1.10' });
      expect(archive.digest).toBe(sha256(bytes));
      expect(archive.files.get('values.yaml')?.toString()).toBe(
        await readFile(path.join(FIXTURE, 'values.yaml'), 'utf8'),
      );
    });
  });

  describe('bad input: exit 1, a message naming the file and path, nothing written or replaced', () => {
    const cases: [string, (chart: string) => Promise<void>, RegExp][] = [
      [
        'invalid Chart.yaml field',
        (c) =>
          writeFile(
            path.join(c, 'Chart.yaml'),
            'apiVersion: v2\nname: demo\nversion: 1.2.3+build.7\nappVersion: 1.10\n',
          ),
        /Chart\.yaml: appVersion: expected a string.*quote it/,
      ],
      [
        'unknown Chart.yaml field',
        (c) =>
          writeFile(
            path.join(c, 'Chart.yaml'),
            'apiVersion: v2\nname: demo\nversion: 1.2.3+build.7\nvesion: 2\n',
          ),
        /Chart\.yaml: vesion: unknown field/,
      ],
      [
        'broken YAML',
        (c) => writeFile(path.join(c, 'Chart.yaml'), 'apiVersion: v2\nname: [demo\n'),
        /Chart\.yaml: invalid YAML/,
      ],
      [
        'symlink',
        (c) => symlink('/etc/passwd', path.join(c, 'templates', 'passwd')),
        /templates\/passwd: symbolic links/,
      ],
      [
        'oversize file',
        (c) => writeFile(path.join(c, 'big.bin'), Buffer.alloc(5 * 1024 * 1024 + 1)),
        /big\.bin: file is 5242881 bytes, over helm's per-file limit/,
      ],
    ];
    for (const [label, breakIt, message] of cases) {
      it(label, async () => {
        await withTempDir(async (dir) => {
          const chart = await copyFixture(path.join(dir, 'demo'));
          await breakIt(chart);
          const out = path.join(dir, 'out');
          await mkdir(out);
          await writeFile(path.join(out, ARCHIVE), 'previous release');
          const res = await cli(['package', chart, '--out', out]);
          expect(res.code).toBe(1);
          expect(res.stderr).toMatch(message);
          expect(res.stderr).not.toContain('internal error');
          expect(await readdir(out)).toEqual([ARCHIVE]);
          expect(await readFile(path.join(out, ARCHIVE), 'utf8')).toBe('previous release');
        });
      });
    }
  });
});
