// A node-level stand-in for a Kubernetes cluster (test support, not a product feature): it runs the
// documents `vineyard-charts manifests` renders the way kubelets would, as real processes in network and
// mount namespaces. Design and limits: test/runtime/README.md.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { loadAll } from 'js-yaml';
import {
  type ConfigSources,
  ContainerConfigError,
  containerArgv,
  containerEnv,
  expandSubPathExpr,
  type Obj,
  type PodFacts,
  resolvePort,
  selects,
  serviceLinkEnv,
} from './kubelet.ts';
import { type Image, imageFor, type Runtime, repoRoot } from './runtime.ts';
import { alive, killGroup, must, q, run, sleep, waitFor } from './sh.ts';

const PREFIX = 'vrt';
const SUBNET = '10.231.0';
const INFRA_IP = `${SUBNET}.2`;
/** kubelet's back-off is 10s doubling to 5 min; tests cap it at 1s doubling to 8s. */
const BACKOFF_MS = [1000, 2000, 4000, 8000];
/** terminationGracePeriodSeconds is capped at this for tests. */
const MAX_GRACE_MS = 5000;
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
  const args = ['bin/vineyard-charts.mjs', 'manifests'];
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

  /**
   * waitReady, and if some pods are still not Ready, recreate those one at a time and wait once more: the
   * chart README's remedy for vineyardd 0.24.2's concurrent-registration defect (an orphaned meta_sync_lock
   * leaves an instance unregistered, with no socket, for good; see etcd-cluster.test.ts).
   */
  async waitReadyOrRecreate(pods: () => Pod[], timeoutMs: number): Promise<void> {
    try {
      await this.waitReady(pods(), timeoutMs);
      return;
    } catch {
      for (const p of pods().filter((pod) => !pod.ready)) await this.recreatePod(p.name);
    }
    await this.waitReady(pods(), timeoutMs);
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

// ---------------------------------------------------------------- pods

class Pod {
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

class Container {
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

function hashName(s: string, n: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const h = createHash('sha256').update(s).digest();
  return Array.from(h.subarray(0, n), (b) => alphabet[b % alphabet.length]).join('');
}

/** Removes a run's namespaces (killing what runs in them), links, hosts dirs and data. */
function removeRun(id: string, dirs: string[]): void {
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

export type { Container, Node, Pod };
export { liveClusters };
