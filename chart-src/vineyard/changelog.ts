/**
 * What changed in each version of the vineyard chart, newest first. Chart.yaml's `artifacthub.io/changes`
 * (and `artifacthub.io/prerelease` for prerelease versions) and the README's "Changes" are rendered from
 * it; `release` refuses to publish a version that has no entry here.
 */
import type { Changelog } from '../../src/model/changelog.ts';

const etcdOddMembers = {
  name: 'etcd FAQ: why an odd number of cluster members',
  url: 'https://etcd.io/docs/v3.5/faq/#why-an-odd-number-of-cluster-members',
};

export const changelog: Changelog = [
  {
    version: '0.10.0',
    changes: [
      {
        kind: 'changed',
        description:
          'Breaking: values keys, labels and the DaemonSet selector differ from the upstream chart (v6d charts/vineyard 0.8.x), so an upstream release cannot be upgraded in place; `vineyard-charts migrate-values` converts its values (README: Migrating from the upstream chart)',
      },
      {
        kind: 'fixed',
        description:
          'vineyardd registers its pod IP and node name (MY_HOST_NAME, MY_NODE_NAME), so RPC works across nodes',
      },
      {
        kind: 'fixed',
        description: 'vineyardd exits instead of starting a private etcd when the shared one does not answer',
      },
      {
        kind: 'fixed',
        description: 'extra containers get VINEYARD_NODE_NAME for the socket claim sub-directory',
      },
      {
        kind: 'fixed',
        description: 'chart-version-only upgrades no longer restart pods; etcd compaction and quota',
      },
      {
        kind: 'changed',
        description:
          'default image ghcr.io/v6d-io/v6d/vineyardd, tag alpine- followed by the appVersion; metrics.image.tag required',
      },
      {
        kind: 'changed',
        description:
          'refused at install: etcd.replicas > 1 without persistence, even or above 7, or changed on upgrade; https external etcd; over-long names; a vineyardd memory limit not above the shared memory; shared memory sizes vineyardd and Kubernetes read differently (8G: write 8Gi)',
        links: [etcdOddMembers],
      },
      {
        kind: 'added',
        description:
          'works as a dependency of umbrella charts: the root `enabled` value (for `condition: vineyard.enabled`) is allowed',
      },
      {
        kind: 'removed',
        description: 'vineyardd.syncCRDs, metrics.port and clusterDomain (breaking)',
      },
    ],
  },
  {
    version: '0.9.0',
    changes: [
      {
        kind: 'added',
        description:
          'chart rebuilt from typed sources: every value documented and enforced by values.schema.json; etcd StatefulSet; socket in hostPath, PersistentVolumeClaim or emptyDir',
      },
    ],
  },
];
