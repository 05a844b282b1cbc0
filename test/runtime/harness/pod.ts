// One harness pod: its network namespace, volumes and containers (test support; see cluster.ts).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Cluster, Node } from './cluster.ts';
import { Container, MAX_GRACE_MS } from './container.ts';
import type { Obj, PodFacts } from './kubelet.ts';
import { PREFIX } from './leftovers.ts';
import { killGroup, run } from './sh.ts';

export class Pod {
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly spec: Obj;
  readonly netns: string;
  readonly uid = randomUUID();
  readonly containers: Container[];
  readonly dir: string;
  readonly hostname?: string;
  readonly subdomain?: string;
  readonly claimDirs: Record<string, string>;
  netnsReady = false;
  ready = false;
  deleted = false;
  volumes = new Map<string, { dir: string; readOnly: boolean }>();
  volumeError?: string;

  constructor(
    readonly cluster: Cluster,
    readonly name: string,
    template: Obj,
    readonly node: Node,
    readonly owner: string,
    readonly ip: string,
    extra: { hostname?: string; subdomain?: string; claimDirs?: Record<string, string> },
  ) {
    this.namespace = template.metadata?.namespace ?? cluster.namespace;
    this.labels = { ...(template.metadata?.labels ?? {}) };
    this.annotations = { ...(template.metadata?.annotations ?? {}) };
    this.spec = template.spec;
    this.netns = `${PREFIX}${cluster.id}-${name}`.slice(0, 60);
    this.dir = path.join(cluster.root, 'pods', name);
    // a recreated pod starts afresh (emptyDirs, logs); the earlier incarnation's files stay for diagnostics
    for (let n = 1; fs.existsSync(this.dir); n++) this.dir = path.join(cluster.root, 'pods', `${name}~${n}`);
    this.hostname = extra.hostname ?? template.spec?.hostname;
    this.subdomain = extra.subdomain ?? template.spec?.subdomain;
    this.claimDirs = extra.claimDirs ?? {};
    if (this.spec.hostNetwork) throw new Error(`${name}: hostNetwork pods are not modelled`);
    if ((this.spec.initContainers ?? []).length > 0)
      throw new Error(`${name}: initContainers are not modelled yet`);
    this.containers = (this.spec.containers as Obj[]).map((c) => new Container(this, c));
  }

  get facts(): PodFacts {
    return {
      name: this.name,
      namespace: this.namespace,
      uid: this.uid,
      nodeName: this.node.name,
      podIP: this.ip,
      hostIP: this.node.ip,
      serviceAccountName: this.spec.serviceAccountName ?? 'default',
      labels: this.labels,
      annotations: this.annotations,
    };
  }

  get restartPolicy(): string {
    return this.spec.restartPolicy ?? 'Always';
  }

  async start(): Promise<void> {
    this.cluster.log(`pod ${this.name} on ${this.node.name} (${this.ip})`);
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    await this.cluster.addNetns(this.netns, this.ip, [`${this.ip}\t${this.name}`]);
    this.netnsReady = true;
    try {
      this.prepareVolumes();
    } catch (error) {
      this.volumeError = String((error as Error).message);
      this.cluster.log(`pod ${this.name}: volumes: ${this.volumeError}`);
      return;
    }
    this.cluster.markDnsDirty();
    await this.cluster.settled();
    for (const c of this.containers) {
      if (!this.cluster.recreated.has(this.name) && this.cluster.holdAtStart?.(this, c.spec)) {
        c.held = true;
        c.waitingReason = 'held by the test';
        this.cluster.log(`${this.name}/${c.spec.name} held at start`);
      }
      c.start();
    }
  }

  /** After delete(): removes the pod's network namespace and hosts file so the name can be reused. */
  async release(): Promise<void> {
    if (!this.deleted) throw new Error(`pod ${this.name} must be deleted first`);
    if (!this.netnsReady) return;
    this.netnsReady = false;
    await run('ip', ['netns', 'del', this.netns], { timeoutMs: 10_000 });
    fs.rmSync(`/etc/netns/${this.netns}`, { recursive: true, force: true });
  }

