// `rollout undo (TYPE NAME | TYPE/NAME) [--to-revision=N]`: put the pod template of an earlier revision's
// ReplicaSet back into the Deployment with a JSON patch (kubectl/pkg/polymorphichelpers/rollback.go).
import { setOwn } from '../../api/own.js';
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { dryRunFlag, dryRunOf, filenameFlags, selectorFlag } from '../flag-sets.js';
import { operationLine } from '../output.js';
import { deploymentRevisions } from './rollout-revisions.js';
import { resolveTargets, targetPath } from './targets.js';

const hashLabel = 'pod-template-hash';
/** Deployment annotations a rollback keeps from the Deployment instead of taking from the ReplicaSet. */
const annotationsToSkip = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

function templateOf(obj: KubeObject): Record<string, unknown> {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  return isRecord(spec.template) ? structuredClone(spec.template) : {};
}

function withoutHash(template: Record<string, unknown>): Record<string, unknown> {
  const metadata = isRecord(template.metadata) ? { ...template.metadata } : {};
  if (isRecord(metadata.labels)) {
    const labels = { ...metadata.labels };
    delete labels[hashLabel];
    metadata.labels = labels;
  }
  return { ...template, metadata };
}

/** JSON of a value with object keys sorted, so equal templates compare equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isRecord(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

export interface RollbackPlan {
  toRevision: number;
  /** Undefined when the Deployment already runs that template. */
  patch?: unknown[];
}

export function planRollback(deployment: KubeObject, history: Map<number, KubeObject>, toRevision: number): RollbackPlan {
  const name = deployment.metadata.name ?? '';
  if (isRecord(deployment.spec) && deployment.spec.paused === true) {
    throw new CliError(`you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/${name}' and try again`);
  }
  let revision = toRevision;
  if (revision === 0) {
    const revisions = [...history.keys()];
    if (revisions.length <= 1) throw new CliError(`no rollout history found for deployment ${JSON.stringify(name)}`);
    revision = revisions[revisions.length - 2] ?? 0;
  }
  const rs = history.get(revision);
  if (!rs) throw new CliError(`unable to find specified revision ${revision} in history`);
  const template = withoutHash(templateOf(rs));
  if (canonical(template) === canonical(withoutHash(templateOf(deployment)))) return { toRevision: revision };
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(deployment.metadata.annotations ?? {})) if (annotationsToSkip.has(k)) setOwn(annotations, k, v);
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!annotationsToSkip.has(k)) setOwn(annotations, k, v);
  return {
    toRevision: revision,
    patch: [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ],
  };
}

export const command: Command = {
  name: 'undo',
  short: 'Put a workload back to an earlier revision',
  long: 'Put a workload back to an earlier recorded revision.',
  examples: [
    '  # Put Deployment "api" back to the revision before the current one',
    '  a-kubectl rollout undo deployment/api',
    '  ',
    '  # Go back to revision 4 (see rollout history for the numbers)',
    '  a-kubectl rollout undo deployment/api --to-revision=4',
    '  ',
    '  # Show what the rollback would change without doing it',
    '  a-kubectl rollout undo deployment/api --dry-run=server -o yaml',
  ].join('\n'),
  usage: 'rollout undo (TYPE NAME | TYPE/NAME) [flags] [options]',
  flags: [...filenameFlags('with the objects to act on'), selectorFlag, dryRunFlag, { name: 'to-revision', kind: 'int', usage: 'Revision to go back to; 0 (default) means the one before the current.' }],
  async run(ctx, args) {
    const f = args.flags;
    const dryRun = dryRunOf(f, ctx.io.stderr);
    const targets = await resolveTargets(ctx, f, args.positionals, 'undo', { selectorAllowed: true });
    const client = await ctx.factory.client();
    const signal = ctx.factory.signal;
    for (const t of targets) {
      if (t.mapping.group !== 'apps' || t.mapping.kind !== 'Deployment') throw new CliError(`no rollbacker has been implemented for ${t.mapping.group ? `${t.mapping.kind}.${t.mapping.group}` : t.mapping.kind}`);
      const deployment = await client.get(targetPath(t), { signal });
      const plan = planRollback(deployment, await deploymentRevisions(client, deployment, signal), f.int('to-revision'));
      if (!plan.patch) {
        ctx.io.stdout.write(operationLine(t.typeName, t.name, `skipped rollback (current template already matches revision ${plan.toRevision})`, dryRun));
        continue;
      }
      if (dryRun !== 'client') {
        await client.patch(targetPath(t), plan.patch, 'json', { query: { dryRun: dryRun === 'server' ? 'All' : undefined }, signal });
      }
      ctx.io.stdout.write(operationLine(t.typeName, t.name, 'rolled back', dryRun));
    }
  },
};
