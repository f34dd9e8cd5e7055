// A minimal protobuf wire format: a reader and a writer, just what Kubernetes' generated.proto messages use.
import { ProtobufDecodeError } from './errors.js';

export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, startGroup: 3, endGroup: 4, fixed32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

export interface FieldTag {
  fieldNumber: number;
  wireType: WireType;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** int64 values outside ±2^53 cannot be a JS number exactly; Kubernetes never sends such values in practice. */
export function bigIntToNumber(value: bigint, what: string): number {
  if (value > MAX_SAFE || value < MIN_SAFE) throw new ProtobufDecodeError(`${what}: ${value} does not fit in a JSON-safe integer`);
  return Number(value);
}

export class WireReader {
  private pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  readTag(): FieldTag {
    const key = this.readVarint();
    const wireType = Number(key & 7n);
    const fieldNumber = Number(key >> 3n);
    if (fieldNumber === 0) throw new ProtobufDecodeError(`invalid field number 0 at offset ${this.pos}`);
    if (wireType > 5) throw new ProtobufDecodeError(`invalid wire type ${wireType} for field ${fieldNumber}`);
    return { fieldNumber, wireType: wireType as WireType };
  }

  /** The raw unsigned varint (up to 64 bits). */
  readVarint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw new ProtobufDecodeError('truncated varint');
      const byte = this.buf[this.pos++] ?? 0;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new ProtobufDecodeError('varint longer than 10 bytes');
  }

  /** int32 and int64 are plain two's-complement varints in Kubernetes' messages (a negative int32 takes 10 bytes). */
  readInt(bits: 32 | 64, what: string): number {
    return bigIntToNumber(BigInt.asIntN(bits, this.readVarint()), what);
  }

  readBool(): boolean {
    return this.readVarint() !== 0n;
  }

  readFixed32(): Uint8Array {
    return this.take(4);
  }

  readFixed64(): Uint8Array {
    return this.take(8);
  }

  readBytes(): Uint8Array {
    const length = this.readVarint();
    if (length > BigInt(this.buf.length - this.pos)) {
      throw new ProtobufDecodeError(`length-delimited field of ${length} bytes runs past the end of the message`);
    }
    return this.take(Number(length));
  }

  readString(): string {
    const bytes = this.readBytes();
    try {
      return utf8.decode(bytes);
    } catch (err) {
      throw new ProtobufDecodeError('string field is not valid UTF-8', { cause: err });
    }
  }

  skip(wireType: WireType, fieldNumber: number): void {
    switch (wireType) {
      case WireType.varint:
        this.readVarint();
        return;
      case WireType.fixed64:
        this.take(8);
        return;
      case WireType.lengthDelimited:
        this.readBytes();
        return;
      case WireType.fixed32:
        this.take(4);
        return;
      case WireType.startGroup:
      case WireType.endGroup:
        throw new ProtobufDecodeError(`field ${fieldNumber}: groups are not used by Kubernetes and are not supported`);
      default: {
        const no: never = wireType;
        throw new ProtobufDecodeError(`unknown wire type ${String(no)}`);
      }
    }
  }

  private take(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new ProtobufDecodeError(`truncated message: needed ${n} bytes at offset ${this.pos}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Writes fields in the order they are given; `finish` joins them. */
export class WireWriter {
  private readonly chunks: Uint8Array[] = [];

  varint(value: bigint): this {
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.chunks.push(Uint8Array.from(bytes));
    return this;
  }

  tag(fieldNumber: number, wireType: WireType): this {
    return this.varint(BigInt((fieldNumber << 3) | wireType));
  }

  bytes(fieldNumber: number, data: Uint8Array): this {
    this.tag(fieldNumber, WireType.lengthDelimited).varint(BigInt(data.length));
    this.chunks.push(data);
    return this;
  }

  finish(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}
