// One container of a harness pod: its root, mounts, user and capabilities, the process and its restarts
// with kubelet's back-off, and its probes (test support; see cluster.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Cluster, ContainerStatus } from './cluster.ts';
import {
  type ConfigSources,
  ContainerConfigError,
  containerArgv,
  containerEnv,
  expandSubPathExpr,
  type Obj,
  resolvePort,
} from './kubelet.ts';
import type { Pod } from './pod.ts';
import { type Image, imageFor } from './runtime.ts';
import { killGroup, q, run, sleep } from './sh.ts';

/** kubelet's back-off is 10s doubling to 5 min; tests cap it at 1s doubling to 8s. */
const BACKOFF_MS = [1000, 2000, 4000, 8000];
/** terminationGracePeriodSeconds is capped at this for tests. */
export const MAX_GRACE_MS = 5000;
const DEFAULT_CAPS = [
  'chown',
  'dac_override',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'net_bind_service',
  'net_raw',
  'sys_chroot',
  'mknod',
  'audit_write',
  'setfcap',
];

export class Container {
  proc?: ChildProcess;
  running = false;
  started = false;
  ready = false;
  terminated = false;
  held = false;
  restartCount = 0;
  lastExit?: number | null;
  waitingReason?: string;
  env: Record<string, string> = {};
  readonly logFile: string;
  private generation = 0;
  private crashes = 0;
  private startedAt = 0;
  private restartTimer?: NodeJS.Timeout;
  private exited?: Promise<void>;

  constructor(
    readonly pod: Pod,
    readonly spec: Obj,
  ) {
    this.logFile = path.join(pod.dir, `${spec.name}.log`);
  }

  private get cluster(): Cluster {
    return this.pod.cluster;
  }

  status(): ContainerStatus {
    return {
      name: this.spec.name,
      running: this.running,
      started: this.started,
      ready: this.ready,
      restartCount: this.restartCount,
      lastExit: this.lastExit,
      waitingReason: this.waitingReason,
    };
  }

  describe(): string {
    const s = this.running
      ? 'running'
      : this.terminated
        ? `exited ${this.lastExit}`
        : `waiting ${this.waitingReason ?? ''}`;
    return `[${this.spec.name}: ${s}${this.ready ? ' ready' : ''} restarts=${this.restartCount}]`;
  }

  private note(message: string): void {
    fs.appendFileSync(this.logFile, `### harness ${new Date().toISOString()}: ${message}\n`);
  }

  start(): void {
    if (this.pod.deleted || this.cluster.stopped || this.held) return;
    const gen = ++this.generation;
    try {
      this.launch(gen);
    } catch (error) {
      const reason = error instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'StartError';
      this.waitingReason = `${reason}: ${(error as Error).message}`;
      this.note(this.waitingReason);
      this.cluster.log(`${this.pod.name}/${this.spec.name}: ${this.waitingReason}`);
      this.scheduleRestart(null);
    }
  }

  private image(): Image {
    const image = imageFor(String(this.spec.image), this.cluster.runtime, this.cluster.pythonWrapper);
    if (!image)
      throw new ContainerConfigError(
        `ErrImagePull: image ${this.spec.image} is not mapped onto a real program`,
      );
    return image;
  }

