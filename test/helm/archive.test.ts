/** Tar entries a chart archive may not hold, judged on every entry, including those that carry no file. */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArchiveFiles } from '../../src/helm/chart/archive.ts';
import { withTempDir } from '../support/run.ts';

/** Python's tarfile writes the pax global headers and odd directory entries tar-stream cannot. */
const MAKE = `
import sys, tarfile
out, kind = sys.argv[1], sys.argv[2]
if kind == 'pax-global-path':
    t = tarfile.open(out, 'w:gz', format=tarfile.PAX_FORMAT, pax_headers={'path': '../evil'})
elif kind == 'pax-global-comment':
    t = tarfile.open(out, 'w:gz', format=tarfile.PAX_FORMAT, pax_headers={'comment': 'made by git archive'})
else:
    t = tarfile.open(out, 'w:gz')
    d = tarfile.TarInfo(kind); d.type = tarfile.DIRTYPE; t.addfile(d)
t.add('c/Chart.yaml')
t.close()
`;

async function archive(dir: string, kind: string): Promise<Buffer> {
  await mkdir(path.join(dir, 'c'), { recursive: true });
  await writeFile(path.join(dir, 'c', 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 0.1.0\n');
  const out = path.join(dir, `${kind.replace(/\W/g, '_')}.tgz`);
  execFileSync('python3', ['-c', MAKE, out, kind], { cwd: dir });
  return readFile(out);
}

describe('readArchiveFiles', () => {
  it('refuses a pax global header that renames every member (GNU tar extracts it as ../evil)', () =>
    withTempDir(async (dir) => {
      await expect(readArchiveFiles(await archive(dir, 'pax-global-path'), 'g.tgz')).rejects.toThrow(
        'g.tgz: a pax global header sets path for every member; not allowed',
      );
    }));

  it('accepts a harmless pax global header (a comment, as git archive writes)', () =>
    withTempDir(async (dir) => {
      const { topDir, files } = await readArchiveFiles(await archive(dir, 'pax-global-comment'), 'c.tgz');
      expect(topDir).toBe('c');
      expect([...files.keys()]).toEqual(['Chart.yaml']);
    }));

  it.each([
    ['../evil/', 'parent-directory references (..) are not allowed'],
    ['..', 'directory entries must be relative paths inside the chart directory'],
    ['/etc/', 'directory entries must be relative paths inside the chart directory'],
    ['other/', 'all files must be under one chart directory (other/)'],
  ])('checks the name of a directory entry %s', (name, message) =>
    withTempDir(async (dir) => {
      await expect(readArchiveFiles(await archive(dir, name), 'd.tgz')).rejects.toThrow(message);
    }),
  );

  it('accepts the top directory as a directory entry', () =>
    withTempDir(async (dir) => {
      expect((await readArchiveFiles(await archive(dir, 'c/'), 'd.tgz')).topDir).toBe('c');
    }));
});
