/**
 * Rewrites test/fixtures/lint-corpus/<defect>/ from ok-base and the recipes in corpus.ts.
 * Run after changing ok-base or a recipe: `npx tsx test/lint/make-corpus.ts`.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BASE, CLEAN, CORPUS_DIR, DEFECTS, type Files } from './corpus.ts';

async function readTree(dir: string, rel = '', out: Files = new Map()): Promise<Files> {
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) await readTree(dir, r, out);
    else out.set(r, await readFile(path.join(dir, r), 'utf8'));
  }
  return out;
}

const base = await readTree(path.join(CORPUS_DIR, BASE));
for (const { name, mutate } of [...DEFECTS, ...CLEAN]) {
  const files = new Map(base);
  mutate(files);
  const dir = path.join(CORPUS_DIR, name);
  await rm(dir, { recursive: true, force: true });
  for (const [rel, text] of files) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), text);
  }
}
console.log(`wrote ${DEFECTS.length + CLEAN.length} corpus charts`);