  private launch(gen: number): void {
    const image = this.image();
    const pod = this.pod;
    const facts = pod.facts;
    const sources: ConfigSources = { configMaps: this.cluster.configMaps, secrets: this.cluster.secrets };
    const links = pod.spec.enableServiceLinks === false ? {} : this.cluster.serviceLinks(pod.namespace);
    const declared = containerEnv(this.spec, facts, sources, links);
    const env: Record<string, string> = {
      ...image.env,
      HOSTNAME: pod.hostname ?? pod.name,
      ...declared,
    };
    const sc = { ...(pod.spec.securityContext ?? {}), ...(this.spec.securityContext ?? {}) };
    const uid: number = sc.runAsUser ?? image.user;
    const gid: number = sc.runAsGroup ?? 0;
    if (sc.runAsNonRoot === true && uid === 0) {
      throw new ContainerConfigError('container has runAsNonRoot and image will run as root');
    }
    env.HOME ??= uid === 0 ? '/root' : '/';
    this.env = env;
    const argv = containerArgv(this.spec, image, env);
    if (argv.length === 0) throw new ContainerConfigError('no command specified');

    const ctr = path.join(
      this.cluster.root,
      'ctr',
      `${pod.name}-${pod.uid.slice(0, 8)}-${this.spec.name}-${this.restartCount}`,
    );
    const rootfs = path.join(ctr, 'root');
    for (const d of ['upper', 'work', 'root'])
      fs.mkdirSync(path.join(ctr, d), { recursive: true, mode: 0o755 });
    const lines = ['set -e'];
    const into = (p: string) => q(path.join(rootfs, resolveInRoot(p)));
    lines.push(
      `/usr/bin/mount -t overlay overlay -o ${q(`lowerdir=/,upperdir=${ctr}/upper,workdir=${ctr}/work`)} ${q(rootfs)}`,
    );
    for (const sys of ['/dev', '/proc', '/sys']) lines.push(`/usr/bin/mount --rbind ${sys} ${into(sys)}`);
    // each pod has its own /dev/shm unless a volume is mounted there
    const shm = path.join(pod.dir, 'shm');
    fs.mkdirSync(shm, { recursive: true, mode: 0o1777 });
    lines.push(`/usr/bin/mount --bind ${q(shm)} ${into('/dev/shm')}`);
    for (const f of ['/etc/hosts', '/etc/resolv.conf']) lines.push(`/usr/bin/mount --bind ${f} ${into(f)}`);
    for (const [dest, src] of Object.entries(image.files)) {
      lines.push(`/usr/bin/mkdir -p ${into(path.dirname(dest))}`, `/usr/bin/touch ${into(dest)}`);
      lines.push(`/usr/bin/mount --bind ${q(src)} ${into(dest)}`);
    }
    for (const m of (this.spec.volumeMounts ?? []) as Obj[]) {
      const volume = pod.volumes.get(m.name);
      if (!volume) throw new ContainerConfigError(`volumeMount ${m.name}: no such volume`);
      let sub = '';
      if (m.subPathExpr) sub = expandSubPathExpr(m.subPathExpr, env);
      else if (m.subPath) sub = m.subPath;
      if (sub.startsWith('/') || sub.split('/').includes('..')) {
        throw new ContainerConfigError(`subPath ${sub} must be a relative path without ..`);
      }
      const src = path.join(volume.dir, sub);
      if (sub && !fs.existsSync(src)) fs.mkdirSync(src, { recursive: true, mode: 0o755 }); // kubelet creates it
      const isDir = fs.statSync(src).isDirectory();
      lines.push(
        isDir
          ? `/usr/bin/mkdir -p ${into(m.mountPath)}`
          : `/usr/bin/mkdir -p ${into(path.dirname(m.mountPath))}; /usr/bin/touch ${into(m.mountPath)}`,
      );
      lines.push(`/usr/bin/mount --bind ${q(src)} ${into(m.mountPath)}`);
      if (m.readOnly || volume.readOnly) lines.push(`/usr/bin/mount -o remount,bind,ro ${into(m.mountPath)}`);
    }
    const workingDir: string = this.spec.workingDir ?? image.workingDir;
    lines.push(`/usr/bin/mkdir -p ${into(workingDir)}`);
    // the image's own files are readable by any user (the python interpreter lives under /root here)
    lines.push(`/usr/bin/chmod 0711 ${into('/root')}`);
    lines.push(`/usr/bin/hostname ${q(pod.hostname ?? pod.name)}`);
    if (sc.readOnlyRootFilesystem === true) lines.push(`/usr/bin/mount -o remount,ro ${q(rootfs)}`);
    lines.push(
      `exec /usr/sbin/chroot ${q(rootfs)} /usr/bin/env -C ${q(workingDir)} ${privileges(sc, uid, gid, pod.spec).map(q).join(' ')} -- ${argv.map(q).join(' ')}`,
    );
    const script = path.join(ctr, 'start.sh');
    fs.writeFileSync(script, `${lines.join('\n')}\n`);

    this.note(`start #${this.restartCount}: ${argv.join(' ')}`);
    const out = fs.openSync(this.logFile, 'a');
    const proc = spawn(
      'ip',
      [
        'netns',
        'exec',
        pod.netns,
        '/usr/bin/unshare',
        '--mount',
        '--uts',
        '--propagation',
        'private',
        '--',
        '/bin/sh',
        script,
      ],
      { env, detached: true, stdio: ['ignore', out, out] },
    );
    fs.closeSync(out);
    this.proc = proc;
    this.running = true;
    this.terminated = false;
    this.waitingReason = undefined;
    this.startedAt = Date.now();
    this.started = !this.spec.startupProbe;
    this.ready = false;
    this.cluster.log(`${pod.name}/${this.spec.name} started pid ${proc.pid}`);
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        this.running = false;
        this.started = false;
        this.ready = false;
        this.lastExit = code ?? (signal ? 128 + (signalNumbers[signal] ?? 0) : null);
        this.note(`exited ${code ?? signal}`);
        this.cluster.log(`${pod.name}/${this.spec.name} exited ${code ?? signal}`);
        pod.updateReady();
        if (gen === this.generation) this.scheduleRestart(this.lastExit);
        resolve();
      });
    });
    this.startProbes(gen);
    pod.updateReady();
  }

  private scheduleRestart(code: number | null | undefined): void {
    const policy = this.pod.restartPolicy;
    const again = policy === 'Always' || (policy === 'OnFailure' && code !== 0) || code === null;
    if (!again || this.pod.deleted || this.cluster.stopped || this.held) {
      this.terminated = true;
      return;
    }
    if (this.startedAt && Date.now() - this.startedAt > 60_000) this.crashes = 0;
    const delay = BACKOFF_MS[Math.min(this.crashes, BACKOFF_MS.length - 1)];
    this.crashes++;
    this.waitingReason ??= 'CrashLoopBackOff';
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restartCount++;
      this.start();
    }, delay);
  }

  /** Stops the process group (SIGTERM, then SIGKILL after the grace period). */
  async stop(hold: boolean, graceMs = MAX_GRACE_MS): Promise<void> {
    if (hold) this.held = true;
    this.generation++;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    if (!this.running || !this.proc) {
      this.ready = false;
      this.terminated = true;
      this.pod.updateReady();
      return;
    }
    const spec = Number(this.pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    killGroup(this.proc.pid, 'SIGTERM');
    const exited = this.exited;
    const timer = new Promise((resolve) => setTimeout(resolve, Math.min(spec, graceMs)));
    await Promise.race([exited, timer]);
    if (this.running) {
      killGroup(this.proc.pid, 'SIGKILL');
      await Promise.race([exited, sleep(5000)]);
    }
    this.terminated = true;
  }

  resume(): void {
    this.held = false;
    this.crashes = 0;
    this.restartCount++;
    this.start();
  }

  // ------------------------------------------------------------ probes

  private startProbes(gen: number): void {
    const live = () => gen === this.generation && this.running && !this.cluster.stopped;
    const loop = async (kind: 'startup' | 'readiness' | 'liveness', probe: Obj) => {
      const period = (probe.periodSeconds ?? 10) * 1000;
      const failureThreshold = probe.failureThreshold ?? 3;
      const successThreshold = probe.successThreshold ?? 1;
      let failures = 0;
      let successes = 0;
      await sleep((probe.initialDelaySeconds ?? 0) * 1000);
      while (live()) {
        if (kind === 'startup' && this.started) return;
        if (kind !== 'startup' && !this.started) {
          await sleep(period);
          continue;
        }
        const result = await this.probe(probe);
        if (!live()) return;
        if (result.ok) {
          failures = 0;
          successes++;
          if (kind === 'startup') {
            this.started = true;
            this.cluster.log(`${this.pod.name}/${this.spec.name} started (startup probe)`);
            if (!this.spec.readinessProbe) this.setReady(true);
            return;
          }
          if (kind === 'readiness' && successes >= successThreshold) this.setReady(true);
        } else {
          successes = 0;
          failures++;
          this.cluster.log(
            `${this.pod.name}/${this.spec.name} ${kind} probe failed (${failures}): ${result.detail}`,
          );
          if (kind === 'readiness' && failures >= failureThreshold) this.setReady(false);
          if ((kind === 'startup' || kind === 'liveness') && failures >= failureThreshold) {
            this.note(`${kind} probe failed ${failures} times (${result.detail}); killing the container`);
            killGroup(this.proc?.pid, 'SIGTERM');
            const pid = this.proc?.pid;
            setTimeout(() => killGroup(pid, 'SIGKILL'), MAX_GRACE_MS).unref();
            return;
          }
        }
        await sleep(period);
      }
    };
    if (this.spec.startupProbe) void loop('startup', this.spec.startupProbe);
    if (this.spec.readinessProbe) void loop('readiness', this.spec.readinessProbe);
    else if (!this.spec.startupProbe) this.setReady(true);
    else {
      // readiness follows startup when only a startup probe is declared (handled in the loop)
    }
    if (this.spec.livenessProbe) void loop('liveness', this.spec.livenessProbe);
  }

  private setReady(ready: boolean): void {
    if (this.ready === ready) return;
    this.ready = ready && this.running;
    this.pod.updateReady();
  }

  async probe(probe: Obj): Promise<{ ok: boolean; detail: string }> {
    const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
    const containers = this.pod.containers.map((c) => c.spec);
    if (probe.tcpSocket) {
      const port = resolvePort(probe.tcpSocket.port, containers);
      const r = await this.cluster.infraCall(
        { op: 'tcp', host: probe.tcpSocket.host ?? this.pod.ip, port, timeoutMs },
        timeoutMs,
      );
      return { ok: r.ok, detail: String(r.detail) };
    }
    if (probe.httpGet) {
      const port = resolvePort(probe.httpGet.port, containers);
      const r = await this.cluster.infraCall(
        {
          op: 'http',
          host: probe.httpGet.host ?? this.pod.ip,
          port,
          path: probe.httpGet.path ?? '/',
          timeoutMs,
        },
        timeoutMs,
      );
      return { ok: r.ok, detail: `HTTP ${r.status} ${r.error ?? ''}`.trim() };
    }
    if (probe.exec) {
      const r = await this.exec(probe.exec.command, timeoutMs);
      return {
        ok: r.code === 0,
        detail: `exit ${r.code}${r.timedOut ? ' (timeout)' : ''} ${r.stderr.trim().slice(0, 200)}`,
      };
    }
    return { ok: false, detail: `probe type not modelled: ${Object.keys(probe).join(',')}` };
  }

  /** `kubectl exec`: runs argv in the container's namespaces, root directory and environment. */
  exec(argv: string[], timeoutMs = 10_000) {
    const pid = this.proc?.pid;
    if (!this.running || !pid) {
      return Promise.resolve({
        code: 126,
        signal: null,
        stdout: '',
        stderr: 'container not running',
        timedOut: false,
      });
    }
    // the container's main process is the one after ip netns exec / unshare / sh / chroot / env (all exec)
    const sc = { ...(this.pod.spec.securityContext ?? {}), ...(this.spec.securityContext ?? {}) };
    const uid: number = sc.runAsUser ?? this.image().user;
    return run(
      '/usr/bin/nsenter',
      [
        '--target',
        String(pid),
        '--mount',
        '--uts',
        '--net',
        '--root',
        '--wd',
        '--',
        ...privileges(sc, uid, sc.runAsGroup ?? 0, this.pod.spec),
        '--',
        ...argv,
      ],
      { env: this.env, timeoutMs },
    );
  }

  logText(): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  tail(lines: number): string {
    const text = this.logText().trimEnd().split('\n').slice(-lines).join('\n');
    return `  ${this.describe()} log tail:\n${text.replace(/^/gm, '    ')}`;
  }
}

