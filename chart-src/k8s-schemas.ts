/**
 * Kubernetes definitions inlined into values.schema.json where a value holds a Kubernetes object.
 * They are transcriptions of the core/v1 API types, trimmed to what a values file can meaningfully set,
 * and kept permissive only where Kubernetes itself is (objects we do not own may grow fields).
 * No remote $ref: helm must validate offline.
 */
import type { JsonSchema } from '../src/model/model.ts';

/** resource.Quantity: a string like "100m", "1.5Gi", "1e3", or a plain number. */
export const QUANTITY_PATTERN =
  '^[+-]?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

export const quantity: JsonSchema = {
  oneOf: [{ type: 'string', pattern: QUANTITY_PATTERN }, { type: 'number' }],
};

const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: 'string' } };

export const labelMap = stringMap;

export const resources: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limits: { type: 'object', additionalProperties: quantity },
    requests: { type: 'object', additionalProperties: quantity },
    claims: {
      type: 'array',
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
    },
  },
};

export const tolerations: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    properties: {
      key: { type: 'string' },
      operator: { type: 'string', enum: ['Exists', 'Equal'] },
      value: { type: 'string' },
      effect: { type: 'string', enum: ['', 'NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
      tolerationSeconds: { type: 'integer' },
    },
  },
};

const anyObject: JsonSchema = { type: 'object' };

export const affinity: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { nodeAffinity: anyObject, podAffinity: anyObject, podAntiAffinity: anyObject },
};

const capabilities: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    add: { type: 'array', items: { type: 'string' } },
    drop: { type: 'array', items: { type: 'string' } },
  },
};

const seccompProfile: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { type: 'string', enum: ['RuntimeDefault', 'Localhost', 'Unconfined'] },
    localhostProfile: { type: 'string' },
  },
};

const seLinuxOptions: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    level: { type: 'string' },
    role: { type: 'string' },
    type: { type: 'string' },
    user: { type: 'string' },
  },
};

export const securityContext: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    allowPrivilegeEscalation: { type: 'boolean' },
    capabilities,
    privileged: { type: 'boolean' },
    procMount: { type: 'string' },
    readOnlyRootFilesystem: { type: 'boolean' },
    runAsGroup: { type: 'integer' },
    runAsNonRoot: { type: 'boolean' },
    runAsUser: { type: 'integer' },
    seLinuxOptions,
    seccompProfile,
    appArmorProfile: anyObject,
    windowsOptions: anyObject,
  },
};

export const podSecurityContext: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    fsGroup: { type: 'integer' },
    fsGroupChangePolicy: { type: 'string', enum: ['OnRootMismatch', 'Always'] },
    runAsGroup: { type: 'integer' },
    runAsNonRoot: { type: 'boolean' },
    runAsUser: { type: 'integer' },
    seLinuxOptions,
    seccompProfile,
    appArmorProfile: anyObject,
    supplementalGroups: { type: 'array', items: { type: 'integer' } },
    sysctls: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'value'],
        properties: { name: { type: 'string' }, value: { type: 'string' } },
      },
    },
    windowsOptions: anyObject,
  },
};

export const envVars: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: { name: { type: 'string', minLength: 1 }, value: { type: 'string' }, valueFrom: anyObject },
  },
};

export const localObjectReferences: JsonSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: { name: { type: 'string', minLength: 1 } },
  },
};

const port: JsonSchema = { type: 'integer', minimum: 1, maximum: 65535 };

/** core/v1 Container: name and image required, well-known fields typed, the rest passed through. */
export const container: JsonSchema = {
  type: 'object',
  required: ['name', 'image'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
    image: { type: 'string', minLength: 1 },
    imagePullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'] },
    command: { type: 'array', items: { type: 'string' } },
    args: { type: 'array', items: { type: 'string' } },
    workingDir: { type: 'string' },
    env: envVars,
    envFrom: { type: 'array', items: anyObject },
    ports: {
      type: 'array',
      items: {
        type: 'object',
        required: ['containerPort'],
        properties: { containerPort: port, name: { type: 'string' }, protocol: { type: 'string' } },
      },
    },
    resources,
    securityContext,
    volumeMounts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'mountPath'],
        properties: { name: { type: 'string' }, mountPath: { type: 'string' } },
      },
    },
    livenessProbe: anyObject,
    readinessProbe: anyObject,
    startupProbe: anyObject,
    lifecycle: anyObject,
  },
};
