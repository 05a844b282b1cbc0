/**
 * Reads a chart directory the way helm's loader does (pkg/chart/loader/directory): `.helmignore` plus
 * helm's default rule, helm's size limits. Symbolic links are refused rather than followed, so what we
 * render is exactly what `package` puts in the archive. The one directory walker: package, lint, render.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../errors.ts';
import { checkChartSize, checkFileSize } from './archive.ts';
import { IgnoreRules } from './helmignore.ts';

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Far above any real .helmignore; a bigger one is a mistake, not a list of patterns. */
const MAX_HELMIGNORE_BYTES = 1024 * 1024;

async function readIgnoreRules(chartDir: string): Promise<IgnoreRules> {
  const ignorePath = path.join(chartDir, '.helmignore');
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(ignorePath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return IgnoreRules.parse('', ignorePath);
    throw new InputError(ignorePath, '', `cannot read: ${(err as NodeJS.ErrnoException).code}`);
  }
  // Checked before opening: a symlink is never followed (its target must not leak into messages) and a
  // FIFO would block the read forever.
  if (!st.isFile())
    throw new InputError(
      ignorePath,
      '',
      `expected a regular file, found ${st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? 'a directory' : 'a special file'}`,
    );
  if (st.size > MAX_HELMIGNORE_BYTES)
    throw new InputError(ignorePath, '', `is ${st.size} bytes; at most ${MAX_HELMIGNORE_BYTES} expected`);
  return IgnoreRules.parse(await readFile(ignorePath, 'utf8'), ignorePath);
}

/**
 * Every file helm would load or package, keyed by `/`-separated path relative to the chart root, in
 * byte order of the paths (the order `package` writes after Chart.yaml).
 */
export async function readChartDir(chartDir: string): Promise<Map<string, Buffer>> {
  const rules = await readIgnoreRules(chartDir);
  const files = new Map<string, Buffer>();
  let total = 0;
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(path.join(chartDir, rel))).sort(compareBytes);
    for (const name of names) {
      const childRel = rel ? `${rel}/${name}` : name;
      const abs = path.join(chartDir, childRel);
      const st = await lstat(abs);
      if (rules.ignores(childRel, st.isDirectory())) continue;
      if (st.isSymbolicLink()) {
        throw new InputError(
          abs,
          '',
          'symbolic links are not packaged; replace it with the file or list it in .helmignore',
        );
      }
      if (st.isDirectory()) await walk(childRel);
      else if (!st.isFile())
        throw new InputError(abs, '', 'only regular files and directories can be packaged');
      else {
        checkFileSize(st.size, abs, '');
        total += st.size;
        checkChartSize(total, abs, '');
        files.set(childRel, await readFile(abs));
      }
    }
  };
  await walk('');
  return files;
}
