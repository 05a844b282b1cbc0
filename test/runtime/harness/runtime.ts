// Where the real programs come from: scripts/install-runtime.sh (venv with the pinned vineyard wheels,
// Debian's etcd-server), and which "image" maps onto which of them.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './sh.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Runtime {
  venv: string;
  python: string;
  vineyardd: string;
  etcd: string;
}

let installed: Promise<Runtime> | undefined;

/** Runs the installer (cached by its stamp); throws a message naming what to run when it cannot. */
export function ensureRuntime(): Promise<Runtime> {
  installed ??= (async () => {
    const script = path.join(repoRoot, 'scripts/install-runtime.sh');
    const r = await run('bash', [script], { timeoutMs: 900_000, cwd: repoRoot });
    if (r.code !== 0) {
      throw new Error(
        `the runtime suite needs vineyardd, etcd and ip netns: \`bash scripts/install-runtime.sh\` failed:\n${r.stderr.trim()}`,
      );
    }
    const venv = r.stdout.trim().split('\n').pop() as string;
    const runtime: Runtime = {
      venv,
      python: path.join(venv, 'bin/python3'),
      vineyardd: path.join(venv, 'lib/python3.11/site-packages/vineyard/bdist/vineyardd'),
      etcd: '/usr/bin/etcd',
    };
    for (const [what, file] of Object.entries(runtime)) {
      if (!existsSync(file))
        throw new Error(`${what} missing at ${file}: run \`bash scripts/install-runtime.sh\``);
    }
    if (process.getuid?.() !== 0) {
      throw new Error('the runtime suite creates network and mount namespaces: run it as root');
    }
    return runtime;
  })();
  return installed;
}

export interface Image {
  /** the image's ENTRYPOINT and CMD */
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  workingDir: string;
  user: number;
  /** files of the image, by their path in the container, and the host file that stands for each */
  files: Record<string, string>;
}

const distrolessPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The images the chart names, by repository (tags ignored). Each is the host's filesystem (read through
 * an overlay) plus the image's own binaries bound at their image paths. An image not listed here fails the
 * container as ErrImagePull would.
 */
export function imageFor(ref: string, runtime: Runtime, pythonWrapper: string): Image | undefined {
  const repo = ref.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  const base = repo.split('/').pop();
  switch (base) {
    case 'vineyardd':
      // v6d docker/Dockerfile.vineyardd: distroless base with /usr/local/bin/vineyardd and /usr/bin/etcd
      // (vineyardd's etcd launcher finds that one on PATH: Debian's etcd is also /usr/bin/etcd here).
      // Its ENTRYPOINT is dumb-init, which only forwards signals; the harness signals the group itself.
      return {
        entrypoint: [],
        cmd: ['/usr/local/bin/vineyardd'],
        env: { PATH: `${distrolessPath}:/busybox` },
        workingDir: '/',
        user: 0,
        files: { '/usr/local/bin/vineyardd': runtime.vineyardd, '/usr/bin/etcd': runtime.etcd },
      };
    case 'etcd':
      // quay.io/coreos/etcd: distroless static, /usr/local/bin/etcd, WORKDIR /var/lib/etcd/
      return {
        entrypoint: [],
        cmd: ['/usr/local/bin/etcd'],
        env: { PATH: distrolessPath },
        workingDir: '/var/lib/etcd',
        user: 0,
        files: { '/usr/local/bin/etcd': runtime.etcd },
      };
    case 'python':
      // docker.io/library/python: python3 on PATH; here the venv's interpreter with the real vineyard client.
      return {
        entrypoint: [],
        cmd: ['python3'],
        env: { PATH: distrolessPath, LANG: 'C.UTF-8' },
        workingDir: '/',
        user: 0,
        files: { '/usr/local/bin/python3': pythonWrapper, '/usr/local/bin/python': pythonWrapper },
      };
    default:
      return undefined;
  }
}
