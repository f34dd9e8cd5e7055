// kubectl's rollout status viewers (kubectl/pkg/polymorphichelpers/rollout_status.go): one message per
// observation of a deployment, daemon set or stateful set, and whether the rollout is done.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { CliError } from '../errors.js';

export interface RolloutStatus {
  message: string;
  done: boolean;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function parts(obj: KubeObject): { spec: Record<string, unknown>; status: Record<string, unknown>; generation: number } {
  return { spec: isRecord(obj.spec) ? obj.spec : {}, status: isRecord(obj.status) ? obj.status : {}, generation: obj.metadata.generation ?? 0 };
}

function strategyType(spec: Record<string, unknown>): string {
  return isRecord(spec.updateStrategy) && typeof spec.updateStrategy.type === 'string' ? spec.updateStrategy.type : 'RollingUpdate';
}

export function deploymentStatus(d: KubeObject, revision: number): RolloutStatus {
  const name = d.metadata.name ?? '';
  const { spec, status, generation } = parts(d);
  if (revision > 0) {
    const running = Number(d.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '0');
    if (running !== revision) throw new CliError(`desired revision (${revision}) is different from the running revision (${running})`);
  }
  if (generation > num(status.observedGeneration)) return { message: 'Waiting for deployment spec update to be observed...\n', done: false };
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isRecord) : [];
  const progressing = conditions.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') throw new CliError(`deployment ${JSON.stringify(name)} exceeded its progress deadline`);
  const updated = num(status.updatedReplicas);
  const replicas = num(status.replicas);
  const available = num(status.availableReplicas);
  const q = JSON.stringify(name);
  if (typeof spec.replicas === 'number' && updated < spec.replicas) {
    return { message: `Waiting for deployment ${q} rollout to finish: ${updated} out of ${spec.replicas} new replicas have been updated...\n`, done: false };
  }
  if (replicas > updated) return { message: `Waiting for deployment ${q} rollout to finish: ${replicas - updated} old replicas are pending termination...\n`, done: false };
  if (available < updated) return { message: `Waiting for deployment ${q} rollout to finish: ${available} of ${updated} updated replicas are available...\n`, done: false };
  return { message: `deployment ${q} successfully rolled out\n`, done: true };
}

export function daemonSetStatus(ds: KubeObject): RolloutStatus {
  const { spec, status, generation } = parts(ds);
  if (strategyType(spec) !== 'RollingUpdate') throw new CliError('rollout status is only available for RollingUpdate strategy type');
  if (generation > num(status.observedGeneration)) return { message: 'Waiting for daemon set spec update to be observed...\n', done: false };
  const q = JSON.stringify(ds.metadata.name ?? '');
  const desired = num(status.desiredNumberScheduled);
  if (num(status.updatedNumberScheduled) < desired) {
    return { message: `Waiting for daemon set ${q} rollout to finish: ${num(status.updatedNumberScheduled)} out of ${desired} new pods have been updated...\n`, done: false };
  }
  if (num(status.numberAvailable) < desired) return { message: `Waiting for daemon set ${q} rollout to finish: ${num(status.numberAvailable)} of ${desired} updated pods are available...\n`, done: false };
  return { message: `daemon set ${q} successfully rolled out\n`, done: true };
}

export function statefulSetStatus(sts: KubeObject): RolloutStatus {
  const { spec, status, generation } = parts(sts);
  if (strategyType(spec) !== 'RollingUpdate') throw new CliError('rollout status is only available for RollingUpdate strategy type');
  if (num(status.observedGeneration) === 0 || generation > num(status.observedGeneration)) return { message: 'Waiting for statefulset spec update to be observed...\n', done: false };
  if (typeof spec.replicas === 'number' && num(status.readyReplicas) < spec.replicas) {
    return { message: `Waiting for ${spec.replicas - num(status.readyReplicas)} pods to be ready...\n`, done: false };
  }
  const update = typeof status.updateRevision === 'string' ? status.updateRevision : '';
  const current = typeof status.currentRevision === 'string' ? status.currentRevision : '';
  if (update !== current) return { message: `waiting for statefulset rolling update to complete ${num(status.updatedReplicas)} pods at revision ${update}...\n`, done: false };
  return { message: `statefulset rolling update complete ${num(status.currentReplicas)} pods at revision ${current}...\n`, done: true };
}

/** The viewer for a group/kind, or undefined when kubectl has none. */
export function statusViewer(group: string, kind: string): ((obj: KubeObject, revision: number) => RolloutStatus) | undefined {
  if (group !== 'apps') return undefined;
  if (kind === 'Deployment') return deploymentStatus;
  if (kind === 'DaemonSet') return (o) => daemonSetStatus(o);
  if (kind === 'StatefulSet') return (o) => statefulSetStatus(o);
  return undefined;
}
