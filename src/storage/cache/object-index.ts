// The cache's current objects: a map for lookups plus a sorted key array for ordered, paginated lists.
// Inserting a new key costs a binary search and an array splice (a memmove), cheap at 10^4–10^5 keys.
import type { KubeObject } from '../../api/object.js';
import { lowerBound, prefixEnd, upperBound } from '../keys.js';

export interface IndexPage {
  items: Readonly<KubeObject>[];
  nextAfterKey?: string;
  remainingItemCount?: number;
}

export class ObjectIndex {
  #objects = new Map<string, Readonly<KubeObject>>();
  #keys: string[] = [];

  get size(): number {
    return this.#keys.length;
  }

  get(key: string): Readonly<KubeObject> | undefined {
    return this.#objects.get(key);
  }

  set(key: string, obj: Readonly<KubeObject>): void {
    if (!this.#objects.has(key)) this.#keys.splice(lowerBound(this.#keys, key), 0, key);
    this.#objects.set(key, obj);
  }

  delete(key: string): void {
    if (!this.#objects.delete(key)) return;
    const at = lowerBound(this.#keys, key);
    if (this.#keys[at] === key) this.#keys.splice(at, 1);
  }

  /** Replaces the whole content (after a list). */
  reset(entries: Iterable<[string, Readonly<KubeObject>]>): void {
    this.#objects = new Map(entries);
    this.#keys = [...this.#objects.keys()].sort();
  }

  page(prefix: string, afterKey: string | undefined, limit: number | undefined, filter?: (obj: Readonly<KubeObject>) => boolean): IndexPage {
    const keys = this.#keys;
    const start = afterKey !== undefined && afterKey >= prefix ? upperBound(keys, afterKey) : lowerBound(keys, prefix);
    const endKey = prefixEnd(prefix);
    const end = endKey === undefined ? keys.length : lowerBound(keys, endKey);
    const max = limit && limit > 0 ? limit : Infinity;
    const items: Readonly<KubeObject>[] = [];
    let lastIndex = -1;
    for (let i = start; i < end; i++) {
      const obj = this.#objects.get(keys[i] as string) as Readonly<KubeObject>;
      if (filter && !filter(obj)) continue;
      if (items.length >= max) {
        const nextAfterKey = keys[lastIndex] as string;
        return filter ? { items, nextAfterKey } : { items, nextAfterKey, remainingItemCount: end - lastIndex - 1 };
      }
      items.push(obj);
      lastIndex = i;
    }
    return { items };
  }
}
