// Decodes a Kubernetes protobuf request body (`application/vnd.kubernetes.protobuf`) into the JSON object
// the same request would have carried as JSON.
//
// Presence rule (why zeros are dropped): Kubernetes' generated.proto is proto2 and its Go marshaller writes
// every non-pointer scalar, even when empty or zero, and a pointer scalar only when it is set. So a zero
// on the wire means "unset" for a non-pointer field (dropped, as Go's `omitempty` and defaulting treat it)
// and "explicitly zero" for a pointer field (kept: `replicas: 0`, `automountServiceAccountToken: false`).
// The table's `ptr` flag marks the pointer fields. Messages are kept whenever they are on the wire (`{}`
// when empty), as Go's JSON encoder writes non-pointer structs and set pointers; the zero metav1.Time
// (`creationTimestamp`) is dropped, where Go's JSON writes null.
import { exceededMaxDepth } from '../json-depth.js';
import { setOwn } from '../own.js';
import { ProtobufDecodeError } from './errors.js';
import { formatDuration, formatMicroTime, formatTime, readSmallMessage } from './special.js';
import { fieldsByNumber, isScalarType, messageForKind, messageInfo, type FieldInfo, type MessageInfo, type ScalarType, type SpecialKind } from './table.js';
import { WireReader, WireType, type FieldTag } from './wire.js';

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"
const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

