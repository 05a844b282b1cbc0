/**
 * The vineyard chart's values: the public contract operators' values files depend on.
 * Each entry is declared once; values.yaml, values.schema.json, the README table and the
 * `VineyardValues` type are generated from it.
 */

import { literal, oneOf } from '../../src/model/k8s.ts';
import { type OverridesOf, type ValuesOf, v } from '../../src/model/model.ts';
import * as k8s from '../k8s-schemas.ts';

const URL_PATTERN = '^https?://[^\\s,]+$';

/** A PersistentVolumeClaim access mode (core/v1 PersistentVolumeClaimSpec.accessModes). */
type AccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';

const image = (repository: string, tag: string, tagDoc: string) =>
  v.object('Container image.', {
    repository: v.string(repository, 'Image repository.', { pattern: '^[^\\s:@]+(:[0-9]+)?(/[^\\s:@]+)*$' }),
    tag: v.string(tag, tagDoc, { pattern: '^(|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[a-f0-9]{64})?)$' }),
    pullPolicy: v.enum(['IfNotPresent', 'Always', 'Never'], 'IfNotPresent', 'Image pull policy.'),
  });

const restrictedContainer: k8s.ISecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
  seccompProfile: { type: 'RuntimeDefault' },
};

const scheduling = (what: string) => ({
  nodeSelector: v.shaped('object', {}, `Node labels ${what} pods are restricted to.`, k8s.labelMap),
  tolerations: v.shaped('list', [], `Tolerations for ${what} pods.`, k8s.tolerations),
  affinity: v.shaped('object', {}, `Affinity rules for ${what} pods.`, k8s.affinity),
  podAnnotations: v.shaped('object', {}, `Extra annotations for ${what} pods.`, k8s.labelMap),
});

