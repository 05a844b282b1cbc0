// A read-only stand-in for a Kubernetes API server, for the `lookup` calls of a chart under
// `helm template --dry-run=server` (what `helm upgrade` sees of the live release): discovery for the
// objects' groups and GET of each object by namespace and name. Listens on 127.0.0.1 only; close() it.

import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Obj } from './kubelet.ts';

export interface FakeApiServer {
  url: string;
  /** a kubeconfig file pointing at this server (for KUBECONFIG) */
  kubeconfig: string;
  requests: string[];
  close(): Promise<void>;
}

/** Plural resource names as the API server has them, for the kinds a chart looks up. */
const plural = (kind: string) => {
  const lower = kind.toLowerCase();
  if (lower.endsWith('s')) return `${lower}es`;
  if (lower.endsWith('y')) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
};

/** Kinds discovery lists besides the served objects' (helm v4 maps every rendered object to a resource). */
const BUILTIN_KINDS: Record<string, string[]> = {
  v1: ['ConfigMap', 'PersistentVolumeClaim', 'Pod', 'Secret', 'Service', 'ServiceAccount'],
  'apps/v1': ['DaemonSet', 'Deployment', 'StatefulSet'],
  'policy/v1': ['PodDisruptionBudget'],
};

export async function startFakeApiServer(objects: Obj[]): Promise<FakeApiServer> {
  const byGroupVersion = new Map<string, Obj[]>(Object.keys(BUILTIN_KINDS).map((gv) => [gv, []]));
  for (const o of objects) {
    const list = byGroupVersion.get(o.apiVersion) ?? [];
    list.push(o);
    byGroupVersion.set(o.apiVersion, list);
  }
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    requests.push(`${req.method} ${url}`);
    const send = (code: number, body: Obj) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const notFound = () =>
      send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
    if (req.method !== 'GET') return send(405, { kind: 'Status', status: 'Failure', code: 405 });
    if (url === '/version') return send(200, { major: '1', minor: '31', gitVersion: 'v1.31.0' });
    if (url === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'] });
    if (url === '/apis') {
      const groups = [...byGroupVersion.keys()]
        .filter((gv) => gv.includes('/'))
        .map((gv) => {
          const [name, version] = gv.split('/');
          return {
            name,
            versions: [{ groupVersion: gv, version }],
            preferredVersion: { groupVersion: gv, version },
          };
        });
      return send(200, { kind: 'APIGroupList', apiVersion: 'v1', groups });
    }
    const discovery = /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))$/.exec(url);
    if (discovery) {
      const gv = discovery[1] ?? discovery[2];
      const kinds = [
        ...new Set([
          ...(BUILTIN_KINDS[gv] ?? []),
          ...(byGroupVersion.get(gv) ?? []).map((o) => o.kind as string),
        ]),
      ];
      return send(200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: gv,
        resources: kinds.map((kind) => ({
          name: plural(kind),
          singularName: kind.toLowerCase(),
          namespaced: true,
          kind,
          verbs: ['get', 'list'],
        })),
      });
    }
    const get = /^\/(?:api\/v1|apis\/([^/]+\/[^/]+))\/namespaces\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url);
    if (get) {
      const [, gv = 'v1', ns, resource, name] = get;
      const found = (byGroupVersion.get(gv) ?? []).find(
        (o) =>
          plural(o.kind) === resource && o.metadata?.name === name && (o.metadata?.namespace ?? ns) === ns,
      );
      return found ? send(200, found) : notFound();
    }
    notFound();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrt-kube-'));
  const kubeconfig = path.join(dir, 'config');
  fs.writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: url } }],
      users: [{ name: 'fake', user: {} }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
      'current-context': 'fake',
    }),
    { mode: 0o600 },
  );
  return {
    url,
    kubeconfig,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
