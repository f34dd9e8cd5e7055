// The syntax tree of kubectl's JSONPath template dialect (client-go util/jsonpath).

export interface SliceParam {
  known: boolean;
  value: number;
  /** The end of `[n]` is implied as n+1. */
  derived: boolean;
}

export type JsonPathNode =
  | { kind: 'list'; nodes: JsonPathNode[] }
  | { kind: 'text'; text: string }
  | { kind: 'field'; name: string }
  | { kind: 'array'; params: [SliceParam, SliceParam, SliceParam] }
  | { kind: 'filter'; left: ListNode; right: ListNode; operator: string }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | { kind: 'union'; branches: ListNode[] }
  | { kind: 'identifier'; name: string };

export type ListNode = Extract<JsonPathNode, { kind: 'list' }>;

export function newList(): ListNode {
  return { kind: 'list', nodes: [] };
}
