// Objects keyed by client data. A key such as "__proto__", "constructor" or "prototype" is a plain own key
// here: writing it never reaches a prototype, and reading it never sees an inherited property.

export type Dict = Record<string, unknown>;

/** Keys that mean something to JavaScript objects beyond their own data. */
export function isPrototypeKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

/** `obj[key] = value` as an own data property, even for "__proto__" (which assignment would treat as the prototype). */
export function setOwn<T>(obj: Record<string, T>, key: string, value: NoInfer<T>): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/** `obj[key]` if `obj` has that key of its own, else undefined (never an inherited member such as `constructor`). */
export function getOwn<T>(obj: Readonly<Record<string, T>> | undefined | null, key: string): T | undefined {
  return obj !== undefined && obj !== null && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** A new dictionary holding the given entries as own keys. */
export function fromEntriesOwn<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  // Object.fromEntries defines properties (it does not assign), so "__proto__" stays an own key.
  return Object.fromEntries(entries) as Record<string, T>;
}
