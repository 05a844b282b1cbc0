/** The top-level objects helm hands every template: .Release, .Chart, .Capabilities, .Files, .Template. */
import path from 'node:path';
import { toYaml } from './serialize.ts';
import type { GoMap, Stringer } from './values.ts';

export const DEFAULT_KUBE_VERSION = 'v1.32.0'; // what helm v3.17 `template` reports (v4.1 reports v1.35.0)

/** Group/versions `.Capabilities.APIVersions.Has` knows by default (a subset of helm's built-in set). */
export const DEFAULT_API_VERSIONS = [
  'v1',
  'admissionregistration.k8s.io/v1',
  'apiextensions.k8s.io/v1',
  'apiregistration.k8s.io/v1',
  'apps/v1',
  'authentication.k8s.io/v1',
  'authorization.k8s.io/v1',
  'autoscaling/v1',
  'autoscaling/v2',
  'batch/v1',
  'certificates.k8s.io/v1',
  'coordination.k8s.io/v1',
  'discovery.k8s.io/v1',
  'events.k8s.io/v1',
  'flowcontrol.apiserver.k8s.io/v1',
  'networking.k8s.io/v1',
  'node.k8s.io/v1',
  'policy/v1',
  'rbac.authorization.k8s.io/v1',
  'scheduling.k8s.io/v1',
  'storage.k8s.io/v1',
];

class KubeVersion implements Stringer {
  readonly Version: string;
  readonly Major: string;
  readonly Minor: string;
  readonly GitVersion: string;
  constructor(v: string) {
    const m = /^v?(\d+)\.(\d+)/.exec(v);
    this.Version = v.startsWith('v') ? v : `v${v}`;
    this.GitVersion = this.Version;
    this.Major = m ? m[1] : '';
    this.Minor = m ? m[2] : '';
  }
  goString(): string {
    return this.Version;
  }
}

export function capabilities(kubeVersion?: string, apiVersions?: string[]): GoMap {
  const known = new Set(apiVersions ?? DEFAULT_API_VERSIONS);
  return {
    KubeVersion: new KubeVersion(kubeVersion ?? DEFAULT_KUBE_VERSION),
    APIVersions: { Has: (v: unknown) => known.has(String(v)) },
    HelmVersion: { Version: 'v3.17.3' },
  };
}

/** Chart.yaml keys as helm's chart.Metadata exposes them (Name, APIVersion, AppVersion, ...). */
export function chartObject(meta: Record<string, unknown>): GoMap {
  const out: GoMap = {
    Name: '',
    Home: '',
    Sources: [],
    Version: '',
    Description: '',
    Keywords: [],
    Maintainers: [],
    Icon: '',
    APIVersion: '',
    Condition: '',
    Tags: '',
    AppVersion: '',
    Deprecated: false,
    Annotations: {},
    KubeVersion: '',
    Dependencies: [],
    Type: '',
    IsRoot: true,
  };
  for (const [k, v] of Object.entries(meta)) {
    const key = k === 'apiVersion' ? 'APIVersion' : k[0].toUpperCase() + k.slice(1);
    out[key] = v;
  }
  return out;
}

function globToRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * helm's .Files: a map of path -> bytes (so `range` and `len` see the files) whose methods Get,
 * GetBytes, Lines, Glob, AsConfig and AsSecrets are non-enumerable own properties.
 */
export function filesObject(files: Map<string, Buffer>): GoMap {
  const get = (name: unknown) => files.get(String(name))?.toString('utf8') ?? '';
  const asMap = (enc: (b: Buffer) => string) => {
    const out: GoMap = {};
    for (const [k, b] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) out[path.basename(k)] = enc(b);
    return out;
  };
  const methods: Record<string, (...args: unknown[]) => unknown> = {
    Get: get,
    GetBytes: (name) => new Uint8Array(files.get(String(name)) ?? Buffer.alloc(0)),
    Lines: (name) => {
      const s = get(name);
      return s ? s.replace(/\n$/, '').split('\n') : [];
    },
    Glob: (pattern) => {
      const re = globToRegex(String(pattern));
      return filesObject(new Map([...files].filter(([k]) => re.test(k))));
    },
    AsConfig: () => toYaml(asMap((b) => b.toString('utf8'))),
    AsSecrets: () => toYaml(asMap((b) => b.toString('base64'))),
  };
  const out: GoMap = {};
  for (const [k, b] of files) out[k] = new Uint8Array(b);
  for (const [k, fn] of Object.entries(methods))
    Object.defineProperty(out, k, { value: fn, enumerable: false });
  return out;
}
