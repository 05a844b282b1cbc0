/**
 * `migrate-values`: a values file of the upstream chart (v6d-io/v6d `charts/vineyard` 0.8.x) -> the values
 * of this chart that configure the same things, and notes on what has no equivalent and why. The rows of
 * MIGRATION_TABLE (table.ts) are implemented here, each in `migrateValues`. Pure: the caller reads the file
 * and the chart (its defaults and schema); the result passes that schema, key by key.
 */
import { InputError } from '../../errors.ts';
import { isPlainObject } from '../../helm/values/coalesce.ts';
import { finalValues, validateValues } from '../../helm/values/load.ts';

type Tree = Record<string, unknown>;

export interface MigrationNote {
  /** The upstream key the note is about. */
  path: string;
  message: string;
}

export interface MigrationResult {
  values: Tree;
  notes: MigrationNote[];
}

export interface TargetChart {
  /** The chart's values.yaml, as helm reads it. */
  defaults: Tree;
  schema: object;
  schemaFile: string;
}

/** Upstream 0.8.x defaults that mean something else here (or nothing), by key. */
const UPSTREAM = {
  imageRepository: 'docker.pkg.github.com/v6d-io/v6d/vineyardd',
  imageTag: 'alpine-latest',
  metricRepository: 'vineyardcloudnative/vineyardd-grok-exporter',
  metricPullPolicy: 'Never',
  metricTag: 'latest',
  claimName: 'vineyard-domain-socket',
  claimSize: '1Mi',
  storageClass: 'standard',
  accessModes: ['ReadWriteOnce'],
} as const;

/** The keys of the upstream values.yaml: groups with their keys, and top-level values (null). */
const UPSTREAM_KEYS: Record<string, readonly string[] | null> = {
  image: ['repository', 'pullPolicy', 'tagPrefix', 'tag'],
  metricImage: ['repository', 'pullPolicy', 'tagPrefix', 'tag'],
  imagePullSecrets: null,
  nameOverride: null,
  fullnameOverride: null,
  podAnnotations: null,
  service: ['type', 'port'],
  resources: null,
  nodeSelector: null,
  affinity: null,
  vineyard: [
    'sharedMemorySize',
    'volumeType',
    'size',
    'syncCRDs',
    'persistVolumeClaimName',
    'accessModes',
    'storageClass',
    'hostPath',
    'metrics',
  ],
  serviceAccountName: null,
  tolerations: null,
  env: null,
  global: null,
};

const MI = 1024 ** 2;
const BINARY = ['', 'K', 'M', 'G', 'T', 'P', 'E'];

/**
 * A size the way vineyardd's parse_memory_size reads it (every suffix binary, the first letter counting),
 * as a Kubernetes-and-vineyardd quantity that means the same bytes; undefined when it is not a size.
 */
export function vineyardSizeToQuantity(size: string): { quantity: string; bytes: number } | undefined {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)([kKmMgGtTpPeE])?(?:i?[bB]?)?\s*$/.exec(size);
  if (!m) return undefined;
  const number = Number(m[1]);
  if (!m[2]) return number > 0 ? { quantity: m[1], bytes: number } : undefined;
  const unit = m[2].toUpperCase();
  const bytes = number * 1024 ** BINARY.indexOf(unit);
  return bytes > 0 ? { quantity: `${m[1]}${unit}i`, bytes } : undefined;
}

/** Bytes of a Kubernetes quantity (memory), or undefined when it is not one. */
export function quantityBytes(q: unknown): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|[eE][0-9]+)?$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const s = m[2] ?? '';
  if (/^[eE]/.test(s)) return n * 10 ** Number(s.slice(1));
  if (s.endsWith('i')) return n * 1024 ** BINARY.indexOf(s[0]);
  return n * 1000 ** ['', 'k', 'M', 'G', 'T', 'P', 'E'].indexOf(s);
}

