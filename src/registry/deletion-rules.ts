// Deletion rules the store applies: finalizers for propagation policies, namespaces' spec.finalizers.
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { deepEqual } from '../api/deep-equal.js';
import type { DeleteOptions } from './store-types.js';

export function copyOrDelete<K extends 'deletionTimestamp' | 'deletionGracePeriodSeconds'>(to: KubeObject['metadata'], from: KubeObject['metadata'], k: K): void {
  if (from[k] === undefined) delete to[k];
  else to[k] = from[k];
}

export function goQuotedList(items: string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** A namespace waits for its spec.finalizers (the namespace controller) before it is removed. */
export function hasSpecFinalizers(obj: KubeObject, r: ResourceInfo): boolean {
  if (r.group !== '' || r.resource !== 'namespaces') return false;
  const spec = isRecord(obj['spec']) ? obj['spec'] : {};
  const f = spec['finalizers'];
  return Array.isArray(f) && f.length > 0;
}

/** Orphan/Foreground propagation as finalizers (k8s deletionFinalizersForGarbageCollection). */
export function applyPropagationFinalizers(meta: KubeObject['metadata'], opts: DeleteOptions): boolean {
  let orphan: boolean | undefined;
  let foreground: boolean | undefined;
  if (opts.propagationPolicy === 'Orphan' || opts.orphanDependents === true) [orphan, foreground] = [true, false];
  else if (opts.propagationPolicy === 'Foreground') [orphan, foreground] = [false, true];
  else if (opts.propagationPolicy === 'Background' || opts.orphanDependents === false) [orphan, foreground] = [false, false];
  if (orphan === undefined) return false;
  const before = meta.finalizers ?? [];
  let after = before.filter((f) => (f !== 'orphan' || orphan) && (f !== 'foregroundDeletion' || foreground));
  if (orphan && !after.includes('orphan')) after = [...after, 'orphan'];
  if (foreground && !after.includes('foregroundDeletion')) after = [...after, 'foregroundDeletion'];
  if (deepEqual(before, after)) return false;
  if (after.length > 0) meta.finalizers = after;
  else delete meta.finalizers;
  return true;
}