export interface DecodedObject {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

export function decodeKubernetesProtobuf(body: Uint8Array): DecodedObject {
  if (body.length < MAGIC.length || MAGIC.some((b, i) => body[i] !== b)) {
    throw new ProtobufDecodeError('protobuf body does not start with the "k8s\\x00" prefix');
  }
  const envelope = readEnvelope(body.subarray(MAGIC.length));
  if (envelope.contentEncoding !== '') {
    throw new ProtobufDecodeError(`unsupported protobuf contentEncoding "${envelope.contentEncoding}"`);
  }
  if (envelope.contentType !== '' && envelope.contentType !== PROTOBUF_MEDIA_TYPE) {
    throw new ProtobufDecodeError(`unsupported protobuf contentType "${envelope.contentType}"`);
  }
  const { apiVersion, kind } = envelope;
  if (kind === '') throw new ProtobufDecodeError("Object 'Kind' is missing in protobuf body");
  if (apiVersion === '') throw new ProtobufDecodeError("Object 'apiVersion' is missing in protobuf body");
  const message = messageForKind(apiVersion, kind);
  if (!message) throw new ProtobufDecodeError(`no kind "${kind}" is registered for version "${apiVersion}"`);
  const fields = decodeMessage(message, envelope.raw, kind);
  return { apiVersion, kind, object: { apiVersion, kind, ...fields } };
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** runtime.Unknown: typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3, contentType = 4. */
function readEnvelope(bytes: Uint8Array): Envelope {
  const out: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(), contentEncoding: '', contentType: '' };
  const reader = new WireReader(bytes);
  while (!reader.done) {
    const tag = reader.readTag();
    if (tag.wireType !== WireType.lengthDelimited) {
      reader.skip(tag.wireType, tag.fieldNumber);
      continue;
    }
    if (tag.fieldNumber === 1) {
      const typeMeta = new WireReader(reader.readBytes());
      while (!typeMeta.done) {
        const t = typeMeta.readTag();
        if (t.wireType === WireType.lengthDelimited && t.fieldNumber === 1) out.apiVersion = typeMeta.readString();
        else if (t.wireType === WireType.lengthDelimited && t.fieldNumber === 2) out.kind = typeMeta.readString();
        else typeMeta.skip(t.wireType, t.fieldNumber);
      }
    } else if (tag.fieldNumber === 2) out.raw = reader.readBytes();
    else if (tag.fieldNumber === 3) out.contentEncoding = reader.readString();
    else if (tag.fieldNumber === 4) out.contentType = reader.readString();
    else reader.skip(tag.wireType, tag.fieldNumber);
  }
  return out;
}

function requireMessage(name: string): MessageInfo {
  const info = messageInfo(name);
  if (!info) throw new ProtobufDecodeError(`protobuf message ${name} is not in a-kube's table`);
  return info;
}

/**
 * Messages nested deeper than this are refused. API types nest a few dozen levels at most; each level costs the
 * decoder several stack frames (more through embedded RawExtension documents), so the bound sits well below what
 * the stack holds.
 */
const maxMessageNesting = 100;

/** How many messages the decoder is inside of (decoding is synchronous, so one counter serves every call). */
let nesting = 0;

function decodeMessage(name: string, bytes: Uint8Array, path: string): Record<string, unknown> {
  if (nesting >= maxMessageNesting) throw new ProtobufDecodeError(`${path}: ${exceededMaxDepth}`);
  nesting++;
  try {
    return decodeMessageFields(name, bytes, path);
  } finally {
    nesting--;
  }
}

function decodeMessageFields(name: string, bytes: Uint8Array, path: string): Record<string, unknown> {
  const info = requireMessage(name);
  const index = fieldsByNumber(name, info);
  const out: Record<string, unknown> = {};
  const reader = new WireReader(bytes);
  while (!reader.done) {
    const tag = reader.readTag();
    const field = index.get(tag.fieldNumber);
    if (!field) {
      reader.skip(tag.wireType, tag.fieldNumber);
      continue;
    }
    const at = `${path}.${field.j}`;
    if (field.map) readMapEntry(reader, tag, field, at, out);
    else if (field.rep) readRepeated(reader, tag, field, at, out);
    else readSingular(reader, tag, field, at, out);
  }
  return out;
}

function expectWireType(tag: FieldTag, expected: WireType, at: string): void {
  if (tag.wireType !== expected) {
    throw new ProtobufDecodeError(`${at}: wire type ${tag.wireType} does not match the field's type (expected ${expected})`);
  }
}

function readSingular(reader: WireReader, tag: FieldTag, field: FieldInfo, at: string, out: Record<string, unknown>): void {
  let value: unknown;
  if (isScalarType(field.t)) {
    const scalar = readScalar(reader, tag, field.t, at);
    value = isZero(scalar) && !field.ptr ? undefined : scalar;
  } else {
    expectWireType(tag, WireType.lengthDelimited, at);
    value = decodeValue(field.t, reader.readBytes(), at, field.ptr === 1);
  }
  if (field.inline && isRecord(value)) {
    for (const [k, v] of Object.entries(value)) setOwn(out, k, v);
    return;
  }
  // proto2: the last occurrence of a singular field wins, including a later zero.
  if (value === undefined) delete out[field.j];
  else out[field.j] = value;
}

function readRepeated(reader: WireReader, tag: FieldTag, field: FieldInfo, at: string, out: Record<string, unknown>): void {
  const list = Array.isArray(out[field.j]) ? (out[field.j] as unknown[]) : [];
  out[field.j] = list;
  if (!isScalarType(field.t)) {
    expectWireType(tag, WireType.lengthDelimited, at);
    list.push(decodeValue(field.t, reader.readBytes(), `${at}[${list.length}]`, true) ?? null);
    return;
  }
  const packable = field.t === 'int32' || field.t === 'int64' || field.t === 'bool';
  if (packable && tag.wireType === WireType.lengthDelimited) {
    const packed = new WireReader(reader.readBytes());
    const element: FieldTag = { fieldNumber: tag.fieldNumber, wireType: WireType.varint };
    while (!packed.done) list.push(readScalar(packed, element, field.t, at));
    return;
  }
  list.push(readScalar(reader, tag, field.t, at));
}

/** A map<string, T> entry: key = 1, value = 2; a missing value is T's zero value. */
function readMapEntry(reader: WireReader, tag: FieldTag, field: FieldInfo, at: string, out: Record<string, unknown>): void {
  expectWireType(tag, WireType.lengthDelimited, at);
  const entry = new WireReader(reader.readBytes());
  let key = '';
  let value: unknown;
  while (!entry.done) {
    const t = entry.readTag();
    if (t.fieldNumber === 1) {
      expectWireType(t, WireType.lengthDelimited, `${at} (map key)`);
      key = entry.readString();
    } else if (t.fieldNumber === 2) {
      value = isScalarType(field.t)
        ? readScalar(entry, t, field.t, `${at}[${key}]`)
        : (expectWireType(t, WireType.lengthDelimited, `${at}[${key}]`), decodeValue(field.t, entry.readBytes(), `${at}[${key}]`, true));
    } else entry.skip(t.wireType, t.fieldNumber);
  }
  const map = isRecord(out[field.j]) ? (out[field.j] as Record<string, unknown>) : {};
  out[field.j] = map;
  setOwn(map, key, value ?? zeroValue(field.t));
}

function readScalar(reader: WireReader, tag: FieldTag, type: ScalarType, at: string): string | number | boolean {
  switch (type) {
    case 'string':
      expectWireType(tag, WireType.lengthDelimited, at);
      return reader.readString();
    case 'bytes':
      expectWireType(tag, WireType.lengthDelimited, at);
      return Buffer.from(reader.readBytes()).toString('base64');
    case 'bool':
      expectWireType(tag, WireType.varint, at);
      return reader.readBool();
    case 'int32':
      expectWireType(tag, WireType.varint, at);
      return reader.readInt(32, at);
    case 'int64':
      expectWireType(tag, WireType.varint, at);
      return reader.readInt(64, at);
    default: {
      const no: never = type;
      throw new ProtobufDecodeError(`${at}: unsupported scalar type ${String(no)}`);
    }
  }
}

function isZero(value: string | number | boolean): boolean {
  return value === '' || value === 0 || value === false;
}

function zeroValue(type: string): unknown {
  if (type === 'string' || type === 'bytes') return '';
  if (type === 'bool') return false;
  if (type === 'int32' || type === 'int64') return 0;
  const info = messageInfo(type);
  return info?.special ? null : {};
}

/** A message-typed value in its JSON form; undefined means "absent" (a zero value of a non-pointer field). */
function decodeValue(type: string, bytes: Uint8Array, at: string, pointer: boolean): unknown {
  const info = requireMessage(type);
  if (info.special) return decodeSpecial(info.special, bytes, at, pointer);
  return decodeMessage(type, bytes, at);
}

function decodeSpecial(kind: SpecialKind, bytes: Uint8Array, at: string, pointer: boolean): unknown {
  const raw = readSmallMessage(bytes);
  const num = (n: number): bigint => {
    const v = raw.get(n);
    return typeof v === 'bigint' ? v : 0n;
  };
  const text = (n: number): string => {
    const v = raw.get(n);
    return v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : '';
  };
  const data = (n: number): Uint8Array | undefined => {
    const v = raw.get(n);
    return v instanceof Uint8Array && v.length > 0 ? v : undefined;
  };
  switch (kind) {
    case 'time':
      return num(1) === 0n && num(2) === 0n ? undefined : formatTime(num(1));
    case 'microTime':
      return num(1) === 0n && num(2) === 0n ? undefined : formatMicroTime(num(1), Number(num(2)));
    case 'duration':
      return num(1) === 0n && !pointer ? undefined : formatDuration(BigInt.asIntN(64, num(1)));
    case 'intOrString': {
      if (num(1) === 1n) return text(3);
      const value = Number(BigInt.asIntN(32, num(2)));
      return value === 0 && !pointer ? undefined : value;
    }
    case 'quantity': {
      const value = text(1);
      return value === '' ? undefined : value;
    }
    case 'rawExtension':
    case 'fieldsV1': {
      const payload = data(1);
      return payload ? embeddedDocument(payload, at) : undefined;
    }
    case 'stringList':
      return decodeStringList(bytes, at);
    default: {
      const no: never = kind;
      throw new ProtobufDecodeError(`${at}: unsupported special type ${String(no)}`);
    }
  }
}

/** RawExtension / FieldsV1 carry JSON, or (RawExtension from a protobuf client) a nested protobuf object. */
function embeddedDocument(payload: Uint8Array, at: string): unknown {
  if (MAGIC.every((b, i) => payload[i] === b)) return decodeKubernetesProtobuf(payload).object;
  try {
    return JSON.parse(Buffer.from(payload).toString('utf8')) as unknown;
  } catch (err) {
    throw new ProtobufDecodeError(`${at}: embedded document is neither JSON nor Kubernetes protobuf`, { cause: err });
  }
}

function decodeStringList(bytes: Uint8Array, at: string): string[] {
  const reader = new WireReader(bytes);
  const items: string[] = [];
  while (!reader.done) {
    const tag = reader.readTag();
    if (tag.fieldNumber !== 1) {
      reader.skip(tag.wireType, tag.fieldNumber);
      continue;
    }
    expectWireType(tag, WireType.lengthDelimited, at);
    items.push(reader.readString());
  }
  return items;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