const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const isEmpty = (v: unknown) =>
  v === null ||
  v === undefined ||
  v === '' ||
  (Array.isArray(v) && v.length === 0) ||
  (isPlainObject(v) && Object.keys(v).length === 0);
const truthy = (v: unknown) => v === true || (typeof v === 'string' && /^(true|yes|on|1)$/i.test(v));

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = tree;
  for (const k of keys.slice(0, -1)) {
    if (!isPlainObject(cur[k])) cur[k] = {};
    cur = cur[k] as Tree;
  }
  cur[keys[keys.length - 1]] = value;
}

function deletePath(tree: Tree, path: string): void {
  const keys = path.split('.');
  const parents: Tree[] = [tree];
  for (const k of keys.slice(0, -1)) {
    const next = parents[parents.length - 1][k];
    if (!isPlainObject(next)) return;
    parents.push(next);
  }
  delete parents[parents.length - 1][keys[keys.length - 1]];
  for (let i = parents.length - 1; i > 0; i--)
    if (Object.keys(parents[i]).length === 0) delete parents[i - 1][keys[i - 1]];
}

const getPath = (tree: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((cur, k) => (isPlainObject(cur) ? cur[k] : undefined), tree);

/** Converts `input` (an upstream values file, already read as helm reads it) for `chart`. */
export function migrateValues(input: Tree, chart: TargetChart): MigrationResult {
  const out: Tree = {};
  const notes: MigrationNote[] = [];
  /** Upstream key -> the paths written for it, so a value the schema refuses is dropped with a note. */
  const written: [string, string][] = [];
  const note = (path: string, message: string) => notes.push({ path, message });
  const put = (from: string, to: string, value: unknown) => {
    setPath(out, to, value);
    written.push([from, to]);
  };
  const has = (path: string) => getPath(input, path) !== undefined;

  // Keys the upstream chart does not have, and groups that are not mappings.
  for (const [key, v] of Object.entries(input)) {
    if (!(key in UPSTREAM_KEYS)) {
      note(key, 'not a key of the upstream chart 0.8.x (it ignored it): left out');
      continue;
    }
    const sub = UPSTREAM_KEYS[key];
    if (!sub || v === null) continue;
    if (!isPlainObject(v)) {
      note(key, `expected a mapping (with ${sub.join(', ')}), got ${JSON.stringify(v)}: left out`);
      continue;
    }
    for (const k of Object.keys(v))
      if (!sub.includes(k))
        note(`${key}.${k}`, 'not a key of the upstream chart 0.8.x (it ignored it): left out');
  }
  const group = (key: string) => (isPlainObject(input[key]) ? (input[key] as Tree) : {});
  const image = group('image');
  const metricImage = group('metricImage');
  const service = group('service');
  const vineyard = group('vineyard');

  if ('global' in input && isPlainObject(input.global) && !isEmpty(input.global))
    put('global', 'global', input.global);

  // image.*
  if (!isEmpty(image.repository)) {
    if (image.repository === UPSTREAM.imageRepository)
      note(
        'image.repository',
        `${UPSTREAM.imageRepository} (the upstream default, on GitHub's retired docker.pkg.github.com registry): this chart's default ${text(getPath(chart.defaults, 'image.repository'))} applies`,
      );
    else put('image.repository', 'image.repository', text(image.repository));
  }
  if (!isEmpty(image.pullPolicy)) put('image.pullPolicy', 'image.pullPolicy', text(image.pullPolicy));
  const prefix = text(image.tagPrefix);
  const tag = text(image.tag);
  if (tag === UPSTREAM.imageTag && !prefix) {
    note(
      'image.tag',
      `${UPSTREAM.imageTag} (the upstream default, a floating tag): this chart pins alpine-<appVersion>, the vineyardd its flags are written for; set image.tag to float again`,
    );
  } else if (tag) {
    put('image.tag', 'image.tag', prefix ? `${prefix}-${tag}` : tag);
  } else if (prefix || 'tag' in image) {
    note(
      prefix ? 'image.tagPrefix' : 'image.tag',
      `with no tag the upstream chart ran ${prefix ? `${prefix}-` : ''}v<its appVersion> (vineyardd 0.8.x), which this chart cannot run: its default alpine-<appVersion> applies`,
    );
  }

  // metricImage.* and vineyard.metrics
  const metrics = truthy(vineyard.metrics);
  if (metrics) put('vineyard.metrics', 'metrics.enabled', true);
  if (!isEmpty(metricImage.repository)) {
    if (metricImage.repository === UPSTREAM.metricRepository) {
      if (metrics)
        note(
          'metricImage.repository',
          `${UPSTREAM.metricRepository} (the upstream default, never published under that name): this chart's default ${text(getPath(chart.defaults, 'metrics.image.repository'))} applies`,
        );
    } else put('metricImage.repository', 'metrics.image.repository', text(metricImage.repository));
  }
  if (!isEmpty(metricImage.pullPolicy)) {
    if (metricImage.pullPolicy === UPSTREAM.metricPullPolicy) {
      if (metrics)
        note(
          'metricImage.pullPolicy',
          'Never (the upstream default: the image had to be on every node already): this chart pulls it (IfNotPresent); set metrics.image.pullPolicy: Never to keep it',
        );
    } else put('metricImage.pullPolicy', 'metrics.image.pullPolicy', text(metricImage.pullPolicy));
  }
  if (!isEmpty(metricImage.tagPrefix))
    note(
      'metricImage.tagPrefix',
      'no equivalent: the upstream chart ignored it (the exporter always ran :latest)',
    );
  const metricTag = text(metricImage.tag);
  if (metricTag && metricTag !== UPSTREAM.metricTag) {
    put('metricImage.tag', 'metrics.image.tag', metricTag);
    if (metrics)
      note(
        'metricImage.tag',
        `the upstream chart ignored it and ran :latest; this chart runs ${metricTag}, as the value asked`,
      );
  } else if (metrics) {
    put('metricImage.tag', 'metrics.image.tag', 'latest');
    note(
      'metricImage.tag',
      'the upstream chart ran the exporter as :latest, written here as metrics.image.tag: latest so the values install; replace it with a tag or digest you have checked',
    );
  }

  // names, pull secrets, annotations
  for (const key of ['nameOverride', 'fullnameOverride'])
    if (!isEmpty(input[key])) put(key, key, text(input[key]));
  if (Array.isArray(input.imagePullSecrets) && input.imagePullSecrets.length > 0) {
    put(
      'imagePullSecrets',
      'imagePullSecrets',
      input.imagePullSecrets.map((s) => (typeof s === 'string' ? { name: s } : s)),
    );
  } else if (!isEmpty(input.imagePullSecrets)) {
    note('imagePullSecrets', 'expected a list of secret names: left out');
  }
  if (isPlainObject(input.podAnnotations) && !isEmpty(input.podAnnotations))
    put(
      'podAnnotations',
      'vineyardd.podAnnotations',
      Object.fromEntries(Object.entries(input.podAnnotations).map(([k, v]) => [k, text(v)])),
    );

  // service.*
  if (!isEmpty(service.type)) put('service.type', 'rpc.service.type', text(service.type));
  if (!isEmpty(service.port)) put('service.port', 'rpc.service.port', Number(service.port));

  // scheduling, env, service account
  for (const key of ['nodeSelector', 'affinity'])
    if (isPlainObject(input[key]) && !isEmpty(input[key])) put(key, `vineyardd.${key}`, input[key]);
    else if (!isEmpty(input[key]))
      note(key, `expected a mapping, got ${JSON.stringify(input[key])}: left out`);
  const tolerations = input.tolerations;
  if (Array.isArray(tolerations) && tolerations.length > 0) {
    put('tolerations', 'vineyardd.tolerations', tolerations);
  } else if (isPlainObject(tolerations) && !isEmpty(tolerations)) {
    if ('key' in tolerations || 'operator' in tolerations || 'effect' in tolerations) {
      put('tolerations', 'vineyardd.tolerations', [tolerations]);
      note('tolerations', 'one toleration written as a mapping: made a list of one');
    } else note('tolerations', 'expected a list of tolerations: left out');
  }
  const env = input.env;
  if (Array.isArray(env) && env.length > 0) {
    put('env', 'vineyardd.env', env);
  } else if (isPlainObject(env) && !isEmpty(env)) {
    put(
      'env',
      'vineyardd.env',
      Object.entries(env).map(([name, v]) => (isPlainObject(v) ? { name, ...v } : { name, value: text(v) })),
    );
    note(
      'env',
      'a mapping of NAME: value (the upstream template rendered it as invalid YAML): made a list of {name, value}',
    );
  }
  if (!isEmpty(input.serviceAccountName)) {
    put('serviceAccountName', 'serviceAccount.create', false);
    put('serviceAccountName', 'serviceAccount.name', text(input.serviceAccountName));
  }

  // vineyard.*: the socket volume
  const volumeType = isEmpty(vineyard.volumeType) ? 'hostPath' : text(vineyard.volumeType);
  if (!isEmpty(vineyard.volumeType)) put('vineyard.volumeType', 'vineyardd.socket.volumeType', volumeType);
  const pvc = volumeType === 'persistentVolumeClaim';
  const ignoredUnless = (key: string, isDefault: boolean, mode: string) => {
    if (!isDefault)
      note(`vineyard.${key}`, `ignored (by both charts) unless vineyard.volumeType is ${mode}: left out`);
  };
  if (!isEmpty(vineyard.size)) {
    if (pvc) put('vineyard.size', 'vineyardd.socket.persistentVolumeClaim.size', vineyard.size);
    else ignoredUnless('size', vineyard.size === UPSTREAM.claimSize, 'persistentVolumeClaim');
  }
  if (has('vineyard.storageClass') && vineyard.storageClass !== null) {
    if (pvc)
      put(
        'vineyard.storageClass',
        'vineyardd.socket.persistentVolumeClaim.storageClass',
        text(vineyard.storageClass),
      );
    else
      ignoredUnless('storageClass', vineyard.storageClass === UPSTREAM.storageClass, 'persistentVolumeClaim');
  }
  if (Array.isArray(vineyard.accessModes) && vineyard.accessModes.length > 0) {
    const modes = vineyard.accessModes.map(text);
    if (pvc) {
      put('vineyard.accessModes', 'vineyardd.socket.persistentVolumeClaim.accessModes', modes);
      if (!modes.includes('ReadWriteMany'))
        note(
          'vineyard.accessModes',
          `${modes.join(', ')}: only one node can mount the claim, so vineyardd stays Pending on the others (as it did upstream); ReadWriteMany lets every node use it`,
        );
    } else
      ignoredUnless('accessModes', modes.join() === UPSTREAM.accessModes.join(), 'persistentVolumeClaim');
  }
  if (!isEmpty(vineyard.persistVolumeClaimName)) {
    const name = text(vineyard.persistVolumeClaimName);
    if (pvc)
      note(
        'vineyard.persistVolumeClaimName',
        `no equivalent: this chart names the claim it creates <fullname>-socket, and ${name} is deleted with the upstream release. To use a claim you keep yourself, create it and set vineyardd.socket.persistentVolumeClaim.existingClaim`,
      );
    else ignoredUnless('persistVolumeClaimName', name === UPSTREAM.claimName, 'persistentVolumeClaim');
  }
  if (!isEmpty(vineyard.hostPath)) {
    if (volumeType === 'hostPath')
      put('vineyard.hostPath', 'vineyardd.socket.hostPath', text(vineyard.hostPath));
    else ignoredUnless('hostPath', false, 'hostPath');
  }
  if (truthy(vineyard.syncCRDs))
    note(
      'vineyard.syncCRDs',
      "no equivalent: syncing objects to Kubernetes resources needs the vineyard operator's CRDs, RBAC and the pod's identity, which this chart does not install (install the vineyard operator for it)",
    );

  // vineyard.sharedMemorySize and the memory limit it must stay under
  let sharedBytes = quantityBytes(getPath(chart.defaults, 'vineyardd.sharedMemorySize')) ?? 0;
  if (isEmpty(vineyard.sharedMemorySize)) {
    if (has('vineyard.sharedMemorySize'))
      note(
        'vineyard.sharedMemorySize',
        `empty: upstream vineyardd took the container's memory limit (or the node's memory); this chart needs a size, its default ${text(getPath(chart.defaults, 'vineyardd.sharedMemorySize'))} applies: set vineyardd.sharedMemorySize`,
      );
  } else {
    const size = vineyardSizeToQuantity(text(vineyard.sharedMemorySize));
    if (!size) {
      note(
        'vineyard.sharedMemorySize',
        `${JSON.stringify(vineyard.sharedMemorySize)} is not a size vineyardd reads: left out`,
      );
    } else {
      put('vineyard.sharedMemorySize', 'vineyardd.sharedMemorySize', size.quantity);
      sharedBytes = size.bytes;
      if (size.quantity !== text(vineyard.sharedMemorySize))
        note(
          'vineyard.sharedMemorySize',
          `${text(vineyard.sharedMemorySize)} written as ${size.quantity}: vineyardd reads every suffix as binary, Kubernetes does not`,
        );
    }
  }
  const defaultResources = getPath(chart.defaults, 'vineyardd.resources');
  const resources = input.resources;
  let limit: unknown = getPath(defaultResources, 'limits.memory');
  let whose = "this chart's default memory limit";
  if (isPlainObject(resources) && !isEmpty(resources)) {
    // helm merges a values file's mapping into the default one: null removes what upstream did not set.
    const merged: Tree = structuredClone(resources);
    for (const [section, keys] of Object.entries(isPlainObject(defaultResources) ? defaultResources : {}))
      for (const k of Object.keys(isPlainObject(keys) ? keys : {}))
        if (getPath(merged, `${section}.${k}`) === undefined) setPath(merged, `${section}.${k}`, null);
    put('resources', 'vineyardd.resources', merged);
    limit = getPath(resources, 'limits.memory');
    whose = 'the memory limit';
  } else if (!isEmpty(resources)) {
    note('resources', `expected a mapping, got ${JSON.stringify(resources)}: left out`);
  }
  const limitBytes = limit === undefined || limit === null ? undefined : quantityBytes(limit);
  if (limitBytes !== undefined && limitBytes <= sharedBytes) {
    const raised = `${Math.ceil((sharedBytes + 512 * MI) / MI)}Mi`;
    put('resources', 'vineyardd.resources.limits.memory', raised);
    note(
      'resources',
      `${whose} ${text(limit)} is not above the shared memory, which counts against it (vineyardd is OOM-killed once it fills): raised to ${raised}, the shared memory plus 512Mi`,
    );
  }

  // Whatever the chart's schema still refuses is left out, with its reason.
  for (const [from, to] of written) {
    if (getPath(out, to) === undefined) continue;
    const alone: Tree = {};
    setPath(alone, to, structuredClone(getPath(out, to)));
    try {
      validateValues(chart.schema, chart.schemaFile, finalValues(chart.defaults, alone), from);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      deletePath(out, to);
      note(
        from,
        `${JSON.stringify(getPath(input, from) ?? null)} is refused by this chart (${err.where}): left out`,
      );
    }
  }
  return { values: out, notes };
}
