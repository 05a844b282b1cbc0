/**
 * `deploy` / `undeploy` without helm: render for the given values, server-side apply into the given
 * namespace, optionally wait for the workloads with one bounded deadline, and delete exactly what was
 * applied. What upstream's `start_vineyardd()` / `delete_kubernetes_objects()` did, minus their bugs
 * (namespace ignored, Service selecting no pod, no wait).
 *
 * Sequence, chosen so that a failure at any step never leaves an applied object unrecorded:
 *   1. read the previous record; 2. record previous ∪ new; 3. apply the objects; 4. delete objects only
 *   the previous deployment had; 5. record exactly the new set; 6. wait (if asked).
 */
import { UsageError } from '../../errors.ts';
import { type KubectlConnection, kubectlOk } from './kubectl.ts';
import {
  checkServiceSelectors,
  deletionOrder,
  FIELD_MANAGER,
  type K8sObject,
  type ObjectRef,
  parseRecord,
  recordConfigMap,
  recordName,
  refLabel,
  refOf,
  refsMinus,
  refsUnion,
  stubOf,
  toYamlStream,
  WAITABLE_KINDS,
} from './objects.ts';

export type RenderFn = (opts: {
  valuesFiles: string[];
  set: string[];
  release: string;
  namespace: string;
}) => Promise<{
  documents: { object: K8sObject }[];
}>;

/** One kubectl call: argv after the global flags, and its stdin. */
export interface KubectlStep {
  args: string[];
  stdin: string;
}

/** Executes steps (real kubectl) or only records them (dry run). `get` output drives the flow. */
export interface StepRunner {
  run(step: KubectlStep, timeoutMs?: number): Promise<string>;
}

export function kubectlRunner(conn: KubectlConnection): StepRunner {
  return { run: (step, timeoutMs) => kubectlOk(conn, step.args, step.stdin, timeoutMs) };
}

/** Records the plan; reads answer "nothing there", so a dry run shows a first install. */
export function planRunner(steps: KubectlStep[]): StepRunner {
  return {
    async run(step) {
      steps.push(step);
      return '';
    },
  };
}

export interface DeployOptions {
  valuesFiles: string[];
  set: string[];
  release: string;
  namespace: string;
  wait: boolean;
  timeoutSeconds: number;
  createNamespace: boolean;
  forceConflicts: boolean;
  render: RenderFn;
  runner: StepRunner;
  log?: (line: string) => void;
}

export interface DeployResult {
  release: string;
  namespace: string;
  applied: ObjectRef[];
  pruned: ObjectRef[];
  waitedFor: string[];
}

/** "300s", "5m", "1h", "90" → seconds. */
export function parseTimeout(text: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(text.trim());
  if (!m || Number(m[1]) === 0)
    throw new UsageError(`--timeout: expected a duration like 300s, 5m or 1h, got "${text}"`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 's' | 'm' | 'h'];
}

const getRecordStep = (release: string, namespace: string): KubectlStep => ({
  args: ['get', 'configmap', recordName(release), '-n', namespace, '-o', 'json', '--ignore-not-found'],
  stdin: '',
});

function applyStep(namespace: string, objects: K8sObject[], forceConflicts: boolean): KubectlStep {
  return {
    args: [
      'apply',
      '--server-side',
      '--field-manager',
      FIELD_MANAGER,
      ...(forceConflicts ? ['--force-conflicts'] : []),
      '-n',
      namespace,
      '-f',
      '-',
    ],
    stdin: toYamlStream(objects),
  };
}

function deleteStep(namespace: string, refs: ObjectRef[], timeoutSeconds: number): KubectlStep {
  return {
    args: [
      'delete',
      '--ignore-not-found',
      '--wait=true',
      `--timeout=${timeoutSeconds}s`,
      '-n',
      namespace,
      '-f',
      '-',
    ],
    stdin: toYamlStream(deletionOrder(refs).map(stubOf)),
  };
}

export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const log = opts.log ?? (() => {});
  const { release, namespace, runner } = opts;
  const deadline = Date.now() + opts.timeoutSeconds * 1000;
  const rendered = await opts.render({ valuesFiles: opts.valuesFiles, set: opts.set, release, namespace });
  const objects = rendered.documents.map((d) => d.object);
  checkServiceSelectors(objects);
  const refs = objects.map((o) => refOf(o, namespace));

  if (opts.createNamespace) {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } };
    await runner.run({
      args: ['apply', '--server-side', '--field-manager', FIELD_MANAGER, '-f', '-'],
      stdin: toYamlStream([ns]),
    });
  }
  const previous =
    parseRecord(
      await runner.run(getRecordStep(release, namespace)),
      `ConfigMap ${recordName(release)} -n ${namespace}`,
    ) ?? [];
  const record = (list: ObjectRef[]) =>
    applyStep(namespace, [recordConfigMap(release, namespace, list)], true);

  await runner.run(record(refsUnion(previous, refs)));
  log(
    `applying ${refs.length} objects to namespace ${namespace} (server-side apply, field manager ${FIELD_MANAGER})`,
  );
  await runner.run(applyStep(namespace, objects, opts.forceConflicts));
  const stale = refsMinus(previous, refs);
  if (stale.length > 0) {
    log(`deleting ${stale.length} objects the previous deployment had: ${stale.map(refLabel).join(', ')}`);
    await runner.run(deleteStep(namespace, stale, opts.timeoutSeconds));
  }
  await runner.run(record(refs));

  const waitedFor: string[] = [];
  if (opts.wait) {
    for (const ref of refs.filter((r) => (WAITABLE_KINDS as readonly string[]).includes(r.kind))) {
      const left = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
      const target = `${ref.kind.toLowerCase()}/${ref.name}`;
      log(`waiting for ${target} (up to ${left}s)`);
      await runner.run(
        { args: ['rollout', 'status', target, '-n', namespace, `--timeout=${left}s`], stdin: '' },
        (left + 15) * 1000,
      );
      waitedFor.push(target);
    }
  }
  return { release, namespace, applied: refs, pruned: stale, waitedFor };
}

export interface UndeployOptions {
  release: string;
  namespace: string;
  timeoutSeconds: number;
  runner: StepRunner;
  /** Dry runs cannot read the record; they show the steps with this list (or none). */
  log?: (line: string) => void;
}

export interface UndeployResult {
  release: string;
  namespace: string;
  deleted: ObjectRef[];
  found: boolean;
}

export async function undeploy(opts: UndeployOptions): Promise<UndeployResult> {
  const { release, namespace, runner } = opts;
  const where = `ConfigMap ${recordName(release)} -n ${namespace}`;
  const refs = parseRecord(await runner.run(getRecordStep(release, namespace)), where);
  if (refs === undefined) return { release, namespace, deleted: [], found: false };
  opts.log?.(`deleting ${refs.length} objects recorded in ${where}`);
  if (refs.length > 0) {
    await runner.run(deleteStep(namespace, refs, opts.timeoutSeconds), (opts.timeoutSeconds + 15) * 1000);
  }
  await runner.run({
    args: ['delete', 'configmap', recordName(release), '-n', namespace, '--ignore-not-found'],
    stdin: '',
  });
  return { release, namespace, deleted: refs, found: true };
}
