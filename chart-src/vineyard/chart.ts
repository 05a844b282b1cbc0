/**
 * Chart.yaml of the vineyard chart. Bump `version` whenever anything under chart-src/vineyard changes, and
 * say what changed in changelog.ts (the artifacthub.io/changes annotation is rendered from it).
 */
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
  },
} as const;
