// Pure kubelet semantics the harness needs, written after kubelet's own code (third_party/forked/golang/
// expansion, pkg/kubelet/container/helpers.go, pkg/kubelet/kubelet_pods.go): $(VAR) expansion, env
// resolution with the downward API and config references, command/args against the image's, subPathExpr.

// biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes documents are untyped YAML
export type Obj = Record<string, any>;

/** kubelet's expansion.Expand: `$(VAR)` → mapping(VAR) if known, `$$` → `$`, anything else verbatim. */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i); // unterminated: verbatim
        break;
      }
      const name = input.slice(i + 2, close);
      const value = name === '' ? undefined : lookup(name);
      out += value === undefined ? `$(${name})` : value;
      i = close;
    } else {
      out += ch;
    }
  }
  return out;
}

/** Names of the `$(VAR)` references in a string (after `$$` escapes). */
export function references(input: string): string[] {
  const names: string[] = [];
  expand(input, (name) => {
    names.push(name);
    return '';
  });
  return names;
}

export interface PodFacts {
  name: string;
  namespace: string;
  uid: string;
  nodeName: string;
  podIP: string;
  hostIP: string;
  serviceAccountName: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export class ContainerConfigError extends Error {
  override name = 'CreateContainerConfigError';
}

function fieldRef(path: string, pod: PodFacts): string {
  const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
  if (label) return pod.labels[label[1]] ?? '';
  const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(path);
  if (annotation) return pod.annotations[annotation[1]] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.name;
    case 'metadata.namespace':
      return pod.namespace;
    case 'metadata.uid':
      return pod.uid;
    case 'spec.nodeName':
      return pod.nodeName;
    case 'spec.serviceAccountName':
      return pod.serviceAccountName;
    case 'status.podIP':
    case 'status.podIPs':
      return pod.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return pod.hostIP;
    default:
      throw new ContainerConfigError(`unsupported fieldRef ${path}`);
  }
}

export interface ConfigSources {
  configMaps: Map<string, Record<string, string>>;
  /** decoded values */
  secrets: Map<string, Record<string, string>>;
}

/**
 * The container's environment as kubelet builds it (makeEnvironmentVariables): service links first, then
 * envFrom in order, then env in order; each `env[].value` expanded against what is defined before it.
 */
export function containerEnv(
  container: Obj,
  pod: PodFacts,
  sources: ConfigSources,
  serviceLinks: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = { ...serviceLinks };
  for (const from of container.envFrom ?? []) {
    const prefix: string = from.prefix ?? '';
    const ref = from.configMapRef ?? from.secretRef;
    const store = from.configMapRef ? sources.configMaps : sources.secrets;
    const data = store.get(ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${from.configMapRef ? 'configmap' : 'secret'} "${ref.name}" not found`);
    }
    for (const [key, value] of Object.entries(data)) env[prefix + key] = value;
  }
  for (const item of container.env ?? []) {
    if (item.valueFrom === undefined) {
      env[item.name] = expand(String(item.value ?? ''), (name) => env[name]);
      continue;
    }
    const from = item.valueFrom;
    if (from.fieldRef) env[item.name] = fieldRef(from.fieldRef.fieldPath, pod);
    else if (from.configMapKeyRef || from.secretKeyRef) {
      const ref = from.configMapKeyRef ?? from.secretKeyRef;
      const kind = from.configMapKeyRef ? 'configmap' : 'secret';
      const data = (from.configMapKeyRef ? sources.configMaps : sources.secrets).get(ref.name);
      const value = data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(
          data ? `couldn't find key ${ref.key} in ${kind} ${ref.name}` : `${kind} "${ref.name}" not found`,
        );
      }
      env[item.name] = value;
    } else if (from.resourceFieldRef) {
      throw new ContainerConfigError(`resourceFieldRef (${item.name}) is not modelled by the harness`);
    }
  }
  return env;
}

/** Kubernetes' command/args against the image's ENTRYPOINT/CMD, each `$(VAR)` expanded with the env. */
export function containerArgv(
  container: Obj,
  image: { entrypoint: string[]; cmd: string[] },
  env: Record<string, string>,
): string[] {
  const lookup = (name: string) => env[name];
  const command: string[] | undefined = container.command?.map((s: string) => expand(String(s), lookup));
  const args: string[] | undefined = container.args?.map((s: string) => expand(String(s), lookup));
  if (command && command.length > 0) return [...command, ...(args ?? [])];
  return [...image.entrypoint, ...(args ?? image.cmd)];
}

/** kubelet's ExpandContainerVolumeMounts: every reference must be defined and non-empty. */
export function expandSubPathExpr(expr: string, env: Record<string, string>): string {
  const missing = new Set<string>();
  const out = expand(expr, (name) => {
    const value = env[name];
    if (value === undefined || value === '') missing.add(name);
    return value ?? '';
  });
  if (missing.size > 0) {
    throw new ContainerConfigError(
      `failed to prepare subPath for volumeMount: missing value for ${[...missing].sort().join(', ')}`,
    );
  }
  return out;
}

/** Docker-link style service variables (enableServiceLinks) for the Services of the pod's namespace. */
export function serviceLinkEnv(
  services: { name: string; clusterIP: string; ports: Obj[] }[],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const svc of services) {
    if (!svc.clusterIP || svc.clusterIP === 'None' || svc.ports.length === 0) continue;
    const name = svc.name.toUpperCase().replace(/-/g, '_');
    const first = svc.ports[0];
    env[`${name}_SERVICE_HOST`] = svc.clusterIP;
    env[`${name}_SERVICE_PORT`] = String(first.port);
    for (const p of svc.ports) {
      if (p.name)
        env[`${name}_SERVICE_PORT_${String(p.name).toUpperCase().replace(/-/g, '_')}`] = String(p.port);
    }
    const proto = String(first.protocol ?? 'TCP').toLowerCase();
    env[`${name}_PORT`] = `${proto}://${svc.clusterIP}:${first.port}`;
    for (const p of svc.ports) {
      const pp = String(p.protocol ?? 'TCP');
      const key = `${name}_PORT_${p.port}_${pp.toUpperCase()}`;
      env[key] = `${pp.toLowerCase()}://${svc.clusterIP}:${p.port}`;
      env[`${key}_PROTO`] = pp.toLowerCase();
      env[`${key}_PORT`] = String(p.port);
      env[`${key}_ADDR`] = svc.clusterIP;
    }
  }
  return env;
}

/** Does a selector (matchLabels map) select these labels? An empty selector selects nothing for Services. */
export function selects(
  selector: Record<string, string> | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** A probe's or Service's port (number or the container's named port). */
export function resolvePort(port: number | string, containers: Obj[]): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === port) return Number(p.containerPort);
  }
  throw new Error(`no container port named ${port}`);
}
