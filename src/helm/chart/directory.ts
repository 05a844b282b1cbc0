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

async function readIgnoreRules(chartDir: string): Promise<IgnoreRules> {
  const ignorePath = path.join(chartDir, '.helmignore');
  let text = '';
  try {
    text = await readFile(ignorePath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return IgnoreRules.parse(text, ignorePath);
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