export const values = {
  enabled: v.absent(
    v.boolean(
      true,
      "Used by parent charts' `condition:` (`condition: vineyard.enabled`); ignored by this chart. Not set by default.",
    ),
  ),
  nameOverride: v.string('', 'Replaces the chart name in object names and the app.kubernetes.io/name label.'),
  fullnameOverride: v.string('', 'Replaces the release-derived prefix of every object name.'),
  image: image(
    'ghcr.io/v6d-io/v6d/vineyardd',
    '',
    'vineyardd image tag; empty means `alpine-<appVersion>`, the multi-arch image upstream releases publish. The image must have vineyardd at `/usr/local/bin/vineyardd`.',
  ),
  imagePullSecrets: v.shaped(
    'list',
    [],
    'Secrets for pulling images from private registries.',
    k8s.localObjectReferences,
  ),
  serviceAccount: v.object('ServiceAccount of the vineyardd pods.', {
    create: v.boolean(true, 'Create a ServiceAccount for the release.'),
    name: v.string(
      '',
      'Name of the ServiceAccount; empty derives it from the fullname (or `default` when not created).',
    ),
    annotations: v.shaped('object', {}, 'Annotations for the created ServiceAccount.', k8s.labelMap),
  }),
  vineyardd: v.object('The vineyardd DaemonSet: one server per node.', {
    // Checked by the templates ("vineyard.sharedMemoryBytes"), whose messages say what to write: a schema
    // pattern would print a regular expression.
    sharedMemorySize: v.string(
      '256Mi',
      'Shared memory vineyardd manages (`--size`): a size like `8Gi` (binary suffixes only: vineyardd reads `8G` as 8Gi, Kubernetes as 8×10⁹). `vineyardd.resources.limits.memory` must be above it.',
    ),
    reserveMemory: v.boolean(false, 'Pre-populate the shared memory pages at start-up (`--reserve_memory`).'),
    etcdPrefix: v.string('vineyard', 'Key prefix of vineyard metadata in etcd (`--etcd_prefix`).', {
      pattern: '^[^\\s]+$',
    }),
    metaTimeout: v.integer(
      60,
      'Seconds vineyardd waits for the etcd host name to resolve (`--meta_timeout`); an etcd that resolves but does not answer is given about 5 s. Then vineyardd exits and the kubelet restarts it.',
      {
        minimum: 1,
      },
    ),
    spill: v.object('Spilling of cold objects to disk when shared memory fills up.', {
      path: v.string(
        '',
        'Directory to spill to (`--spill_path`); empty disables spilling. An emptyDir is mounted there.',
        {
          pattern: '^(|/[^\\n]*)$',
        },
      ),
      lowerRate: v.number(0.3, 'Low watermark that stops spilling (`--spill_lower_rate`).', {
        minimum: 0,
        maximum: 1,
      }),
      upperRate: v.number(0.8, 'High watermark that triggers spilling (`--spill_upper_rate`).', {
        minimum: 0,
        maximum: 1,
      }),
      sizeLimit: v.shaped(
        'quantity',
        '',
        'Size limit of the spill emptyDir; empty means unlimited.',
        oneOf(literal(''), k8s.quantity),
      ),
    }),
    socket: v.object('The UNIX domain socket shared with worker pods.', {
      volumeType: v.enum(
        ['hostPath', 'persistentVolumeClaim', 'emptyDir'],
        'hostPath',
        'Volume holding the socket: `hostPath` (pods on the same node), `persistentVolumeClaim`, or `emptyDir` (workloads in `vineyardd.extraContainers`).',
      ),
      hostPath: v.string(
        '',
        'Host directory for `hostPath`; empty means `/var/run/vineyard-<namespace>-<fullname>`.',
        {
          pattern: '^(|/[^\\n]*)$',
        },
      ),
      persistentVolumeClaim: v.object(
        'The claim for `persistentVolumeClaim`; each node uses its own sub-directory.',
        {
          existingClaim: v.string('', 'Use this existing claim instead of creating `<fullname>-socket`.'),
          storageClass: v.string('', 'Storage class of the created claim; empty uses the cluster default.'),
          size: v.shaped('quantity', '1Gi', 'Requested size of the created claim.', k8s.quantity),
          accessModes: v.custom<AccessMode[]>(
            'list',
            ['ReadWriteMany'],
            'Access modes of the created claim (nodes share it).',
            {
              type: 'array',
              minItems: 1,
              items: {
                type: 'string',
                enum: ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'],
              },
            },
          ),
        },
      ),
    }),
    extraContainers: v.shaped(
      'list',
      [],
      'Workload containers run in the vineyardd pod; the socket volume is mounted into each.',
      k8s.containers,
    ),
    extraVolumes: v.shaped(
      'list',
      [],
      'Extra volumes of the vineyardd pod, e.g. for `extraContainers`.',
      k8s.volumes,
    ),
    resources: v.shaped(
      'object',
      { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
      'Resources of the vineyardd container; the memory limit must exceed `sharedMemorySize`.',
      k8s.resources,
    ),
    env: v.shaped('list', [], 'Extra environment variables of the vineyardd container.', k8s.envVars),
    ...scheduling('vineyardd'),
    securityContext: v.shaped(
      'object',
      restrictedContainer,
      'Security context of the vineyardd container.',
      k8s.securityContext,
    ),
    podSecurityContext: v.shaped(
      'object',
      { seccompProfile: { type: 'RuntimeDefault' } },
      'Security context of the vineyardd pod.',
      k8s.podSecurityContext,
    ),
    maxUnavailable: v.integer(1, 'Nodes updated at once by a rolling update.', { minimum: 1 }),
    priorityClassName: v.string('', 'PriorityClass of the vineyardd pods.'),
  }),
  rpc: v.object('RPC access to vineyardd.', {
    service: v.object('The `<fullname>-rpc` Service.', {
      type: v.enum(['ClusterIP', 'NodePort', 'LoadBalancer'], 'ClusterIP', 'Service type.'),
      port: v.integer(9600, 'Service port.', { minimum: 1, maximum: 65535 }),
      annotations: v.shaped('object', {}, 'Service annotations.', k8s.labelMap),
    }),
  }),
  etcd: v.object('The etcd metadata store.', {
    enabled: v.boolean(true, 'Run a bundled etcd cluster; false requires `etcd.externalEndpoints`.'),
    replicas: v.integer(
      1,
      'Members of the bundled etcd cluster: 1, 3, 5 or 7 (an even number survives no more failures than one fewer; more than 7 only slows writes). More than 1 needs `etcd.persistence.enabled`. Fixed at install: an upgrade that changes it is refused.',
      {
        minimum: 1,
      },
    ),
    externalEndpoints: v.custom<string[]>(
      'list',
      [],
      'Plaintext (`http://`) client URLs of an external etcd, used when `etcd.enabled` is false; vineyardd cannot speak TLS to etcd. Its members must advertise client URLs vineyardd pods can reach: vineyardd switches to those.',
      {
        type: 'array',
        items: { type: 'string', pattern: URL_PATTERN },
      },
    ),
    image: image('quay.io/coreos/etcd', 'v3.5.21', 'etcd image tag.'),
    persistence: v.object('Storage of etcd data; without it data lives in an emptyDir.', {
      enabled: v.boolean(
        false,
        'Keep etcd data on PersistentVolumeClaims (required with more than one replica).',
      ),
      storageClass: v.string('', 'Storage class; empty uses the cluster default.'),
      size: v.shaped(
        'quantity',
        '1Gi',
        "Size of each member volume, a whole number with a unit like `8Gi`; half of it (at most 8 GiB) is etcd's storage quota.",
        k8s.quantity,
      ),
      accessModes: v.custom<AccessMode[]>('list', ['ReadWriteOnce'], 'Access modes of each member volume.', {
        type: 'array',
        minItems: 1,
        items: { type: 'string', enum: ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany'] },
      }),
    }),
    resources: v.shaped(
      'object',
      { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      'Resources of each etcd member.',
      k8s.resources,
    ),
    ...scheduling('etcd'),
    securityContext: v.shaped(
      'object',
      restrictedContainer,
      'Security context of the etcd container.',
      k8s.securityContext,
    ),
    podSecurityContext: v.shaped(
      'object',
      {
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        fsGroup: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      'Security context of the etcd pods.',
      k8s.podSecurityContext,
    ),
  }),
  metrics: v.object('Prometheus metrics.', {
    enabled: v.boolean(
      false,
      'Run vineyardd with `--metrics` and a grok exporter sidecar serving Prometheus metrics on port 9144 (`/metrics`); needs `metrics.image.tag`.',
    ),
    image: image(
      'docker.io/vineyardcloudnative/vineyard-grok-exporter',
      '',
      'Exporter image tag (or `tag@sha256:digest`); required with `metrics.enabled`, as upstream publishes the image only as `latest` (amd64).',
    ),
    resources: v.shaped(
      'object',
      { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
      'Resources of the exporter sidecar.',
      k8s.resources,
    ),
  }),
  tests: v.object('Pods run by `helm test`.', {
    image: image(
      'docker.io/library/python',
      '3.12.8-alpine3.21',
      'Test image tag (python: speaks vineyard IPC/RPC).',
    ),
  }),
};

/** The values the templates see: the defaults with every values file and `--set` merged in. */
export type VineyardValues = ValuesOf<typeof values>;

/** What a values file (`-f`, a ci/ fixture) may hold: any part of VineyardValues, null deleting a default. */
export type VineyardValuesFile = OverridesOf<typeof values>;
