// `rollout pause|resume|restart`: a strategic merge patch per object, computed from its current state
// (kubectl/pkg/polymorphichelpers objectpauser.go, objectresumer.go, objectrestarter.go).
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { pluralQualified } from '../../client/rest-mapper.js';
import type { ParsedCommandLine } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { errorText, ExitError } from '../errors.js';
import { fieldManagerFlag, filenameFlags, selectorFlag } from '../flag-sets.js';
import { operationLine } from '../output.js';
import { resolveTargets, targetPath, type Target } from './targets.js';

/** The patch for one object, or the reason it cannot be made (printed as kubectl's `error: <type> "<name>" <reason>`). */
export type PatchFor = (t: Target, obj: KubeObject, now: Date) => { patch: Record<string, unknown> } | { error: string };

export const rolloutPatchFlags: Command['flags'] = [...filenameFlags('with the objects to act on'), selectorFlag, fieldManagerFlag('kubectl-rollout')];

function spec(obj: KubeObject): Record<string, unknown> {
  return isRecord(obj.spec) ? obj.spec : {};
}

const isDeployment = (t: Target) => t.mapping.group === 'apps' && t.mapping.kind === 'Deployment';

export const pausePatch: PatchFor = (t, obj) => {
  if (!isDeployment(t)) return { error: `pausing is not supported` };
  if (spec(obj).paused === true) return { error: 'is already paused' };
  return { patch: { spec: { paused: true } } };
};

export const resumePatch: PatchFor = (t, obj) => {
  if (!isDeployment(t)) return { error: `resuming is not supported` };
  if (spec(obj).paused !== true) return { error: 'is not paused' };
  return { patch: { spec: { paused: null } } };
};

const restartable = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);

export const restartPatch: PatchFor = (t, obj, now) => {
  if (t.mapping.group !== 'apps' || !restartable.has(t.mapping.kind)) return { error: `restarting is not supported` };
  if (spec(obj).paused === true) return { error: "can't restart paused deployment (run rollout resume first)" };
  const restartedAt = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { patch: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } } } };
};

export async function runRolloutPatch(ctx: CommandContext, args: ParsedCommandLine, verb: string, patchFor: PatchFor, done: string): Promise<void> {
  const f = args.flags;
  const targets = await resolveTargets(ctx, f, args.positionals, verb, { selectorAllowed: true });
  const client = await ctx.factory.client();
  const signal = ctx.factory.signal;
  let failed = false;
  for (const t of targets) {
    const obj = await client.get(targetPath(t), { signal });
    const result = patchFor(t, obj, ctx.factory.now());
    if ('error' in result) {
      ctx.io.stderr.write(`error: ${pluralQualified(t.mapping)} ${JSON.stringify(t.name)} ${result.error}\n`);
      failed = true;
      continue;
    }
    try {
      await client.patch(targetPath(t), result.patch, 'strategic', { query: { fieldManager: f.string('field-manager') }, signal });
    } catch (e) {
      ctx.io.stderr.write(`${errorText(e)}\n`);
      failed = true;
      continue;
    }
    ctx.io.stdout.write(operationLine(t.typeName, t.name, done));
  }
  if (failed) throw new ExitError(1);
}