function privileges(sc: Obj, uid: number, gid: number, podSpec: Obj): string[] {
  const groups = [
    podSpec.securityContext?.fsGroup,
    ...(podSpec.securityContext?.supplementalGroups ?? []),
  ].filter((g) => g !== undefined);
  let caps = new Set(DEFAULT_CAPS);
  const drop: string[] = (sc.capabilities?.drop ?? []).map((c: string) =>
    c.toLowerCase().replace(/^cap_/, ''),
  );
  const add: string[] = (sc.capabilities?.add ?? []).map((c: string) => c.toLowerCase().replace(/^cap_/, ''));
  if (drop.includes('all')) caps = new Set();
  for (const c of drop) caps.delete(c);
  for (const c of add) caps.add(c);
  const capList = ['-all', ...[...caps].map((c) => `+${c}`)].join(',');
  const args = ['/usr/bin/setpriv', `--reuid=${uid}`, `--regid=${gid}`];
  args.push(groups.length ? `--groups=${groups.join(',')}` : '--clear-groups');
  args.push(`--bounding-set=${capList}`, `--inh-caps=-all`);
  if (sc.allowPrivilegeEscalation === false) args.push('--no-new-privs');
  return args;
}

const signalNumbers: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
  SIGSEGV: 11,
  SIGABRT: 6,
};

/**
 * A container path with its symlinks resolved as the container sees them (runc's securejoin): the
 * container's root is an overlay over the host's /, so the host's symlinks are the container's, and an
 * absolute link (/var/run -> /run) must resolve inside the container's root, not the host's.
 */
function resolveInRoot(p: string): string {
  const parts = p.split('/').filter(Boolean);
  let resolved: string[] = [];
  for (let hops = 0; parts.length > 0; ) {
    const part = parts.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = `/${[...resolved, part].join('/')}`;
    const st = fs.lstatSync(candidate, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) {
      if (++hops > 40) throw new ContainerConfigError(`too many symlinks in ${p}`);
      const target = fs.readlinkSync(candidate);
      if (target.startsWith('/')) resolved = [];
      parts.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    resolved.push(part);
  }
  return `/${resolved.join('/')}`;
}
