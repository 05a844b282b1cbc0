/**
 * Workload best practices (the kube-linter / Polaris family). Each rule has a stable id; an object opts
 * out of one rule with the annotation `vineyard-charts.lint/exempt-<rule-id>: "<reason>"` on its own
 * metadata or on its pod template. The reason is mandatory: an empty one is itself an error.
 */
import { EXEMPT_PREFIX, type Finding, finding, RULES, type RuleId } from './model.ts';
import type { RenderedDoc } from './templates.ts';

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const asList = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(asObj) : []);

const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);
const RISKY_CAPABILITIES = new Set([
  'ALL',
  'SYS_ADMIN',
  'NET_ADMIN',
  'SYS_PTRACE',
  'SYS_MODULE',
  'NET_RAW',
  'BPF',
]);

interface PodSpecAt {
  spec: Obj;
  path: string;
  templateAnnotations: Obj;
}

function podSpecOf(kind: string, obj: Obj): PodSpecAt | undefined {
  const spec = asObj(obj.spec);
  if (kind === 'Pod') return { spec, path: 'spec', templateAnnotations: {} };
  if (LONG_RUNNING.has(kind) || kind === 'Job') {
    const tpl = asObj(spec.template);
    return {
      spec: asObj(tpl.spec),
      path: 'spec.template.spec',
      templateAnnotations: asObj(asObj(tpl.metadata).annotations),
    };
  }
  if (kind === 'CronJob') {
    const tpl = asObj(asObj(asObj(spec.jobTemplate).spec).template);
    return {
      spec: asObj(tpl.spec),
      path: 'spec.jobTemplate.spec.template.spec',
      templateAnnotations: asObj(asObj(tpl.metadata).annotations),
    };
  }
  return undefined;
}

/** `repo/name:tag`, `repo:5000/name`, `name@sha256:...` -> the tag, '' for digests, undefined if none. */
export function imageTag(image: string): string | undefined {
  if (image.includes('@')) return '';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon < 0 ? undefined : image.slice(colon + 1);
}

function checkContainer(
  c: Obj,
  at: string,
  pod: Obj,
  longRunning: boolean,
  isInit: boolean,
  out: [RuleId, string, string][],
) {
  const name = typeof c.name === 'string' ? c.name : '?';
  const res = asObj(c.resources);
  const requests = asObj(res.requests);
  const limits = asObj(res.limits);
  const missingReq = ['cpu', 'memory'].filter((k) => requests[k] === undefined);
  if (missingReq.length > 0)
    out.push([
      'practice-resources-requests',
      `${at}.resources.requests`,
      `container "${name}" sets no ${missingReq.join(' or ')} request`,
    ]);
  if (limits.memory === undefined)
    out.push([
      'practice-resources-limits',
      `${at}.resources.limits`,
      `container "${name}" sets no memory limit`,
    ]);
  if (longRunning && !isInit) {
    if (!c.livenessProbe)
      out.push([
        'practice-liveness-probe',
        `${at}.livenessProbe`,
        `container "${name}" has no liveness probe`,
      ]);
    if (!c.readinessProbe)
      out.push([
        'practice-readiness-probe',
        `${at}.readinessProbe`,
        `container "${name}" has no readiness probe`,
      ]);
  }
  const sc = asObj(c.securityContext);
  const podSc = asObj(pod.securityContext);
  const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
  const user = sc.runAsUser ?? podSc.runAsUser;
  if (user === 0 || (nonRoot !== true && !(typeof user === 'number' && user > 0))) {
    out.push([
      'practice-run-as-non-root',
      `${at}.securityContext.runAsNonRoot`,
      `container "${name}" may run as root (set runAsNonRoot: true or a non-zero runAsUser)`,
    ]);
  }
  if (sc.readOnlyRootFilesystem !== true)
    out.push([
      'practice-read-only-root-fs',
      `${at}.securityContext.readOnlyRootFilesystem`,
      `container "${name}" has a writable root filesystem`,
    ]);
  if (sc.privileged === true)
    out.push([
      'practice-privileged',
      `${at}.securityContext.privileged`,
      `container "${name}" is privileged`,
    ]);
  if (sc.allowPrivilegeEscalation !== false)
    out.push([
      'practice-privilege-escalation',
      `${at}.securityContext.allowPrivilegeEscalation`,
      `container "${name}" does not set allowPrivilegeEscalation: false`,
    ]);
  const caps = asObj(sc.capabilities);
  const drop = Array.isArray(caps.drop) ? caps.drop.map(String) : [];
  const add = Array.isArray(caps.add) ? caps.add.map(String) : [];
  if (!drop.includes('ALL'))
    out.push([
      'practice-capabilities',
      `${at}.securityContext.capabilities.drop`,
      `container "${name}" does not drop ALL capabilities`,
    ]);
  const risky = add.filter((cap) => RISKY_CAPABILITIES.has(cap.replace(/^CAP_/, '')));
  if (risky.length > 0)
    out.push([
      'practice-capabilities',
      `${at}.securityContext.capabilities.add`,
      `container "${name}" adds risky capabilities: ${risky.join(', ')}`,
    ]);
  const image = typeof c.image === 'string' ? c.image : '';
  const tag = imageTag(image);
  if (tag === undefined)
    out.push([
      'practice-image-tag',
      `${at}.image`,
      `container "${name}" image "${image}" has no tag (pulls latest)`,
    ]);
  else if (tag === 'latest')
    out.push([
      'practice-image-tag',
      `${at}.image`,
      `container "${name}" image "${image}" uses the mutable "latest" tag`,
    ]);
}

