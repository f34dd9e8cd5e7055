// The nesting limit for decoded client data. Every recursive walker over objects (patches, schema checks,
// deep copies, printers) stays far below the stack's limit when no value is deeper than this, so the
// depth is checked once, where a body is decoded, and again on what a patch produces.
// kube-apiserver's decoder allows 10,000 levels; a-kube allows 1,000 (API objects use a few dozen).

export const maxJsonDepth = 1000;

/** Go's encoding/json error text for a document nested too deeply. */
export const exceededMaxDepth = 'exceeded max depth';

/** Whether `value` nests objects/arrays more than `limit` levels deep. Iterative: safe for any input. */
export function exceedsDepth(value: unknown, limit = maxJsonDepth): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const c of children) if (typeof c === 'object' && c !== null) stack.push([c, depth + 1]);
  }
  return false;
}
