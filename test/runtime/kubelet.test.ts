// The harness's kubelet semantics, held to kubelet's documented behaviour (no processes started here).
import { describe, expect, it } from 'vitest';
import {
  ContainerConfigError,
  containerArgv,
  containerEnv,
  expand,
  expandSubPathExpr,
  type PodFacts,
  serviceLinkEnv,
} from './harness/kubelet.ts';

const pod: PodFacts = {
  name: 'vineyard-abcde',
  namespace: 'vineyard',
  uid: 'u-1',
  nodeName: 'node-2',
  podIP: '10.231.0.21',
  hostIP: '10.231.0.12',
  serviceAccountName: 'vineyard',
  labels: { app: 'x' },
  annotations: {},
};
const sources = {
  configMaps: new Map([['cm', { KEY: 'from-cm' }]]),
  secrets: new Map([['s', { PW: 'pw' }]]),
};

describe('kubelet $(VAR) expansion', () => {
  it('expands known variables, keeps unknown ones verbatim, and unescapes $$', () => {
    const env: Record<string, string> = { A: 'a', EMPTY: '' };
    const lookup = (n: string) => env[n];
    expect(expand('$(A)-$(B)-$$(A)-$$-$x-$(EMPTY)|', lookup)).toBe('a-$(B)-$(A)-$-$x-|');
    expect(expand('tail $(', lookup)).toBe('tail $(');
  });

  it('builds env in order: service links, envFrom, env with downward API and references to earlier entries', () => {
    const env = containerEnv(
      {
        envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'P_' }],
        env: [
          { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
          { name: 'ADDR', value: '$(IP):9600 on $(NODE) $(LATER)' },
          { name: 'LATER', value: 'x' },
          { name: 'PW', valueFrom: { secretKeyRef: { name: 's', key: 'PW' } } },
        ],
      },
      pod,
      sources,
      { SVC_SERVICE_HOST: '10.231.0.100' },
    );
    expect(env).toMatchObject({
      SVC_SERVICE_HOST: '10.231.0.100',
      P_KEY: 'from-cm',
      NODE: 'node-2',
      SA: 'vineyard',
      ADDR: '10.231.0.21:9600 on node-2 $(LATER)',
      PW: 'pw',
    });
    expect(() =>
      containerEnv(
        { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] },
        pod,
        sources,
        {},
      ),
    ).toThrow(ContainerConfigError);
  });

  it('command/args replace the image ENTRYPOINT/CMD as Kubernetes documents', () => {
    const image = { entrypoint: ['/entry'], cmd: ['default'] };
    const env = { N: 'v' };
    expect(containerArgv({ command: ['c', '$(N)'], args: ['--a=$(N)'] }, image, env)).toEqual([
      'c',
      'v',
      '--a=v',
    ]);
    expect(containerArgv({ command: ['c'] }, image, env)).toEqual(['c']);
    expect(containerArgv({ args: ['x'] }, image, env)).toEqual(['/entry', 'x']);
    expect(containerArgv({}, image, env)).toEqual(['/entry', 'default']);
  });

  it('subPathExpr fails the container when a variable is missing or empty in that container', () => {
    expect(expandSubPathExpr('$(NODE)/sock', { NODE: 'node-1' })).toBe('node-1/sock');
    expect(() => expandSubPathExpr('$(VINEYARD_NODE_NAME)', {})).toThrow(
      /missing value for VINEYARD_NODE_NAME/,
    );
    expect(() => expandSubPathExpr('$(E)', { E: '' })).toThrow(ContainerConfigError);
  });

  it('service links name every ClusterIP Service port, none for headless Services', () => {
    const env = serviceLinkEnv([
      { name: 'vineyard-rpc', clusterIP: '10.231.0.101', ports: [{ name: 'rpc', port: 9600 }] },
      { name: 'vineyard-etcd', clusterIP: 'None', ports: [{ name: 'client', port: 2379 }] },
    ]);
    expect(env).toMatchObject({
      VINEYARD_RPC_SERVICE_HOST: '10.231.0.101',
      VINEYARD_RPC_SERVICE_PORT_RPC: '9600',
      VINEYARD_RPC_PORT: 'tcp://10.231.0.101:9600',
      VINEYARD_RPC_PORT_9600_TCP_ADDR: '10.231.0.101',
    });
    expect(Object.keys(env).some((k) => k.startsWith('VINEYARD_ETCD'))).toBe(false);
  });
});
