/**
 * A recording stand-in for kubectl (there is no cluster on these machines): it logs every argv and
 * stdin, answers `get configmap` from a file the test seeds, and fails on demand. It checks nothing
 * itself; tests assert on the recorded invocations, and a separate test feeds the same argv and stdin
 * to the real kubectl binaries to prove they are accepted.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface KubectlCall {
  argv: string[];
  stdin: string;
}

export interface KubectlShim {
  path: string;
  calls(): Promise<KubectlCall[]>;
  /** What `kubectl get configmap … -o json` prints (undefined: not found, prints nothing). */
  seedGet(json: string | undefined): Promise<void>;
  /** Calls whose argv (joined by spaces) matches exit 1 with a message on stderr. */
  failOn(pattern: string): Promise<void>;
}

export async function makeKubectlShim(dir: string): Promise<KubectlShim> {
  const log = path.join(dir, 'calls.jsonl');
  const getFile = path.join(dir, 'get.json');
  const failFile = path.join(dir, 'fail-on');
  const shim = path.join(dir, 'kubectl');
  await writeFile(log, '');
  await writeFile(
    shim,
    `#!${process.execPath}
const fs = require('node:fs');
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const argv = process.argv.slice(2);
  fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv, stdin: Buffer.concat(chunks).toString('utf8') }) + '\\n');
  if (fs.existsSync(${JSON.stringify(failFile)}) && new RegExp(fs.readFileSync(${JSON.stringify(failFile)}, 'utf8')).test(argv.join(' '))) {
    process.stderr.write('Error from server (simulated by the test shim)\\n');
    process.exit(1);
  }
  if (argv.includes('get') && fs.existsSync(${JSON.stringify(getFile)})) process.stdout.write(fs.readFileSync(${JSON.stringify(getFile)}));
});
`,
  );
  await chmod(shim, 0o755);
  return {
    path: shim,
    async calls() {
      const text = await readFile(log, 'utf8');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as KubectlCall);
    },
    async seedGet(json) {
      const { rm } = await import('node:fs/promises');
      if (json === undefined) await rm(getFile, { force: true });
      else await writeFile(getFile, json);
    },
    async failOn(pattern) {
      await writeFile(failFile, pattern);
    },
  };
}
