// Encodes a JSON object into a Kubernetes protobuf body the way Go clients do: non-pointer scalars are
// written even when absent (as their zero value, like kubectl 1.32+), pointer scalars only when present.
// For tests and tools; the API server only decodes. Messages absent from the JSON are left out.
import { ProtobufDecodeError } from './errors.js';
import { isScalarType, messageForKind, messageInfo, type MessageInfo, type ScalarType } from './table.js';
import { WireType, WireWriter } from './wire.js';

const utf8 = new TextEncoder();

export function encodeKubernetesProtobuf(obj: Record<string, unknown>): Uint8Array {
  const apiVersion = typeof obj['apiVersion'] === 'string' ? obj['apiVersion'] : '';
  const kind = typeof obj['kind'] === 'string' ? obj['kind'] : '';
  const message = messageForKind(apiVersion, kind);
  if (!message) throw new ProtobufDecodeError(`no kind "${kind}" is registered for version "${apiVersion}"`);
  const typeMeta = new WireWriter().bytes(1, utf8.encode(apiVersion)).bytes(2, utf8.encode(kind)).finish();
  const unknown = new WireWriter()
    .bytes(1, typeMeta)
    .bytes(2, encodeMessage(message, obj))
    .bytes(3, new Uint8Array())
    .bytes(4, new Uint8Array())
    .finish();
  return Buffer.concat([Uint8Array.from([0x6b, 0x38, 0x73, 0x00]), unknown]);
}

function requireMessage(name: string): MessageInfo {
  const info = messageInfo(name);
  if (!info) throw new ProtobufDecodeError(`protobuf message ${name} is not in a-kube's table`);
  return info;
}

function encodeMessage(name: string, obj: Record<string, unknown>): Uint8Array {
  const info = requireMessage(name);
  const w = new WireWriter();
  for (const field of info.fields) {
    if (field.inline) {
      w.bytes(field.n, encodeMessage(field.t, obj));
      continue;
    }
    const value = obj[field.j];
    if (field.map) {
      if (!isRecord(value)) continue;
      for (const key of Object.keys(value).sort()) {
        const entry = new WireWriter().bytes(1, utf8.encode(key));
        writeValue(entry, 2, field.t, value[key]);
        w.bytes(field.n, entry.finish());
      }
    } else if (field.rep) {
      if (!Array.isArray(value)) continue;
      for (const item of value) writeValue(w, field.n, field.t, item);
    } else if (value !== undefined && value !== null) {
      writeValue(w, field.n, field.t, value);
    } else if (isScalarType(field.t) && !field.ptr) {
      writeValue(w, field.n, field.t, zeroOf(field.t));
    }
  }
  return w.finish();
}

function zeroOf(type: ScalarType): unknown {
  if (type === 'bool') return false;
  if (type === 'int32' || type === 'int64') return 0;
  return '';
}

function writeValue(w: WireWriter, n: number, type: string, value: unknown): void {
  if (isScalarType(type)) {
    writeScalar(w, n, type, value);
    return;
  }
  const info = requireMessage(type);
  w.bytes(n, info.special ? encodeSpecial(info.special, value) : encodeMessage(type, isRecord(value) ? value : {}));
}

function writeScalar(w: WireWriter, n: number, type: ScalarType, value: unknown): void {
  switch (type) {
    case 'string':
      w.bytes(n, utf8.encode(String(value)));
      return;
    case 'bytes':
      w.bytes(n, Buffer.from(String(value), 'base64'));
      return;
    case 'bool':
      w.tag(n, WireType.varint).varint(value === true ? 1n : 0n);
      return;
    case 'int32':
    case 'int64':
      w.tag(n, WireType.varint).varint(BigInt(Number(value)));
      return;
    default: {
      const no: never = type;
      throw new Error(`unsupported scalar ${String(no)}`);
    }
  }
}

function encodeSpecial(kind: NonNullable<MessageInfo['special']>, value: unknown): Uint8Array {
  const w = new WireWriter();
  switch (kind) {
    case 'time':
    case 'microTime': {
      const ms = Date.parse(String(value));
      w.tag(1, WireType.varint).varint(BigInt(Math.floor(ms / 1000)));
      const micros = /\.(\d{1,6})/.exec(String(value))?.[1];
      if (micros) w.tag(2, WireType.varint).varint(BigInt(Number(micros.padEnd(6, '0')) * 1000));
      break;
    }
    case 'duration':
      throw new Error('encoding Duration is not supported');
    case 'intOrString':
      if (typeof value === 'string') w.tag(1, WireType.varint).varint(1n).bytes(3, utf8.encode(value));
      else w.tag(1, WireType.varint).varint(0n).tag(2, WireType.varint).varint(BigInt(Number(value)));
      break;
    case 'quantity':
      w.bytes(1, utf8.encode(String(value)));
      break;
    case 'rawExtension':
    case 'fieldsV1':
      w.bytes(1, utf8.encode(JSON.stringify(value)));
      break;
    case 'stringList':
      for (const item of Array.isArray(value) ? value : []) w.bytes(1, utf8.encode(String(item)));
      break;
    default: {
      const no: never = kind;
      throw new Error(`unsupported special ${String(no)}`);
    }
  }
  return w.finish();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
