/**
 * Deprecated and removed built-in API versions, from the Kubernetes deprecation guide; where real helm
 * knows the API (k8s.io/api lifecycle markers) the numbers match what `helm lint` prints, which
 * test/lint/apilifecycle.test.ts checks. Only removals from 1.16 on are listed. `removed` is the
 * first minor release that no longer serves the version; `null` means deprecated but still served.
 */

export interface ApiLifecycle {
  apiVersion: string;
  kinds: string[];
  deprecated: number;
  removed: number | null;
  replacement: string;
}

const L = (
  apiVersion: string,
  kinds: string[],
  deprecated: number,
  removed: number | null,
  replacement: string,
) => ({
  apiVersion,
  kinds,
  deprecated,
  removed,
  replacement,
});

export const API_LIFECYCLE: ApiLifecycle[] = [
  L('extensions/v1beta1', ['Deployment', 'DaemonSet', 'ReplicaSet'], 8, 16, 'apps/v1'),
  L('extensions/v1beta1', ['NetworkPolicy'], 9, 16, 'networking.k8s.io/v1'),
  L('extensions/v1beta1', ['PodSecurityPolicy'], 11, 16, 'policy/v1beta1 (itself removed in 1.25)'),
  L('apps/v1beta1', ['Deployment', 'StatefulSet'], 8, 16, 'apps/v1'),
  L('apps/v1beta2', ['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet'], 9, 16, 'apps/v1'),
  L('extensions/v1beta1', ['Ingress'], 14, 22, 'networking.k8s.io/v1'),
  L('networking.k8s.io/v1beta1', ['Ingress', 'IngressClass'], 19, 22, 'networking.k8s.io/v1'),
  L(
    'admissionregistration.k8s.io/v1beta1',
    ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
    16,
    22,
    'admissionregistration.k8s.io/v1',
  ),
  L('apiextensions.k8s.io/v1beta1', ['CustomResourceDefinition'], 16, 22, 'apiextensions.k8s.io/v1'),
  L('apiregistration.k8s.io/v1beta1', ['APIService'], 19, 22, 'apiregistration.k8s.io/v1'),
  L('authentication.k8s.io/v1beta1', ['TokenReview'], 19, 22, 'authentication.k8s.io/v1'),
  L(
    'authorization.k8s.io/v1beta1',
    ['SubjectAccessReview', 'LocalSubjectAccessReview', 'SelfSubjectAccessReview'],
    19,
    22,
    'authorization.k8s.io/v1',
  ),
  L('certificates.k8s.io/v1beta1', ['CertificateSigningRequest'], 19, 22, 'certificates.k8s.io/v1'),
  L('coordination.k8s.io/v1beta1', ['Lease'], 19, 22, 'coordination.k8s.io/v1'),
  L(
    'rbac.authorization.k8s.io/v1beta1',
    ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
    17,
    22,
    'rbac.authorization.k8s.io/v1',
  ),
  L('scheduling.k8s.io/v1beta1', ['PriorityClass'], 14, 22, 'scheduling.k8s.io/v1'),
  L('storage.k8s.io/v1beta1', ['CSIDriver', 'StorageClass', 'VolumeAttachment'], 19, 22, 'storage.k8s.io/v1'),
  L('storage.k8s.io/v1beta1', ['CSINode'], 17, 22, 'storage.k8s.io/v1'),
  L('batch/v1beta1', ['CronJob'], 21, 25, 'batch/v1'),
  L('discovery.k8s.io/v1beta1', ['EndpointSlice'], 21, 25, 'discovery.k8s.io/v1'),
  L('events.k8s.io/v1beta1', ['Event'], 22, 25, 'events.k8s.io/v1'),
  L('autoscaling/v2beta1', ['HorizontalPodAutoscaler'], 22, 25, 'autoscaling/v2'),
  L('policy/v1beta1', ['PodDisruptionBudget'], 21, 25, 'policy/v1'),
  L('policy/v1beta1', ['PodSecurityPolicy'], 21, 25, 'Pod Security Admission (no replacement object)'),
  L('node.k8s.io/v1beta1', ['RuntimeClass'], 22, 25, 'node.k8s.io/v1'),
  L('autoscaling/v2beta2', ['HorizontalPodAutoscaler'], 23, 26, 'autoscaling/v2'),
  L(
    'flowcontrol.apiserver.k8s.io/v1beta1',
    ['FlowSchema', 'PriorityLevelConfiguration'],
    23,
    26,
    'flowcontrol.apiserver.k8s.io/v1',
  ),
  L('storage.k8s.io/v1beta1', ['CSIStorageCapacity'], 24, 27, 'storage.k8s.io/v1'),
  L(
    'flowcontrol.apiserver.k8s.io/v1beta2',
    ['FlowSchema', 'PriorityLevelConfiguration'],
    26,
    29,
    'flowcontrol.apiserver.k8s.io/v1',
  ),
  L(
    'flowcontrol.apiserver.k8s.io/v1beta3',
    ['FlowSchema', 'PriorityLevelConfiguration'],
    29,
    32,
    'flowcontrol.apiserver.k8s.io/v1',
  ),
];

export function lifecycleOf(apiVersion: string, kind: string): ApiLifecycle | undefined {
  return API_LIFECYCLE.find((l) => l.apiVersion === apiVersion && l.kinds.includes(kind));
}
