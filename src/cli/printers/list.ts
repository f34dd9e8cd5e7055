// The List kubectl wraps several objects in for -o json/yaml/jsonpath/go-template.

export function listOf(items: Record<string, unknown>[]): Record<string, unknown> {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

/** The items of a `…List` object, or undefined when the value is not a list. */
export function listItems(obj: Record<string, unknown>): Record<string, unknown>[] | undefined {
  const kind = obj.kind;
  const items = obj.items;
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items)) {
    return items.filter((i): i is Record<string, unknown> => typeof i === 'object' && i !== null && !Array.isArray(i));
  }
  return undefined;
}
