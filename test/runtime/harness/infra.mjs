// The cluster's "infrastructure" process, run inside the harness's infra network namespace: it is
// kube-proxy (a TCP forward per Service ClusterIP:port to a ready endpoint, refusing when there is none, as
// kube-proxy's REJECT rule does) and the kubelets' prober (tcpSocket and httpGet probes from outside the pod).
// Protocol: one JSON object per line on stdin, one reply per line on stdout.
import http from 'node:http';
import net from 'node:net';
import readline from 'node:readline';

/** key "ip:port" -> { server, endpoints, next } */
const listeners = new Map();

function send(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function reconcile(services) {
  const wanted = new Map();
  for (const svc of services) {
    // kube-proxy: no endpoints -> the ClusterIP refuses (no listener: the kernel answers RST).
    if (svc.endpoints.length > 0) wanted.set(`${svc.ip}:${svc.port}`, svc);
  }
  for (const [key, entry] of listeners) {
    if (!wanted.has(key)) {
      entry.server.close();
      for (const s of entry.sockets) s.destroy();
      listeners.delete(key);
    }
  }
  const opening = [];
  for (const [key, svc] of wanted) {
    const existing = listeners.get(key);
    if (existing) {
      existing.endpoints = svc.endpoints;
      continue;
    }
    const entry = { endpoints: svc.endpoints, next: 0, sockets: new Set() };
    entry.server = net.createServer((client) => {
      const eps = entry.endpoints;
      const ep = eps[entry.next++ % eps.length];
      const upstream = net.connect({ host: ep.ip, port: ep.port });
      entry.sockets.add(client);
      entry.sockets.add(upstream);
      const done = () => {
        entry.sockets.delete(client);
        entry.sockets.delete(upstream);
      };
      client.on('close', done);
      upstream.on('error', () => client.resetAndDestroy());
      client.on('error', () => upstream.destroy());
      client.pipe(upstream).pipe(client);
    });
    listeners.set(key, entry);
    opening.push(
      new Promise((resolve) => {
        entry.server.once('error', (error) => {
          send({ event: 'listen-error', key, error: String(error) });
          resolve();
        });
        entry.server.listen(svc.port, svc.ip, resolve);
      }),
    );
  }
  await Promise.all(opening);
}

function tcpProbe({ host, port, timeoutMs }) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, detail: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true, detail: 'connected' });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, detail: `dial tcp ${host}:${port}: ${error.code ?? error.message}` });
    });
  });
}

function httpRequest({ method = 'GET', host, port, path = '/', headers = {}, body, timeoutMs }) {
  return new Promise((resolve) => {
    const req = http.request({ method, host, port, path, headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ status: 0, body: '', error: String(error.code ?? error.message) }));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    return;
  }
  try {
    if (msg.op === 'services') {
      await reconcile(msg.services);
      send({ id: msg.id, ok: true });
    } else if (msg.op === 'tcp') {
      send({ id: msg.id, ...(await tcpProbe(msg)) });
    } else if (msg.op === 'http') {
      const res = await httpRequest(msg);
      // kubelet's httpGet probe: 200 <= status < 400 succeeds.
      send({ id: msg.id, ok: res.status >= 200 && res.status < 400, ...res });
    } else {
      send({ id: msg.id, ok: false, detail: `unknown op ${msg.op}` });
    }
  } catch (error) {
    send({ id: msg.id, ok: false, detail: String(error) });
  }
});
rl.on('close', () => process.exit(0));
send({ event: 'ready' });
