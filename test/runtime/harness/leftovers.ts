// What a harness run leaves on the machine (network namespaces, links, hosts files, /dev/shm data) and
// how it is removed: at teardown, and for runs whose process was killed (test support; see cluster.ts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { alive, killGroup, run } from './sh.ts';

export const PREFIX = 'vrt';

/** Removes a run's namespaces (killing what runs in them), links, hosts dirs and data. */
export function removeRun(id: string, dirs: string[]): void {
  const sh = (args: string[]) => {
    try {
      return execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).toString();
    } catch {
      return '';
    }
  };
  const namespaces = sh(['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((n) => n.startsWith(`${PREFIX}${id}-`));
  for (const ns of namespaces) {
    for (const pid of sh(['netns', 'pids', ns]).split(/\s+/).filter(Boolean))
      killGroup(Number(pid), 'SIGKILL');
  }
  for (const ns of namespaces) {
    sh(['netns', 'del', ns]);
    fs.rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
  }
  for (const link of sh(['-o', 'link', 'show'])
    .split('\n')
    .map((l) => l.split(':')[1]?.trim().split('@')[0])
    .filter((l) => l?.startsWith(`${PREFIX}${id}`))) {
    sh(['link', 'del', link]);
  }
  if (fs.existsSync('/etc/netns')) {
    for (const d of fs.readdirSync('/etc/netns')) {
      if (d.startsWith(`${PREFIX}${id}-`)) fs.rmSync(`/etc/netns/${d}`, { recursive: true, force: true });
    }
  }
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
}

/** Removes what killed runs left behind: any run whose owner process is gone. */
export async function cleanupStale(): Promise<void> {
  const ids = new Set<string>();
  const re = new RegExp(`^${PREFIX}([0-9a-f]{4})`);
  const nsList = await run('ip', ['netns', 'list'], { timeoutMs: 5000 });
  for (const l of nsList.stdout.split('\n')) {
    const m = re.exec(l);
    if (m) ids.add(m[1]);
  }
  for (const d of fs.readdirSync('/dev/shm')) {
    const m = new RegExp(`^${PREFIX}-([0-9a-f]{4})$`).exec(d);
    if (m) ids.add(m[1]);
  }
  if (fs.existsSync('/etc/netns')) {
    for (const d of fs.readdirSync('/etc/netns')) {
      const m = re.exec(d);
      if (m) ids.add(m[1]);
    }
  }
  // staging directories of runs whose process died while creating them (Cluster.setup)
  for (const d of fs.readdirSync('/dev/shm')) {
    if (!d.startsWith(`.${PREFIX}-`)) continue;
    let owner = 0;
    try {
      owner = Number(fs.readFileSync(`/dev/shm/${d}/owner`, 'utf8'));
    } catch {
      // not written yet, or gone
    }
    if (owner && !alive(owner)) fs.rmSync(`/dev/shm/${d}`, { recursive: true, force: true });
  }
  for (const id of ids) {
    let owner = 0;
    try {
      owner = Number(fs.readFileSync(`/dev/shm/${PREFIX}-${id}/owner`, 'utf8'));
    } catch {
      // no owner file
    }
    if (owner && alive(owner)) continue;
    removeRun(id, [`/dev/shm/${PREFIX}-${id}`]);
  }
}
