/** `file://DIR`: a chart repository in a local directory (relative paths from the working directory). */
import path from 'node:path';
import { UsageError } from '../../errors.ts';
import { FileStorage } from '../file.ts';
import { RepositoryTarget } from '../repository/target.ts';
import type { Provider } from '../target.ts';

function directoryOf(url: string, cwd = process.cwd()): string {
  const rest = url.slice('file://'.length);
  if (!rest) throw new UsageError(`--to ${url}: expected file://DIR`);
  return path.resolve(cwd, rest);
}

export const fileProvider: Provider = {
  scheme: 'file',
  kind: 'repository',
  usage: 'file://DIR',
  check: (url, cwd) => void directoryOf(url, cwd),
  async open(url, opts) {
    const dir = directoryOf(url, opts.cwd);
    return new RepositoryTarget(`file://${dir}`, async () => new FileStorage(dir), opts);
  },
};