  private prepareVolumes(): void {
    const fsGroup: number | undefined = this.spec.securityContext?.fsGroup;
    for (const v of (this.spec.volumes ?? []) as Obj[]) {
      let dir: string;
      let ownedByFsGroup = false;
      if (v.hostPath) {
        dir = path.join(this.node.hostDir, v.hostPath.path);
        const type = v.hostPath.type ?? '';
        if (type === 'DirectoryOrCreate') fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
        else if (type === 'Directory' && !fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
          throw new Error(`hostPath type check failed: ${v.hostPath.path} is not a directory`);
        } else if (type === '' && !fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
      } else if (v.emptyDir) {
        dir = path.join(this.dir, 'volumes', v.name);
        fs.mkdirSync(dir, { recursive: true, mode: 0o777 });
        fs.chmodSync(dir, 0o777); // kubelet creates emptyDirs 0777
        ownedByFsGroup = true;
      } else if (v.persistentVolumeClaim) {
        const claim = v.persistentVolumeClaim.claimName;
        dir = path.join(this.cluster.root, 'pv', claim);
        fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
        ownedByFsGroup = true;
      } else if (v.configMap || v.secret) {
        const source = v.configMap ?? v.secret;
        const name = v.configMap ? source.name : source.secretName;
        const data = (v.configMap ? this.cluster.configMaps : this.cluster.secrets).get(name);
        if (!data) {
          if (source.optional) continue;
          throw new Error(
            `MountVolume.SetUp failed for volume "${v.name}": ${v.configMap ? 'configmap' : 'secret'} "${name}" not found`,
          );
        }
        dir = path.join(this.dir, 'volumes', v.name);
        fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
        const items: Obj[] = source.items ?? Object.keys(data).map((key) => ({ key, path: key }));
        for (const item of items) {
          const file = path.join(dir, item.path);
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, data[item.key] ?? '', { mode: item.mode ?? source.defaultMode ?? 0o644 });
        }
        this.volumes.set(v.name, { dir, readOnly: true });
        continue;
      } else {
        throw new Error(`volume ${v.name}: type not modelled (${Object.keys(v).join(',')})`);
      }
      if (ownedByFsGroup && fsGroup !== undefined) {
        fs.chownSync(dir, 0, fsGroup);
        fs.chmodSync(dir, 0o2775 | (fs.statSync(dir).mode & 0o777));
      }
      this.volumes.set(v.name, { dir, readOnly: false });
    }
    for (const [claim, dir] of Object.entries(this.claimDirs)) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
      if (fsGroup !== undefined) {
        fs.chownSync(dir, 0, fsGroup);
        fs.chmodSync(dir, 0o2775);
      }
      this.volumes.set(claim, { dir, readOnly: false });
    }
  }

  updateReady(): void {
    const ready = !this.deleted && this.containers.every((c) => c.ready);
    if (ready !== this.ready) {
      this.ready = ready;
      this.cluster.log(`pod ${this.name} ${ready ? 'Ready' : 'NotReady'}`);
      this.cluster.markDnsDirty();
    }
  }

  completed(): boolean {
    return this.containers.every((c) => c.terminated);
  }

  exitCode(): number | null {
    for (const c of this.containers) if (c.lastExit !== 0) return c.lastExit ?? null;
    return 0;
  }

  /** Stops the named container and keeps it down (as if its node's vineyardd were gone) until resume(). */
  async hold(containerName?: string): Promise<void> {
    await Promise.all(
      this.containers.filter((c) => !containerName || c.spec.name === containerName).map((c) => c.stop(true)),
    );
  }

  resume(): void {
    for (const c of this.containers) if (c.held) c.resume();
  }

  async delete(graceMs = MAX_GRACE_MS): Promise<void> {
    if (this.deleted) return;
    this.deleted = true;
    this.updateReady();
    this.cluster.markDnsDirty();
    await Promise.all(this.containers.map((c) => c.stop(true, graceMs)));
    // anything still in the pod's network namespace (children that left the process group)
    if (this.netnsReady) {
      const pids = await run('ip', ['netns', 'pids', this.netns], { timeoutMs: 5000 });
      for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) killGroup(Number(pid), 'SIGKILL');
    }
  }

  logs(): string {
    return this.containers.map((c) => c.logText()).join('');
  }

  /** The processes running in the pod's network namespace (pid, command name, argv), as `ps` in the pod. */
  async processes(): Promise<{ pid: number; comm: string; argv: string[] }[]> {
    if (!this.netnsReady) return [];
    const r = await run('ip', ['netns', 'pids', this.netns], { timeoutMs: 5000 });
    const out: { pid: number; comm: string; argv: string[] }[] = [];
    for (const pid of r.stdout.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        out.push({ pid, comm, argv });
      } catch {
        // exited meanwhile
      }
    }
    return out;
  }

  describe(): string {
    return `${this.name}@${this.node.name} ${this.containers.map((c) => c.describe()).join(' ')}${this.volumeError ? ` volumes: ${this.volumeError}` : ''}`;
  }

  diagnostics(lines: number): string {
    return [`--- pod ${this.describe()}`, ...this.containers.map((c) => c.tail(lines))].join('\n');
  }
}
