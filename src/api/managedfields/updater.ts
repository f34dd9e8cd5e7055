// Ownership bookkeeping for one write, over manager identities → field sets (one apiVersion per resource here,
// so no conversion between versions):
// - update: the writer takes every field it changed, from whoever held it; removed fields leave every set.
// - apply: the configuration is merged into the live object; fields the applier applied last time and no longer
//   applies are removed unless someone else owns them; fields another manager owns whose value the apply
//   changes are conflicts, unless forced (then they change hands).
import { deepEqual } from '../deep-equal.js';
import type { Path } from './path.js';
import type { Managed, VersionedSet } from './managed.js';
import { FieldSet } from './set.js';
import type { TypeNode } from './schema.js';
import { compare, merge, removeItems, toFieldSet, type Comparison } from './typed.js';

export interface Conflict {
  managerKey: string;
  path: Path;
}

/** An apply that would change fields other managers own. */
export class ConflictsError extends Error {
  override readonly name = 'ConflictsError';
  constructor(readonly conflicts: Conflict[]) {
    super(`${conflicts.length} conflict(s)`);
  }
}

export interface UpdaterContext {
  type: TypeNode;
  apiVersion: string;
  /** Fields this endpoint resets (status on the main resource, everything but status on /status). */
  ignored?: FieldSet;
}

function filtered(c: Comparison, ignored: FieldSet | undefined): Comparison {
  if (!ignored) return c;
  return { added: c.added.recursiveDifference(ignored), modified: c.modified.recursiveDifference(ignored), removed: c.removed.recursiveDifference(ignored) };
}

function core(ctx: UpdaterContext, live: unknown, next: unknown, managed: Managed, workflow: string, force: boolean): Comparison {
  const c = filtered(compare(live, next, ctx.type), ctx.ignored);
  const changed = c.modified.union(c.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [key, vs] of managed.fields) {
    if (key === workflow) continue;
    const hit = vs.set.intersection(changed);
    if (!hit.isEmpty()) conflicts.set(key, hit);
  }
  if (!force && conflicts.size > 0) {
    const list: Conflict[] = [];
    for (const key of [...conflicts.keys()].sort()) for (const path of conflicts.get(key)!.paths()) list.push({ managerKey: key, path });
    throw new ConflictsError(list);
  }
  for (const [key, vs] of managed.fields) {
    if (key === workflow) continue;
    let set = vs.set;
    const lost = conflicts.get(key);
    if (lost) set = set.difference(lost);
    if (!c.removed.isEmpty()) set = set.difference(c.removed);
    if (set.isEmpty()) managed.fields.delete(key);
    else if (set !== vs.set) managed.fields.set(key, { ...vs, set });
  }
  return c;
}

/** A non-apply write by `workflow`: records what it changed. */
export function update(ctx: UpdaterContext, live: unknown, next: unknown, managed: Managed, workflow: string): void {
  const c = core(ctx, live, next, managed, workflow, true);
  const previous = managed.fields.get(workflow)?.set ?? new FieldSet();
  let set = previous.difference(c.removed).union(c.modified).union(c.added);
  if (ctx.ignored) set = set.recursiveDifference(ctx.ignored);
  if (set.isEmpty()) managed.fields.delete(workflow);
  else managed.fields.set(workflow, { set, apiVersion: ctx.apiVersion, applied: false });
}

/**
 * An apply by `workflow`. Returns the new object, or undefined when the apply changes nothing in the object
 * (the managed fields may still change). Throws ConflictsError unless forced.
 */
export function apply(ctx: UpdaterContext, live: unknown, config: unknown, managed: Managed, workflow: string, force: boolean): unknown {
  const merged = merge(live, config, ctx.type);
  const lastSet = managed.fields.get(workflow);
  let set = toFieldSet(config, ctx.type);
  if (ctx.ignored) set = set.recursiveDifference(ctx.ignored);
  managed.fields.set(workflow, { set, apiVersion: ctx.apiVersion, applied: true });
  const next = prune(ctx.type, merged, managed, lastSet);
  core(ctx, live, next, managed, workflow, force);
  if (managed.fields.get(workflow)?.set.isEmpty()) managed.fields.delete(workflow);
  return deepEqual(live, next) ? undefined : next;
}

function named(type: TypeNode, s: FieldSet): FieldSet {
  return s.ensureNamedFieldsAreMembers(type);
}

function orEmpty(v: unknown): unknown {
  return v === undefined ? {} : v;
}

/** Removes what the applier applied last time and not now, unless another manager (or the new configuration) owns it. */
function prune(type: TypeNode, merged: unknown, managed: Managed, lastSet: VersionedSet | undefined): unknown {
  if (!lastSet || lastSet.set.isEmpty()) return merged;
  const last = named(type, lastSet.set);
  let pruned = orEmpty(removeItems(merged, last, type));
  // Add back what any manager (the applier's new set included) owns.
  let owned = new FieldSet();
  for (const vs of managed.fields.values()) owned = owned.union(vs.set);
  const mergedSet = named(type, toFieldSet(merged, type, true));
  const prunedSet = named(type, toFieldSet(pruned, type, true));
  pruned = orEmpty(removeItems(merged, mergedSet.difference(prunedSet.union(named(type, owned))), type));
  // Remove only what the applier itself owned: items nobody owned, or updaters own, stay.
  const keptSet = named(type, toFieldSet(pruned, type, true));
  return orEmpty(removeItems(merged, mergedSet.difference(keptSet).intersection(last), type));
}
