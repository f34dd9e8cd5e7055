// The simple JSON paths CRDs use for printer columns, selectable fields and the scale subresource:
// `.spec.replicas`, `.metadata.labels['app.kubernetes.io/name']`, `.spec.items[0].name`.

export type PathStep = string | number;

const stepRe = /^(?:\.([A-Za-z0-9_$-]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\])/;

/** The steps of a simple path, or undefined when it is not one. */
export function parseSimpleJsonPath(path: string): PathStep[] | undefined {
  if (!path.startsWith('.') || path.length > 1024) return undefined;
  const steps: PathStep[] = [];
  let rest = path;
  while (rest.length > 0) {
    const m = stepRe.exec(rest);
    if (!m) return undefined;
    if (m[1] !== undefined) steps.push(m[1]);
    else if (m[2] !== undefined) steps.push(Number(m[2]));
    else steps.push(m[3] ?? m[4] ?? '');
    rest = rest.slice(m[0].length);
  }
  return steps.length > 0 ? steps : undefined;
}

/** Why a path is refused, or undefined when it is a simple JSON path. */
export function simpleJsonPathError(path: string): string | undefined {
  return parseSimpleJsonPath(path) ? undefined : 'must be a simple json path';
}

/** The value at the path (own keys only), undefined when absent. */
export function valueAt(obj: unknown, steps: readonly PathStep[]): unknown {
  let node: unknown = obj;
  for (const s of steps) {
    if (typeof s === 'number') node = Array.isArray(node) ? node[s] : undefined;
    else node = node !== null && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, s) ? (node as Record<string, unknown>)[s] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Sets the value at the path, creating objects on the way; false when an array step or a non-object is in the way. */
export function setValueAt(obj: Record<string, unknown>, steps: readonly PathStep[], value: unknown): boolean {
  let node: Record<string, unknown> = obj;
  for (let i = 0; i < steps.length - 1; i++) {
    const s = steps[i];
    if (typeof s !== 'string') return false;
    let next = Object.hasOwn(node, s) ? node[s] : undefined;
    if (next === undefined || next === null) {
      next = {};
      Object.defineProperty(node, s, { value: next, writable: true, enumerable: true, configurable: true });
    }
    if (typeof next !== 'object' || Array.isArray(next)) return false;
    node = next as Record<string, unknown>;
  }
  const last = steps[steps.length - 1];
  if (typeof last !== 'string') return false;
  Object.defineProperty(node, last, { value, writable: true, enumerable: true, configurable: true });
  return true;
}
