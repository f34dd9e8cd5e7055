// Key-ordering helpers shared by the backends and the watch cache.
// Keys are compared as JS strings (UTF-16 code units); for the ASCII keys Kubernetes uses this equals SQLite's byte order.
import type { StoreEvent } from './types.js';

/** The smallest string greater than every string that starts with prefix; undefined for the empty prefix. */
export function prefixEnd(prefix: string): string | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const code = prefix.charCodeAt(i);
    if (code < 0xffff) return prefix.slice(0, i) + String.fromCharCode(code + 1);
  }
  return undefined;
}

/** Index of the first element >= key in a sorted array. */
export function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element > key in a sorted array. */
export function upperBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function eventKey(ev: StoreEvent): string {
  return ev.type === 'put' ? ev.kv.key : ev.key;
}

export function eventRevision(ev: StoreEvent): number {
  return ev.type === 'put' ? ev.kv.modRevision : ev.revision;
}
