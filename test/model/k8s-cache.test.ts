/**
 * The cache of derived Kubernetes shapes (src/model/k8s-cache.ts) gives what deriving from the
 * declarations gives, and derives again when a file the derivation read has changed.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { kubernetes, quantity } from '../../src/model/k8s.ts';
import { DEFINITIONS } from '../../src/model/model.ts';
import { PROJECT_ROOT } from '../../src/paths.ts';

const MODULES = [
  'v1/ResourceRequirements',
  'v1/Toleration',
  'v1/Affinity',
  'v1/SecurityContext',
  'v1/PodSecurityContext',
  'v1/EnvVar',
  'v1/Volume',
  'v1/LocalObjectReference',
  'v1/Container',
];

const plain = (shape: { schema: object }) => ({
  schema: shape.schema,
  definitions: (shape.schema as { [DEFINITIONS]?: unknown })[DEFINITIONS],
});

describe('derived Kubernetes shapes, cached', () => {
  it('are what deriving gives, on a cold and on a warm cache', () => {
    for (let pass = 0; pass < 2; pass++) {
      for (const m of MODULES) expect(plain(kubernetes(m))).toEqual(plain(kubernetes(m, true)));
      expect(plain(quantity())).toEqual(plain(quantity(true)));
    }
    expect(Object.keys(plain(kubernetes('v1/Container')).definitions as object)).toContain(
      'io.k8s.api.core.v1.Container',
    );
  });

  it('are never shared objects between callers', () => {
    const a = kubernetes('v1/Toleration');
    const b = kubernetes('v1/Toleration');
    expect(a.schema).not.toBe(b.schema);
    expect(plain(a).definitions).not.toBe(plain(b).definitions);
  });

  it('are derived again when a file read changed, and not when none did', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'k8s-cache-'));
    // A deriver of its own (its text names the cache file), so the project's cache is not touched.
    const deriver = path.join(dir, `deriver-${process.pid}-${Date.now()}.js`);
    const declaration = path.join(dir, 'Thing.d.ts');
    await writeFile(deriver, `// ${deriver}\n`);
    await writeFile(declaration, 'export interface IThing { a: string }\n');
    const cacheFiles: string[] = [];
    try {
      const run = async () => {
        vi.resetModules();
        const { cachedShape } = await import('../../src/model/k8s-cache.ts');
        let derived = 0;
        const text = await readFile(declaration, 'utf8');
        const shape = cachedShape(deriver, 'Thing#IThing', () => {
          derived++;
          return { schema: { type: 'object', text }, definitions: {}, files: [declaration] };
        });
        return { shape, derived };
      };
      expect(await run()).toEqual({
        shape: { schema: { type: 'object', text: expect.any(String) }, definitions: {} },
        derived: 1,
      });
      expect((await run()).derived).toBe(0);
      await writeFile(declaration, 'export interface IThing { b: string }\n');
      const changed = await run();
      expect(changed.derived).toBe(1);
      expect(changed.shape.schema).toEqual({
        type: 'object',
        text: 'export interface IThing { b: string }\n',
      });
      expect((await run()).derived).toBe(0);
    } finally {
      const { readdir } = await import('node:fs/promises');
      const cacheDir = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'vineyard-charts');
      const { createHash } = await import('node:crypto');
      const tsVersion = JSON.parse(
        await readFile(path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'package.json'), 'utf8'),
      ).version;
      const key = createHash('sha256')
        .update(`// ${deriver}\n\0typescript@${tsVersion}`)
        .digest('hex')
        .slice(0, 16);
      for (const f of await readdir(cacheDir)) if (f.includes(key)) cacheFiles.push(f);
      for (const f of cacheFiles) await rm(path.join(cacheDir, f), { force: true });
      await rm(dir, { recursive: true, force: true });
    }
    expect(cacheFiles).toHaveLength(1);
  });
});
