/**
 * Just enough of a Kubernetes API server for helm commands that must reach a cluster but change nothing
 * (`helm install --dry-run` with helm v3 asks for /version and discovery first). Everything else is 404.
 */

import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { freePort } from './run.ts';

export interface FakeApiServer {
  url: string;
  /** A kubeconfig pointing at it, written under `dir`. */
  kubeconfig: string;
  gets: string[];
  close(): Promise<void>;
}

const CORE = ['ConfigMap', 'Pod', 'PersistentVolumeClaim', 'Secret', 'Service', 'ServiceAccount'];
const APPS = { groupVersion: 'apps/v1', version: 'v1' };

/** Discovery of namespaced kinds: enough for helm to map the chart's objects to resources. */
function resources(groupVersion: string, kinds: string[]) {
  return {
    kind: 'APIResourceList',
    groupVersion,
    resources: kinds.map((kind) => ({
      name: `${kind.toLowerCase()}s`,
      singularName: kind.toLowerCase(),
      namespaced: true,
      kind,
      verbs: ['get', 'list', 'create', 'update', 'patch', 'delete'],
    })),
  };
}

export async function fakeApiServer(dir: string): Promise<FakeApiServer> {
  const gets: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0] ?? '';
    gets.push(`${req.method} ${url}`);
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url === '/version') return send(200, { major: '1', minor: '31', gitVersion: 'v1.31.0' });
    if (url === '/api') return send(200, { kind: 'APIVersions', versions: ['v1'] });
    if (url === '/api/v1') return send(200, resources('v1', CORE));
    if (url === '/apis')
      return send(200, {
        kind: 'APIGroupList',
        groups: [{ name: 'apps', versions: [APPS], preferredVersion: APPS }],
      });
    if (url === '/apis/apps/v1')
      return send(200, resources('apps/v1', ['DaemonSet', 'StatefulSet', 'Deployment']));
    return send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${port}`;
  const kubeconfig = path.join(dir, 'kubeconfig-fake');
  await writeFile(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${url}"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: c, user: u, namespace: vineyard}}]\ncurrent-context: c\n`,
  );
  return {
    url,
    kubeconfig,
    gets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