function exemptions(doc: RenderedDoc, annotations: Obj[]): { exempt: Set<string>; findings: Finding[] } {
  const exempt = new Set<string>();
  const findings: Finding[] = [];
  for (const ann of annotations) {
    for (const [key, value] of Object.entries(ann)) {
      if (!key.startsWith(EXEMPT_PREFIX)) continue;
      const rule = key.slice(EXEMPT_PREFIX.length);
      const at = `metadata.annotations.${key}`;
      const info = (RULES as Record<string, { family: string } | undefined>)[rule];
      if (info?.family !== 'practice' || rule === 'practice-exemption') {
        findings.push(
          finding(
            'practice-exemption',
            doc.file,
            at,
            `exemption names "${rule}", which is not a best-practice rule id`,
          ),
        );
      } else if (typeof value !== 'string' || value.trim() === '') {
        findings.push(
          finding(
            'practice-exemption',
            doc.file,
            at,
            `exemption from ${rule} must give a reason (the annotation value is empty)`,
          ),
        );
      } else {
        exempt.add(rule);
      }
    }
  }
  return { exempt, findings };
}

export function lintPractices(doc: RenderedDoc): Finding[] {
  const kind = typeof doc.obj.kind === 'string' ? doc.obj.kind : '';
  const pod = podSpecOf(kind, doc.obj);
  const own = asObj(asObj(doc.obj.metadata).annotations);
  const { exempt, findings } = exemptions(doc, pod ? [own, pod.templateAnnotations] : [own]);
  if (!pod) return findings;
  const raw: [RuleId, string, string][] = [];
  const longRunning = LONG_RUNNING.has(kind);
  for (const [i, c] of asList(pod.spec.containers).entries()) {
    checkContainer(c, `${pod.path}.containers[${i}]`, pod.spec, longRunning, false, raw);
  }
  for (const [i, c] of asList(pod.spec.initContainers).entries()) {
    checkContainer(c, `${pod.path}.initContainers[${i}]`, pod.spec, longRunning, true, raw);
  }
  asList(pod.spec.volumes).forEach((v, i) => {
    if (v.hostPath)
      raw.push([
        'practice-host-path',
        `${pod.path}.volumes[${i}].hostPath`,
        `volume "${v.name}" mounts a hostPath (${JSON.stringify(asObj(v.hostPath).path)})`,
      ]);
  });
  for (const ns of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (pod.spec[ns] === true)
      raw.push([
        'practice-host-namespaces',
        `${pod.path}.${ns}`,
        `pod shares the host's ${ns.slice(4)} namespace`,
      ]);
  }
  const name = asObj(doc.obj.metadata).name;
  for (const [rule, at, message] of raw) {
    if (!exempt.has(rule))
      findings.push(finding(rule, doc.file, at, `${kind} ${JSON.stringify(name)}: ${message}`));
  }
  return findings;
}
