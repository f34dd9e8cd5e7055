// A minimal protobuf (proto3) writer: just the wire types the OpenAPI v2 document needs.
// Scalars equal to their proto3 default are omitted, as proto3 encoders do; messages are written whenever given.

const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
}

export class ProtoWriter {
  private readonly chunks: Buffer[] = [];

  string(field: number, value: string | undefined): this {
    if (value) this.bytes(field, Buffer.from(value, 'utf8'));
    return this;
  }

  strings(field: number, values: readonly string[] | undefined): this {
    for (const v of values ?? []) this.bytes(field, Buffer.from(v, 'utf8'));
    return this;
  }

  bool(field: number, value: boolean | undefined): this {
    if (value) {
      this.tag(field, WireType.Varint);
      this.varint(1);
    }
    return this;
  }

  int64(field: number, value: number | undefined): this {
    if (value) {
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot encode ${value} as a non-negative int64`);
      this.tag(field, WireType.Varint);
      this.varint(value);
    }
    return this;
  }

  double(field: number, value: number | undefined): this {
    if (value) {
      this.tag(field, WireType.Fixed64);
      const b = Buffer.alloc(8);
      b.writeDoubleLE(value);
      this.chunks.push(b);
    }
    return this;
  }

  message(field: number, encoded: Buffer | undefined): this {
    if (encoded) this.bytes(field, encoded);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private bytes(field: number, value: Buffer): void {
    this.tag(field, WireType.LengthDelimited);
    this.varint(value.length);
    this.chunks.push(value);
  }

  private tag(field: number, wire: WireType): void {
    this.varint(field * 8 + wire);
  }

  private varint(n: number): void {
    const out: number[] = [];
    let v = n;
    while (v > 0x7f) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.chunks.push(Buffer.from(out));
  }
}
