// The nesting limit for decoded client data. Every recursive walker over objects (patches, schema checks,
// deep copies, printers) stays far below the stack's limit when no value is deeper than this, so the
// depth is checked once, where a body is decoded, and again on what a patch produces.
// kube-apiserver's decoder allows 10,000 levels; a-kube allows 1,000 (API objects use a few dozen).

export const maxJsonDepth = 1000;

/** Go's encoding/json error text for a document nested too deeply. */
export const exceededMaxDepth = 'exceeded max depth';

/** Whether `value` nests objects/arrays more than `limit` levels deep. Iterative: safe for any input. */
export function exceedsDepth(value: unknown, limit = maxJsonDepth): boolean {
  if (typeof value !== 'object' || value === null) return false;
  // Two parallel stacks (values and their levels) instead of a pair per value: this walks every request body.
  const values: object[] = [value];
  const levels: number[] = [1];
  while (values.length > 0) {
    const v = values.pop()!;
    const level = levels.pop()!;
    if (level > limit) return true;
    if (Array.isArray(v)) {
      for (const c of v) {
        if (typeof c === 'object' && c !== null) {
          values.push(c);
          levels.push(level + 1);
        }
      }
    } else {
      for (const k in v) {
        const c = (v as Record<string, unknown>)[k];
        if (typeof c === 'object' && c !== null && Object.hasOwn(v, k)) {
          values.push(c);
          levels.push(level + 1);
        }
      }
    }
  }
  return false;
}
