/**
 * The vineyard chart's quality bar, checked on real `helm template` output (helm v3 and v4) for every
 * fixture: references resolve, names never collide, images are pinned, workloads are locked down.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART_DIR, FIXTURES, helmTemplate, type K8sObject, keyOf } from '../support/chart.ts';
import { HELM_MAJORS, withTempDir } from '../support/run.ts';

type Container = {
  name: string;
  image: string;
  command?: unknown[];
  args?: unknown[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  readinessProbe?: unknown;
  livenessProbe?: unknown;
};
type PodSpec = {
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; [k: string]: unknown }[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: Record<string, unknown> & { seccompProfile?: { type: string } };
};

function podOf(obj: K8sObject): { labels: Record<string, string>; spec: PodSpec } | null {
  if (obj.kind === 'Pod') return { labels: obj.metadata.labels ?? {}, spec: obj.spec as unknown as PodSpec };
  const template = (
    obj.spec as { template?: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } }
  )?.template;
  return template ? { labels: template.metadata?.labels ?? {}, spec: template.spec } : null;
}

const rendered = new Map<string, K8sObject[]>();
const key = (major: string, fixture: string) => `${major}:${fixture}`;

beforeAll(async () => {
  await withTempDir(async (home) => {
    for (const major of HELM_MAJORS) {
      for (const f of FIXTURES) {
        rendered.set(
          key(major, f.name),
          await helmTemplate(major, home, {
            release: 'vineyard',
            namespace: 'vineyard',
            valuesFiles: [f.file],
          }),
        );
      }
    }
  });
});

describe.each(HELM_MAJORS)('helm %s', (major) => {
  describe.each(FIXTURES)('fixture $name', ({ name }) => {
    const docs = () => rendered.get(key(major, name)) ?? [];
    const pods = () =>
      docs().flatMap((d) => {
        const pod = podOf(d);
        return pod ? [{ owner: keyOf(d), ...pod }] : [];
      });

    it('renders a vineyardd DaemonSet and the RPC Service', () => {
      expect(docs().filter((d) => d.kind === 'DaemonSet')).toHaveLength(1);
      expect(docs().some((d) => d.kind === 'Service' && d.metadata.name.endsWith('-rpc'))).toBe(true);
    });

    it('Service selectors select pods, and every targetPort names a container port of them', () => {
      for (const svc of docs().filter((d) => d.kind === 'Service')) {
        const spec = svc.spec as { selector: Record<string, string>; ports: { targetPort: unknown }[] };
        const selected = pods().filter((p) =>
          Object.entries(spec.selector).every(([k, v]) => p.labels[k] === v),
        );
        expect(selected.length, `${keyOf(svc)} selects no pod`).toBeGreaterThan(0);
        for (const port of spec.ports) {
          for (const pod of selected.filter((p) => !p.owner.startsWith('Pod/'))) {
            const names = pod.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name));
            expect(names, `${keyOf(svc)} targetPort ${port.targetPort} in ${pod.owner}`).toContain(
              port.targetPort,
            );
          }
        }
      }
    });

    it('every volumeMount names a volume; command and args are string tokens', () => {
      for (const pod of pods()) {
        const volumes = new Set((pod.spec.volumes ?? []).map((v) => v.name));
        const claimTemplates = docs().find((d) => keyOf(d) === pod.owner)?.spec as
          | { volumeClaimTemplates?: { metadata: { name: string } }[] }
          | undefined;
        for (const t of claimTemplates?.volumeClaimTemplates ?? []) volumes.add(t.metadata.name);
        for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
          for (const m of c.volumeMounts ?? [])
            expect(volumes, `${pod.owner} ${c.name} mounts ${m.name}`).toContain(m.name);
          for (const token of [...(c.command ?? []), ...(c.args ?? [])]) {
            expect(typeof token, `${pod.owner} ${c.name} argv token ${JSON.stringify(token)}`).toBe('string');
            expect(String(token)).not.toMatch(/\n/);
          }
        }
      }
    });

    it('the socket vineyardd uses lies on the shared socket volume', () => {
      const ds = pods().find((p) => p.owner.startsWith('DaemonSet/'));
      const vineyardd = ds?.spec.containers.find((c) => c.name === 'vineyardd');
      const socketArg = (vineyardd?.args ?? []).map(String).find((a) => a.startsWith('--socket='));
      expect(socketArg).toBeDefined();
      const socketPath = String(socketArg).slice('--socket='.length);
      const mount = vineyardd?.volumeMounts?.find((m) => socketPath.startsWith(`${m.mountPath}/`));
      expect(mount?.name).toBe('vineyard-socket');
      expect(ds?.spec.volumes?.some((v) => v.name === 'vineyard-socket')).toBe(true);
    });

    it('images are pinned; requests set; nothing privileged; capabilities dropped; seccomp RuntimeDefault', () => {
      for (const pod of pods()) {
        expect(pod.spec.hostNetwork ?? false).toBe(false);
        expect(pod.spec.hostPID ?? false).toBe(false);
        expect(pod.spec.hostIPC ?? false).toBe(false);
        const extra = pod.owner.startsWith('DaemonSet/') ? new Set(['worker', 'sidecar']) : new Set<string>();
        for (const c of pod.spec.containers.filter((c) => !extra.has(c.name))) {
          expect(c.image, `${pod.owner} ${c.name}`).toMatch(
            /^[^:@\s]+(?::\d+)?(?:\/[^:@\s]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]*$/,
          );
          expect(c.image.endsWith(':latest')).toBe(false);
          expect(
            Object.keys(c.resources?.requests ?? {}).length,
            `${pod.owner} ${c.name} requests`,
          ).toBeGreaterThan(0);
          expect(c.securityContext?.privileged ?? false).toBe(false);
          expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
          expect(c.securityContext?.capabilities?.drop).toContain('ALL');
          const seccomp =
            (c.securityContext?.seccompProfile as { type?: string } | undefined)?.type ??
            pod.spec.securityContext?.seccompProfile?.type;
          expect(seccomp, `${pod.owner} ${c.name} seccomp`).toBe('RuntimeDefault');
          if (!pod.owner.startsWith('Pod/')) {
            expect(c.readinessProbe, `${pod.owner} ${c.name} readiness`).toBeDefined();
            expect(c.livenessProbe, `${pod.owner} ${c.name} liveness`).toBeDefined();
          }
        }
      }
    });

    it('selector labels carry nothing that changes between chart versions', () => {
      for (const d of docs()) {
        const selector = (d.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)
          ?.selector;
        const labels =
          selector?.matchLabels ??
          (d.kind === 'Service' ? (d.spec as { selector: Record<string, string> }).selector : {});
        for (const k of Object.keys(labels ?? {})) {
          expect([
            'app.kubernetes.io/name',
            'app.kubernetes.io/instance',
            'app.kubernetes.io/component',
          ]).toContain(k);
        }
      }
    });

    it('no tools baked into images for start-up order (no wait-for-it, no shell scripts)', () => {
      for (const pod of pods().filter((p) => !p.owner.startsWith('Pod/'))) {
        for (const c of pod.spec.containers.filter((c) => c.name === 'vineyardd' || c.name === 'etcd')) {
          const argv = [...(c.command ?? []), ...(c.args ?? [])].map(String).join(' ');
          expect(argv).not.toMatch(/wait-for-it|\/bin\/(ba)?sh|sleep /);
        }
      }
    });
  });

  it('two releases in one namespace never collide on object names', () => {
    return withTempDir(async (home) => {
      // Fixtures that pin names on purpose (fullnameOverride, a fixed ServiceAccount name) are left out.
      for (const f of FIXTURES.filter(
        (x) => !['names-and-image', 'service-account-named'].includes(x.name),
      )) {
        const a = await helmTemplate(major, home, {
          release: 'vineyard',
          namespace: 'shared',
          valuesFiles: [f.file],
        });
        const b = await helmTemplate(major, home, {
          release: 'vineyard-b',
          namespace: 'shared',
          valuesFiles: [f.file],
        });
        const names = new Set(a.map(keyOf));
        for (const k of b.map(keyOf)) expect(names.has(k), `${f.name}: ${k}`).toBe(false);
      }
    });
  });
});

it('default release yields Services etcd-for-vineyard and vineyard-rpc on 2379 and 9600', async () => {
  await withTempDir(async (home) => {
    const docs = await helmTemplate('v4', home, { release: 'vineyard', namespace: 'vineyard' });
    const svc = (n: string) =>
      docs.find((d) => d.kind === 'Service' && d.metadata.name === n)?.spec as { ports: { port: number }[] };
    expect(svc('etcd-for-vineyard').ports.map((p) => p.port)).toEqual([2379]);
    expect(svc('vineyard-rpc').ports.map((p) => p.port)).toEqual([9600]);
    const ds = docs.find((d) => d.kind === 'DaemonSet');
    expect(JSON.stringify(ds)).toContain('--etcd_endpoint=http://etcd-for-vineyard.vineyard.svc:2379');
    const hostPath = (podOf(ds as K8sObject)?.spec.volumes ?? []).find(
      (v) => v.name === 'vineyard-socket',
    )?.hostPath;
    expect(hostPath).toEqual({ path: '/var/run/vineyard-vineyard-vineyard', type: 'DirectoryOrCreate' });
    expect(CHART_DIR).toBeTruthy();
  });
});
