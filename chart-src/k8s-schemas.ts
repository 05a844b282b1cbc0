/**
 * The Kubernetes shapes the charts' values use: each one's TypeScript type is a kubernetes-models
 * interface and its schema is derived from the same declaration (src/model/k8s.ts). What the chart asks
 * beyond the Kubernetes API (an image on every extra container, a name on every pull secret) is stated
 * here, in both the type and the schema.
 */

import type { IAffinity } from 'kubernetes-models/v1/Affinity';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { ILocalObjectReference } from 'kubernetes-models/v1/LocalObjectReference';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IResourceRequirements } from 'kubernetes-models/v1/ResourceRequirements';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { IToleration } from 'kubernetes-models/v1/Toleration';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { kubernetes, listOf, mapOf, quantity as quantityShape, refine, string } from '../src/model/k8s.ts';

export type {
  IAffinity,
  IContainer,
  IEnvVar,
  ILocalObjectReference,
  IPodSecurityContext,
  IResourceRequirements,
  ISecurityContext,
  IToleration,
  IVolume,
};

/** Labels, annotations, node selectors. */
export const labelMap = mapOf(string);
export const quantity = quantityShape();
export const resources = kubernetes<IResourceRequirements>('v1/ResourceRequirements');
export const tolerations = listOf(kubernetes<IToleration>('v1/Toleration'));
export const affinity = kubernetes<IAffinity>('v1/Affinity');
export const securityContext = kubernetes<ISecurityContext>('v1/SecurityContext');
export const podSecurityContext = kubernetes<IPodSecurityContext>('v1/PodSecurityContext');
export const envVars = listOf(kubernetes<IEnvVar>('v1/EnvVar'));
export const volumes = listOf(kubernetes<IVolume>('v1/Volume'));

/** A reference to a Secret in the release's namespace; the name is what it is for. */
export type NamedReference = ILocalObjectReference & { name: string };
export const localObjectReferences = listOf(
  refine<ILocalObjectReference, NamedReference>(kubernetes('v1/LocalObjectReference'), {
    required: ['name'],
    properties: { name: { minLength: 1 } },
  }),
);

/** A container the chart adds to a pod: a DNS-label name and an image, which pods require. */
export type PodContainer = IContainer & { image: string };
export const containers = listOf(
  refine<IContainer, PodContainer>(kubernetes('v1/Container'), {
    required: ['name', 'image'],
    properties: {
      name: { pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
      image: { minLength: 1 },
    },
  }),
);
