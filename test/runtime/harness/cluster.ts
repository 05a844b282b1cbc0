// A node-level stand-in for a Kubernetes cluster (test support, not a product feature): it runs the
// documents `vineyard-charts manifests` renders the way kubelets would, as real processes in network and
// mount namespaces. Design and limits: test/runtime/README.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { loadAll } from 'js-yaml';
import { type Container, MAX_GRACE_MS } from './container.ts';
import { type Obj, resolvePort, selects, serviceLinkEnv } from './kubelet.ts';
import { cleanupStale, PREFIX, removeRun } from './leftovers.ts';
import { Pod } from './pod.ts';
import { type Runtime, repoRoot } from './runtime.ts';
import { killGroup, must, q, run, sleep, waitFor } from './sh.ts';

const SUBNET = '10.231.0';
const INFRA_IP = `${SUBNET}.2`;

export interface RenderOptions {
  values?: string[];
  set?: string[];
  release?: string;
  namespace?: string;
  extraArgs?: string[];
  chart?: string;
}

/** The chart's documents, from the CLI only (`manifests`), parsed with js-yaml. */
export async function renderManifests(options: RenderOptions = {}): Promise<Obj[]> {
  const args = ['bin/vineyard-charts.cjs', 'manifests'];
  for (const f of options.values ?? []) args.push('-f', f);
  for (const s of options.set ?? []) args.push('--set', s);
  args.push('--release', options.release ?? 'vineyard', '--namespace', options.namespace ?? 'vineyard');
  // VRT_CHART: run the suite against another chart directory (e.g. a release's) instead of charts-out/vineyard
  const chart = options.chart ?? process.env.VRT_CHART;
  if (chart) args.push('--chart', chart);
  args.push(...(options.extraArgs ?? []));
  const r = await run(process.execPath, args, { cwd: repoRoot, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`vineyard-charts ${args.slice(1).join(' ')} failed:\n${r.stderr}`);
  return (loadAll(r.stdout) as Obj[]).filter((d) => d && typeof d === 'object');
}

interface Node {
  name: string;
  netns: string;
  ip: string;
  hostDir: string;
  labels: Record<string, string>;
}

interface Service {
  name: string;
  namespace: string;
  headless: boolean;
  vip: string;
  selector: Record<string, string>;
  ports: Obj[];
  publishNotReady: boolean;
}

export interface StartOptions {
  nodes?: number;
  namespace?: string;
  clusterDomain?: string;
  /**
   * Containers for which this returns true are created held (not started, like a pod stuck in
   * ContainerCreating) until `pod.resume()`: e.g. an etcd that is down when vineyardd starts.
   */
  holdAtStart?: (pod: Pod, container: Obj) => boolean;
}

export interface ContainerStatus {
  name: string;
  running: boolean;
  started: boolean;
  ready: boolean;
  restartCount: number;
  lastExit?: number | null;
  waitingReason?: string;
}

export interface PodRunResult {
  name: string;
  node: string;
  exitCode: number | null;
  logs: string;
  timedOut: boolean;
}

const liveClusters = new Set<Cluster>();
process.once('exit', () => {
  for (const c of liveClusters) c.teardownSync();
});

export class Cluster {
  readonly id: string;
  readonly root: string;
  readonly bridge: string;
  readonly infraNetns: string;
  readonly nodes: Node[] = [];
  readonly pods = new Map<string, Pod>();
  readonly services: Service[] = [];
  readonly configMaps = new Map<string, Record<string, string>>();
  readonly secrets = new Map<string, Record<string, string>>();
  readonly pythonWrapper: string;
  readonly clusterDomain: string;
  readonly events: string[] = [];
  stopped = false;
  private nextIp = 20;
  private nextVip = 100;
  private netnsCount = 0;
  private infra?: ChildProcess;
  private infraReplies = new Map<number, (msg: Obj) => void>();
  private infraSeq = 0;
  private dnsDirty = false;
  private dnsTimer?: NodeJS.Timeout;
  private dnsSync: Promise<void> = Promise.resolve();
  private readonly netnsNames = new Set<string>();
  private readonly controllers: (() => Promise<void>)[] = [];
  /** How each controller-owned pod is created again (StatefulSet: same name and claims). */
  private readonly recreators = new Map<string, () => Promise<Pod>>();
  readonly holdAtStart?: (pod: Pod, container: Obj) => boolean;
  /** Names of pods recreated by recreatePod(): holdAtStart applies to the first incarnation only. */
  readonly recreated = new Set<string>();

  private constructor(
    readonly docs: Obj[],
    readonly runtime: Runtime,
    readonly namespace: string,
    options: StartOptions,
  ) {
    // parallel test files each run their own cluster: ids must not collide with a live run's
    do this.id = randomBytes(2).toString('hex');
    while (fs.existsSync(`/dev/shm/${PREFIX}-${this.id}`));
    this.holdAtStart = options.holdAtStart;
    this.root = `/dev/shm/${PREFIX}-${this.id}`;
    this.bridge = `${PREFIX}${this.id}br`;
    this.infraNetns = `${PREFIX}${this.id}-infra`;
    this.pythonWrapper = path.join(this.root, 'images/python3');
    this.clusterDomain = options.clusterDomain ?? 'cluster.local';
  }

  /** Sets up `nodes` simulated nodes and starts every workload in `docs`. */
  static async start(docs: Obj[], runtime: Runtime, options: StartOptions = {}): Promise<Cluster> {
    await cleanupStale();
    const cluster = new Cluster(docs, runtime, options.namespace ?? 'vineyard', options);
    liveClusters.add(cluster);
    try {
      await cluster.setup(options.nodes ?? 3);
      await cluster.apply();
    } catch (error) {
      await cluster.teardown();
      throw error;
    }
    return cluster;
  }

  log(message: string): void {
    const line = `${new Date().toISOString().slice(11, 23)} ${message}`;
    this.events.push(line);
    if (process.env.VRT_VERBOSE) console.log(`[${this.id}] ${line}`);
  }

  // ---------------------------------------------------------------- network

  private async setup(nodeCount: number): Promise<void> {
    // the run directory appears with its owner file already in it (rename is atomic): a concurrent
    // cleanupStale() in another test process never takes a run being set up for an abandoned one
    const staging = fs.mkdtempSync(`/dev/shm/.${PREFIX}-${this.id}-`);
    fs.writeFileSync(path.join(staging, 'owner'), String(process.pid));
    fs.chmodSync(staging, 0o755);
    fs.renameSync(staging, this.root);
    fs.mkdirSync(path.join(this.root, 'images'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(this.pythonWrapper, `#!/bin/sh\nexec ${q(this.runtime.python)} "$@"\n`, { mode: 0o755 });
    await must('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    await must('ip', ['link', 'set', this.bridge, 'up']);
    await this.addNetns(this.infraNetns, INFRA_IP, []);
    for (let i = 1; i <= nodeCount; i++) {
      const name = `node-${i}`;
      const node: Node = {
        name,
        netns: `${PREFIX}${this.id}-${name}`,
        ip: `${SUBNET}.${10 + i}`,
        hostDir: path.join(this.root, 'nodes', name, 'host'),
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
        },
      };
      fs.mkdirSync(node.hostDir, { recursive: true, mode: 0o755 });
      await this.addNetns(node.netns, node.ip, [`${node.ip} ${name}`]);
      this.nodes.push(node);
    }
    // infra: kube-proxy and the kubelets' prober, in its own namespace on the bridge
    const infraScript = path.join(repoRoot, 'test/runtime/harness/infra.mjs');
    this.infra = spawn('ip', ['netns', 'exec', this.infraNetns, process.execPath, infraScript], {
      stdio: ['pipe', 'pipe', 'inherit'],
      detached: true,
    });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('infra process did not start in 10 s')), 10_000);
      const lines = readline.createInterface({ input: this.infra?.stdout as NodeJS.ReadableStream });
      lines.on('line', (line) => {
        const msg = JSON.parse(line);
        if (msg.event === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (msg.event) this.log(`infra: ${line}`);
        else this.infraReplies.get(msg.id)?.(msg);
      });
    });
    await ready;
  }

  async addNetns(netns: string, ip: string, extraHosts: string[]): Promise<void> {
    const veth = `${PREFIX}${this.id}h${this.netnsCount++}`;
    this.netnsNames.add(netns);
    await must('ip', ['netns', 'add', netns]);
    await must('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    await must('ip', ['link', 'set', veth, 'master', this.bridge, 'up']);
    await must('ip', ['-n', netns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    await must('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
    await must('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    const etc = `/etc/netns/${netns}`;
    fs.mkdirSync(etc, { recursive: true });
    fs.writeFileSync(path.join(etc, 'hosts'), hostsHeader(extraHosts));
    // no cluster DNS server: lookups not in the hosts file fail at once, and nothing leaves the bridge
    fs.writeFileSync(path.join(etc, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  }

  async infraCall(msg: Obj, timeoutMs = 10_000): Promise<Obj> {
    const id = ++this.infraSeq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.infraReplies.delete(id);
        resolve({ ok: false, detail: 'infra did not answer' });
      }, timeoutMs + 2000);
      this.infraReplies.set(id, (reply) => {
        clearTimeout(timer);
        this.infraReplies.delete(id);
        resolve(reply);
      });
      this.infra?.stdin?.write(`${JSON.stringify({ ...msg, id })}\n`);
    });
  }

  /** An HTTP request from the cluster network (e.g. to etcd's gRPC gateway), by IP or Service name. */
  async http(url: string, init: { method?: string; body?: string } = {}, timeoutMs = 5000): Promise<Obj> {
    const u = new URL(url);
    const host = this.resolve(u.hostname)[0] ?? u.hostname;
    return this.infraCall(
      {
        op: 'http',
        method: init.method ?? 'GET',
        host,
        port: Number(u.port || 80),
        path: u.pathname + u.search,
        body: init.body,
        headers: init.body ? { 'content-type': 'application/json' } : {},
        timeoutMs,
      },
      timeoutMs,
    );
  }

  /** Whether a TCP connection from the cluster network to host:port (IP or Service name) succeeds. */
  async tcp(host: string, port: number, timeoutMs = 2000): Promise<{ ok: boolean; detail: string }> {
    const ip = this.resolve(host)[0] ?? host;
    const r = await this.infraCall({ op: 'tcp', host: ip, port, timeoutMs }, timeoutMs);
    return { ok: r.ok === true, detail: String(r.detail) };
  }

  // ---------------------------------------------------------------- workloads

  private async apply(): Promise<void> {
    for (const doc of this.docs) {
      const name = doc.metadata?.name;
      if (doc.kind === 'ConfigMap') this.configMaps.set(name, { ...(doc.data ?? {}) });
      if (doc.kind === 'Secret') {
        const data: Record<string, string> = {};
        for (const [k, v] of Object.entries(doc.data ?? {}))
          data[k] = Buffer.from(String(v), 'base64').toString();
        Object.assign(data, doc.stringData ?? {});
        this.secrets.set(name, data);
      }
      if (doc.kind === 'Service') {
        const headless = doc.spec?.clusterIP === 'None';
        this.services.push({
          name,
          namespace: doc.metadata?.namespace ?? this.namespace,
          headless,
          vip: headless ? 'None' : `${SUBNET}.${this.nextVip++}`,
          selector: doc.spec?.selector ?? {},
          ports: doc.spec?.ports ?? [],
          publishNotReady: doc.spec?.publishNotReadyAddresses === true,
        });
      }
    }
    for (const svc of this.services) {
      if (!svc.headless)
        await must('ip', ['-n', this.infraNetns, 'addr', 'add', `${svc.vip}/32`, 'dev', 'eth0']);
    }
    await this.syncDns();
    for (const doc of this.docs) {
      if (doc.kind === 'StatefulSet') this.controllers.push(this.runStatefulSet(doc));
      else if (doc.kind === 'DaemonSet') this.controllers.push(this.runDaemonSet(doc));
      else if (doc.kind === 'Deployment' || doc.kind === 'Job' || doc.kind === 'ReplicaSet') {
        throw new Error(`${doc.kind} ${doc.metadata?.name}: not modelled by the runtime harness`);
      }
    }
    await Promise.all(this.controllers.map((c) => c()));
  }

  private runDaemonSet(doc: Obj): () => Promise<void> {
    return async () => {
      const template = doc.spec.template;
      const nodeSelector: Record<string, string> = template.spec?.nodeSelector ?? {};
      for (const node of this.nodes) {
        if (!Object.entries(nodeSelector).every(([k, v]) => node.labels[k] === v)) continue;
        const suffix = hashName(`${doc.metadata.name}/${node.name}`, 5);
        const podName = `${doc.metadata.name}-${suffix}`;
        const create = async () => {
          const pod = this.createPod(podName, template, node, 'DaemonSet', {});
          await pod.start();
          return pod;
        };
        this.recreators.set(podName, create);
        await create();
      }
    };
  }

  private runStatefulSet(doc: Obj): () => Promise<void> {
    return async () => {
      const name = doc.metadata.name;
      const replicas = doc.spec.replicas ?? 1;
      const ordered = (doc.spec.podManagementPolicy ?? 'OrderedReady') === 'OrderedReady';
      const claims: Obj[] = doc.spec.volumeClaimTemplates ?? [];
      const start = async (i: number) => {
        const podName = `${name}-${i}`;
        const extraVolumes: Record<string, string> = {};
        for (const c of claims) {
          const dir = path.join(this.root, 'pv', `${c.metadata.name}-${podName}`);
          extraVolumes[c.metadata.name] = dir;
        }
        const pod = this.createPod(
          podName,
          doc.spec.template,
          this.nodes[i % this.nodes.length],
          'StatefulSet',
          {
            hostname: podName,
            subdomain: doc.spec.serviceName,
            claimDirs: extraVolumes,
          },
        );
        await pod.start();
        return pod;
      };
      for (let i = 0; i < replicas; i++) this.recreators.set(`${name}-${i}`, () => start(i));
      if (!ordered) {
        await Promise.all(Array.from({ length: replicas }, (_, i) => start(i)));
        return;
      }
      // OrderedReady: the controller creates ordinal i+1 only once ordinal i is Running and Ready.
      void (async () => {
        for (let i = 0; i < replicas; i++) {
          const pod = await start(i);
          const deadline = Date.now() + 300_000;
          while (!pod.ready && !this.stopped && Date.now() < deadline) await sleep(250);
          if (this.stopped || !pod.ready) return;
        }
      })();
    };
  }

  createPod(
    name: string,
    template: Obj,
    node: Node,
    owner: string,
    extra: { hostname?: string; subdomain?: string; claimDirs?: Record<string, string> },
  ): Pod {
    if (this.pods.has(name)) throw new Error(`pod ${name} exists`);
    const ip = `${SUBNET}.${this.nextIp++}`;
    if (this.nextIp >= 100) throw new Error('pod address range exhausted');
    const pod = new Pod(this, name, template, node, owner, ip, extra);
    this.pods.set(name, pod);
    return pod;
  }

  /**
   * Deletes a controller-owned pod and lets its controller create it again, as after `kubectl delete
   * pod` or a node drain: a new pod (new uid, IP, emptyDirs, container filesystems) with the same name,
   * node and — for a StatefulSet — the same claims. Resolves once the new pod's containers are started.
   */
  async recreatePod(name: string, graceMs = MAX_GRACE_MS): Promise<Pod> {
    const old = this.pods.get(name);
    const create = this.recreators.get(name);
    if (!old || !create) throw new Error(`pod ${name} is not owned by a DaemonSet or StatefulSet here`);
    await old.delete(graceMs);
    await old.release();
    this.pods.delete(name);
    this.recreated.add(name);
    this.log(`pod ${name} deleted; its controller creates it again`);
    return create();
  }

  // ---------------------------------------------------------------- DNS and Services

  /** Endpoints of a Service: running pods selected by it, ready (or any, with publishNotReadyAddresses). */
  endpoints(svc: Service): Pod[] {
    return [...this.pods.values()].filter(
      (p) =>
        !p.deleted &&
        p.namespace === svc.namespace &&
        selects(svc.selector, p.labels) &&
        (p.ready || (svc.publishNotReady && p.netnsReady)),
    );
  }

  /** What a name resolves to in the cluster (the same table every pod's hosts file holds). */
  resolve(name: string): string[] {
    const out: string[] = [];
    for (const [ip, names] of this.dnsRecords()) if (names.includes(name)) out.push(ip);
    return out;
  }

  private dnsRecords(): [string, string[]][] {
    const records: [string, string[]][] = [];
    const forms = (base: string, ns: string) => [
      base,
      `${base}.${ns}`,
      `${base}.${ns}.svc`,
      `${base}.${ns}.svc.${this.clusterDomain}`,
    ];
    for (const svc of this.services) {
      const names = forms(svc.name, svc.namespace);
      if (!svc.headless) {
        records.push([svc.vip, names]);
        continue;
      }
      for (const pod of this.endpoints(svc)) {
        records.push([pod.ip, names]);
        if (pod.hostname && pod.subdomain === svc.name)
          records.push([pod.ip, forms(`${pod.hostname}.${svc.name}`, svc.namespace)]);
      }
    }
    return records;
  }

  /** Requests a DNS/Service resync (readiness changed); coalesced. */
  markDnsDirty(): void {
    this.dnsDirty = true;
    if (this.dnsTimer || this.stopped) return;
    this.dnsTimer = setTimeout(() => {
      this.dnsTimer = undefined;
      this.dnsSync = this.dnsSync.then(() => this.syncDns());
    }, 20);
  }

  async settled(): Promise<void> {
    while (this.dnsDirty || this.dnsTimer) {
      await sleep(30);
      await this.dnsSync;
    }
  }

  private async syncDns(): Promise<void> {
    this.dnsDirty = false;
    if (this.stopped) return;
    const records = this.dnsRecords();
    const body = records.map(([ip, names]) => `${ip}\t${names.join(' ')}`).join('\n');
    for (const pod of this.pods.values()) {
      if (!pod.netnsReady || pod.deleted) continue;
      const self = pod.subdomain
        ? `${pod.ip}\t${pod.hostname}.${pod.subdomain}.${pod.namespace}.svc.${this.clusterDomain}\t${pod.hostname}`
        : `${pod.ip}\t${pod.name}`;
      writeInPlace(`/etc/netns/${pod.netns}/hosts`, `${hostsHeader([self])}${body}\n`);
    }
    const services: Obj[] = [];
    for (const svc of this.services) {
      if (svc.headless) continue;
      for (const port of svc.ports) {
        const endpoints = this.endpoints(svc).map((p) => ({
          ip: p.ip,
          port: resolvePort(
            port.targetPort ?? port.port,
            p.containers.map((c) => c.spec),
          ),
        }));
        services.push({ ip: svc.vip, port: port.port, endpoints });
      }
    }
    await this.infraCall({ op: 'services', services });
  }

  serviceLinks(namespace: string): Record<string, string> {
    return serviceLinkEnv(
      this.services
        .filter((s) => s.namespace === namespace)
        .map((s) => ({ name: s.name, clusterIP: s.vip, ports: s.ports })),
    );
  }

  // ---------------------------------------------------------------- tests' view

  podsOf(selector: Record<string, string>): Pod[] {
    return [...this.pods.values()].filter((p) => !p.deleted && selects(selector, p.labels));
  }

  workloadPods(kind: string, name: string): Pod[] {
    const doc = this.docs.find((d) => d.kind === kind && d.metadata?.name === name);
    if (!doc) throw new Error(`no ${kind} ${name} in the rendered documents`);
    return this.podsOf(doc.spec.selector.matchLabels);
  }

  /** The one `kind` document of a release (by its app.kubernetes.io/instance label). */
  releaseDoc(kind: string, release: string): Obj {
    const doc = this.docs.find(
      (d) => d.kind === kind && d.metadata?.labels?.['app.kubernetes.io/instance'] === release,
    );
    if (!doc) throw new Error(`no ${kind} of release ${release} in the rendered documents`);
    return doc;
  }

  /** Pods of every `kind` workload of one release (by its app.kubernetes.io/instance label), or of all. */
  releasePods(kind: string, release?: string): Pod[] {
    return this.docs
      .filter(
        (d) =>
          d.kind === kind &&
          (release === undefined || d.metadata?.labels?.['app.kubernetes.io/instance'] === release),
      )
      .flatMap((d) => this.workloadPods(kind, d.metadata.name));
  }

  doc(kind: string, name?: string): Obj {
    const doc = this.docs.find((d) => d.kind === kind && (name === undefined || d.metadata?.name === name));
    if (!doc) throw new Error(`no ${kind} ${name ?? ''} in the rendered documents`);
    return doc;
  }

  async waitReady(pods: Pod[], timeoutMs: number): Promise<void> {
    await waitFor(
      () => pods.every((p) => p.ready),
      timeoutMs,
      () =>
        `pods not Ready: ${pods
          .filter((p) => !p.ready)
          .map((p) => p.describe())
          .join('; ')}\n${this.diagnostics(pods)}`,
    );
    await this.settled();
  }

  /**
   * Runs a Pod (restartPolicy Never/OnFailure) on `node` until it completes; returns its exit code and
   * logs. The pod is deleted afterwards.
   */
  async runPod(podDoc: Obj, nodeName: string, timeoutMs: number): Promise<PodRunResult> {
    const node = this.node(nodeName);
    const name = `${podDoc.metadata.name}-${randomBytes(2).toString('hex')}`;
    const pod = this.createPod(name, podDoc, node, 'Pod', {});
    await pod.start();
    let timedOut = false;
    try {
      await waitFor(
        () => pod.completed(),
        timeoutMs,
        () => `pod ${podDoc.metadata.name} did not complete`,
      );
    } catch {
      timedOut = true;
    }
    const result: PodRunResult = {
      name: podDoc.metadata.name,
      node: node.name,
      exitCode: timedOut ? null : pod.exitCode(),
      logs: pod.logs(),
      timedOut,
    };
    await pod.delete();
    return result;
  }

  /** `helm test`: every Pod with a `helm.sh/hook: test` annotation, run on `node` (all at once, see README). */
  async runHelmTests(
    options: { node?: string; timeoutMs?: number; only?: string[] } = {},
  ): Promise<PodRunResult[]> {
    const tests = this.docs.filter(
      (d) =>
        d.kind === 'Pod' &&
        String(d.metadata?.annotations?.['helm.sh/hook'] ?? '')
          .split(',')
          .includes('test') &&
        (!options.only || options.only.includes(d.metadata.name)),
    );
    if (tests.length === 0) throw new Error('the chart renders no helm test pods');
    return Promise.all(
      tests.map((t) => this.runPod(t, options.node ?? this.nodes[0].name, options.timeoutMs ?? 120_000)),
    );
  }

  node(name: string): Node {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  diagnostics(pods: Pod[] = [...this.pods.values()], lines = 30): string {
    return pods.map((p) => p.diagnostics(lines)).join('\n');
  }

  // ---------------------------------------------------------------- teardown

  async teardown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.dnsTimer) clearTimeout(this.dnsTimer);
    await Promise.all([...this.pods.values()].map((p) => p.delete(2000)));
    killGroup(this.infra?.pid, 'SIGKILL');
    this.teardownSync();
  }

  /** Synchronous, best effort: kills everything in the run's namespaces and removes them. */
  teardownSync(): void {
    this.stopped = true;
    for (const pod of this.pods.values()) for (const c of pod.containers) killGroup(c.proc?.pid, 'SIGKILL');
    killGroup(this.infra?.pid, 'SIGKILL');
    removeRun(this.id, process.env.VRT_KEEP ? [] : [this.root]);
    liveClusters.delete(this);
  }
}

function hostsHeader(extra: string[]): string {
  return `# managed by the vineyard-charts runtime harness\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${extra.map((l) => `${l}\n`).join('')}`;
}

/** In place (same inode): `ip netns exec` bind-mounts this file over /etc/hosts. */
function writeInPlace(file: string, content: string): void {
  try {
    if (fs.readFileSync(file, 'utf8') === content) return;
  } catch {
    // not there yet
  }
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT);
  try {
    const buf = Buffer.from(content);
    fs.writeSync(fd, buf, 0, buf.length, 0);
    fs.ftruncateSync(fd, buf.length);
  } finally {
    fs.closeSync(fd);
  }
}

function hashName(s: string, n: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const h = createHash('sha256').update(s).digest();
  return Array.from(h.subarray(0, n), (b) => alphabet[b % alphabet.length]).join('');
}

export type { Container, Node, Pod };
export { cleanupStale, liveClusters };
