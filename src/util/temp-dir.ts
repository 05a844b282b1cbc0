/**
 * Private scratch directories, `<tmpdir>/<prefix><pid>-XXXXXX`, that do not outlive their process:
 * removed by `remove()`, at exit, and on SIGINT/SIGTERM/SIGHUP (the signal is then raised again, so the
 * process still dies of it, unless someone else handles it). A process killed with SIGKILL, or a power
 * loss, cannot clean up: the next `makeTempDir` with the same prefix removes directories whose process
 * is gone and that are older than an hour (the age guards against another PID namespace sharing /tmp).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

const STALE_MS = 60 * 60_000;
/** Directories of versions before the PID was in the name: no owner to check, so only by age. */
const LEGACY_STALE_MS = 24 * 60 * 60_000;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const live = new Set<string>();

function removeAllSync(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeAllSync();
  uninstall();
  // with no other handler, die of the signal as if we had never caught it
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function randomName(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(6), (b) => chars[b % chars.length]).join('');
}

function install(): void {
  if (live.size > 0) return;
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', removeAllSync);
}

function uninstall(): void {
  for (const s of SIGNALS) process.off(s, onSignal);
  process.off('exit', removeAllSync);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `<prefix><pid>-*` directories of dead processes, and old `<prefix>XXXXXX` ones. */
export async function sweepStaleTempDirs(
  prefix: string,
  root = tmpdir(),
  now = Date.now(),
): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const owned = /^(\d+)-[A-Za-z0-9]{6}$/.exec(rest);
    const legacy = /^[A-Za-z0-9]{6}$/.test(rest);
    if (!owned && !legacy) continue;
    if (owned && (Number(owned[1]) === process.pid || processAlive(Number(owned[1])))) continue;
    const dir = path.join(root, name);
    const info = await lstat(dir).catch(() => null);
    if (!info?.isDirectory() || now - info.mtimeMs < (owned ? STALE_MS : LEGACY_STALE_MS)) continue;
    await rm(dir, { recursive: true, force: true }).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}

export async function makeTempDir(prefix: string, root = tmpdir()): Promise<TempDir> {
  await sweepStaleTempDirs(prefix, root);
  // Registered before it exists and created synchronously: a signal handled at any point finds it.
  install();
  for (;;) {
    const dir = path.join(root, `${prefix}${process.pid}-${randomName()}`);
    live.add(dir);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      live.delete(dir);
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      if (live.size === 0) uninstall();
      throw err;
    }
    return {
      path: dir,
      async remove() {
        await rm(dir, { recursive: true, force: true });
        live.delete(dir);
        if (live.size === 0) uninstall();
      },
    };
  }
}
