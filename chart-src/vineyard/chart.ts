/** Chart.yaml of the vineyard chart. Bump `version` whenever anything under chart-src/vineyard changes. */
export const chart = {
  apiVersion: 'v2',
  name: 'vineyard',
  description:
    'Vineyard (v6d), an in-memory immutable data manager: a vineyardd DaemonSet sharing memory with worker pods over a UNIX domain socket, with an etcd metadata store.',
  type: 'application',
  version: '0.10.0',
  appVersion: 'v0.24.4',
  kubeVersion: '>=1.25.0-0',
  home: 'https://v6d.io',
  icon: 'https://v6d.io/_static/vineyard_logo.png',
  sources: ['https://github.com/v6d-io/v6d'],
  keywords: ['vineyard', 'v6d', 'in-memory', 'shared-memory', 'zero-copy', 'etcd'],
  maintainers: [
    { name: 'Vineyard maintainers', email: 'developers@v6d.io', url: 'https://github.com/v6d-io' },
  ],
  annotations: {
    'artifacthub.io/license': 'Apache-2.0',
    'artifacthub.io/category': 'database',
    'artifacthub.io/links':
      '- name: Documentation\n  url: https://v6d.io/notes/cloud-native/deploy-kubernetes.html\n- name: Source\n  url: https://github.com/v6d-io/v6d\n',
    'artifacthub.io/images':
      '- name: vineyardd\n  image: ghcr.io/v6d-io/v6d/vineyardd:alpine-v0.24.4\n- name: etcd\n  image: quay.io/coreos/etcd:v3.5.21\n',
    'artifacthub.io/containsSecurityUpdates': 'false',
    'artifacthub.io/changes': [
      '- kind: fixed\n  description: vineyardd registers its pod IP and node name (MY_HOST_NAME, MY_NODE_NAME), so RPC works across nodes',
      '- kind: fixed\n  description: vineyardd exits instead of starting a private etcd when the shared one does not answer',
      '- kind: fixed\n  description: extra containers get VINEYARD_NODE_NAME for the socket claim sub-directory',
      '- kind: fixed\n  description: chart-version-only upgrades no longer restart pods; etcd compaction and quota',
      '- kind: changed\n  description: default image ghcr.io/v6d-io/v6d/vineyardd:alpine-<appVersion>; metrics.image.tag required',
      '- kind: changed\n  description: refused - etcd.replicas > 1 without persistence, etcd.replicas changes on upgrade, https external etcd, over-long names',
      '- kind: removed\n  description: vineyardd.syncCRDs, metrics.port and clusterDomain (breaking)',
    ].join('\n'),
  },
} as const;
