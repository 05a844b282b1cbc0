/**
 * Every key of the upstream chart (v6d-io/v6d `charts/vineyard` 0.8.0-0.8.2, one values.yaml for all three)
 * and where it goes in this chart. `migrate-values` implements each row (migrate.ts); the chart README's
 * "Migrating from the upstream chart" shows the same table (a test holds README.intro.md to it).
 */

export interface MigrationRow {
  /** The upstream key (dotted). */
  from: string;
  /** Where it goes here, or null: no equivalent. */
  to: string | null;
  /** What changes on the way, or why there is no equivalent. */
  note: string;
}

/** In upstream values.yaml order. */
export const MIGRATION_TABLE: readonly MigrationRow[] = [
  {
    from: 'image.repository',
    to: 'image.repository',
    note: "the upstream default (docker.pkg.github.com, GitHub's retired registry) becomes this chart's ghcr.io/v6d-io/v6d/vineyardd",
  },
  {
    from: 'image.pullPolicy',
    to: 'image.pullPolicy',
    note: 'as is',
  },
  {
    from: 'image.tagPrefix',
    to: 'image.tag',
    note: 'joined as `<tagPrefix>-<tag>`; with no tag upstream ran v0.8.x, this chart runs `alpine-<appVersion>`',
  },
  {
    from: 'image.tag',
    to: 'image.tag',
    note: 'the upstream default `alpine-latest` (floating) becomes the pinned `alpine-<appVersion>`',
  },
  {
    from: 'metricImage.repository',
    to: 'metrics.image.repository',
    note: "the upstream default (never published under that name) becomes this chart's exporter image",
  },
  {
    from: 'metricImage.pullPolicy',
    to: 'metrics.image.pullPolicy',
    note: 'the upstream default `Never` (image preloaded on every node) becomes `IfNotPresent`',
  },
  {
    from: 'metricImage.tagPrefix',
    to: null,
    note: 'upstream ignored it (the exporter always ran `:latest`)',
  },
  {
    from: 'metricImage.tag',
    to: 'metrics.image.tag',
    note: 'upstream ignored it and ran `:latest`; with metrics on, `latest` is written: pin a tag you have checked',
  },
  { from: 'imagePullSecrets', to: 'imagePullSecrets', note: 'plain names become `{name: ...}`' },
  { from: 'nameOverride', to: 'nameOverride', note: 'as is' },
  { from: 'fullnameOverride', to: 'fullnameOverride', note: 'as is' },
  { from: 'podAnnotations', to: 'vineyardd.podAnnotations', note: 'as is' },
  { from: 'service.type', to: 'rpc.service.type', note: 'ClusterIP, NodePort or LoadBalancer' },
  { from: 'service.port', to: 'rpc.service.port', note: 'as is' },
  {
    from: 'resources',
    to: 'vineyardd.resources',
    note: "the upstream default `{}` keeps this chart's; a memory limit not above the shared memory is raised to it plus 512Mi",
  },
  {
    from: 'nodeSelector',
    to: 'vineyardd.nodeSelector',
    note: 'as is (etcd has its own, `etcd.nodeSelector`)',
  },
  { from: 'affinity', to: 'vineyardd.affinity', note: 'as is' },
  {
    from: 'vineyard.sharedMemorySize',
    to: 'vineyardd.sharedMemorySize',
    note: "in the binary form vineyardd read it as (`8G` becomes `8Gi`); empty (the container's memory) becomes this chart's `256Mi`",
  },
  {
    from: 'vineyard.volumeType',
    to: 'vineyardd.socket.volumeType',
    note: '`hostPath` or `persistentVolumeClaim` (this chart adds `emptyDir`)',
  },
  {
    from: 'vineyard.size',
    to: 'vineyardd.socket.persistentVolumeClaim.size',
    note: 'with `persistentVolumeClaim` only',
  },
  {
    from: 'vineyard.syncCRDs',
    to: null,
    note: "removed: it needs the vineyard operator's CRDs, RBAC and pod identity, which neither chart installs",
  },
  {
    from: 'vineyard.persistVolumeClaimName',
    to: null,
    note: 'the created claim is now `<fullname>-socket`; the upstream claim goes with the upstream release (`existingClaim` names a claim you keep yourself)',
  },
  {
    from: 'vineyard.accessModes',
    to: 'vineyardd.socket.persistentVolumeClaim.accessModes',
    note: 'with `persistentVolumeClaim` only; ReadWriteOnce lets only one node mount it',
  },
  {
    from: 'vineyard.storageClass',
    to: 'vineyardd.socket.persistentVolumeClaim.storageClass',
    note: 'with `persistentVolumeClaim` only',
  },
  {
    from: 'vineyard.hostPath',
    to: 'vineyardd.socket.hostPath',
    note: 'the same host directory and socket file (`<hostPath>/vineyard.sock`)',
  },
  {
    from: 'vineyard.metrics',
    to: 'metrics.enabled',
    note: 'with `metrics.image.tag` (see metricImage.tag)',
  },
  {
    from: 'serviceAccountName',
    to: 'serviceAccount.name',
    note: 'with `serviceAccount.create: false` (the account exists already)',
  },
  {
    from: 'tolerations',
    to: 'vineyardd.tolerations',
    note: 'a list; the upstream default `{}` means none',
  },
  {
    from: 'env',
    to: 'vineyardd.env',
    note: 'a list; a mapping `NAME: value` becomes `{name, value}` entries',
  },
];

export function migrationTableMarkdown(): string {
  const rows = ['| upstream 0.8.x | this chart | notes |', '|---|---|---|'];
  for (const r of MIGRATION_TABLE)
    rows.push(`| \`${r.from}\` | ${r.to ? `\`${r.to}\`` : '—'} | ${r.note.replace(/\|/g, '\\|')} |`);
  return rows.join('\n');
}
