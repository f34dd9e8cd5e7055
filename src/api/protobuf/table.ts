// The generated protobuf field table (scripts/gen-protobuf-table.mjs → src/api/generated/protobuf-messages.json).
import { getOwn } from '../own.js';
import { loadGenerated } from '../generated-data.js';

export type ScalarType = 'string' | 'bytes' | 'bool' | 'int32' | 'int64';

/** Messages whose JSON form is not an object: apimachinery's custom JSON marshallers. */
export type SpecialKind = 'time' | 'microTime' | 'duration' | 'fieldsV1' | 'intOrString' | 'quantity' | 'rawExtension' | 'stringList';

export interface FieldInfo {
  /** Field number. */
  n: number;
  /** JSON name. */
  j: string;
  /** A scalar type or a fully qualified message name. */
  t: string;
  /** repeated */
  rep?: 1;
  /** map<string, t> */
  map?: 1;
  /** An embedded Go struct whose fields JSON inlines into the parent. */
  inline?: 1;
  /** A Go pointer: a zero value on the wire was set explicitly and is kept. */
  ptr?: 1;
}

export interface MessageInfo {
  special?: SpecialKind;
  fields: FieldInfo[];
}

interface ProtobufTable {
  kinds: Record<string, Record<string, string>>;
  metaKinds: Record<string, string>;
  messages: Record<string, MessageInfo>;
}

const SCALARS: ReadonlySet<string> = new Set(['string', 'bytes', 'bool', 'int32', 'int64']);

export function isScalarType(t: string): t is ScalarType {
  return SCALARS.has(t);
}

let table: ProtobufTable | undefined;
const byNumber = new Map<string, Map<number, FieldInfo>>();

function load(): ProtobufTable {
  table ??= loadGenerated<ProtobufTable>('protobuf-messages.json');
  return table;
}

/** The protobuf message for a kind, or undefined when a-kube does not know that apiVersion/kind. */
export function messageForKind(apiVersion: string, kind: string): string | undefined {
  const t = load();
  return getOwn(getOwn(t.kinds, apiVersion), kind) ?? getOwn(t.metaKinds, kind);
}

export function messageInfo(name: string): MessageInfo | undefined {
  return getOwn(load().messages, name);
}

export function fieldsByNumber(name: string, info: MessageInfo): Map<number, FieldInfo> {
  let index = byNumber.get(name);
  if (!index) {
    index = new Map(info.fields.map((f) => [f.n, f]));
    byNumber.set(name, index);
  }
  return index;
}
