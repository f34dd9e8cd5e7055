import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtobufDecodeError } from '../../../src/api/protobuf/index.js';
import { formatDuration, formatMicroTime, formatTime } from '../../../src/api/protobuf/special.js';
import { WireReader, WireType } from '../../../src/api/protobuf/wire.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

const varints: { name: string; input: number[]; unsigned: bigint; int32?: number; int64?: number }[] = [
  { name: 'one byte', input: [0x08], unsigned: 8n, int32: 8, int64: 8 },
  { name: 'two bytes (600)', input: [0xd8, 0x04], unsigned: 600n, int32: 600, int64: 600 },
  { name: 'negative int32 as ten bytes', input: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], unsigned: 2n ** 64n - 1n, int32: -1, int64: -1 },
  { name: '2^40', input: [0x80, 0x80, 0x80, 0x80, 0x80, 0x20], unsigned: 2n ** 40n, int64: 2 ** 40 },
];
for (const c of varints) {
  test(`varint: ${c.name}`, () => {
    assert.equal(new WireReader(bytes(...c.input)).readVarint(), c.unsigned);
    if (c.int32 !== undefined) assert.equal(new WireReader(bytes(...c.input)).readInt(32, 'x'), c.int32);
    if (c.int64 !== undefined) assert.equal(new WireReader(bytes(...c.input)).readInt(64, 'x'), c.int64);
  });
}

test('an int64 beyond 2^53 is refused rather than rounded', () => {
  assert.throws(() => new WireReader(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)).readInt(64, 'f'), ProtobufDecodeError);
});

const malformed: { name: string; input: number[]; read: (r: WireReader) => unknown; message: RegExp }[] = [
  { name: 'truncated varint', input: [0x80], read: (r) => r.readVarint(), message: /truncated varint/ },
  { name: 'varint longer than 10 bytes', input: Array<number>(11).fill(0x80), read: (r) => r.readVarint(), message: /longer than 10 bytes/ },
  { name: 'length past the end', input: [0x05, 0x61], read: (r) => r.readBytes(), message: /runs past the end/ },
  { name: 'field number 0', input: [0x02], read: (r) => r.readTag(), message: /field number 0/ },
  { name: 'wire type 7', input: [0x0f], read: (r) => r.readTag(), message: /invalid wire type 7/ },
  { name: 'invalid UTF-8', input: [0x01, 0xff], read: (r) => r.readString(), message: /UTF-8/ },
  { name: 'truncated fixed32', input: [0x01, 0x02], read: (r) => r.readFixed32(), message: /truncated/ },
];
for (const c of malformed) {
  test(`malformed: ${c.name}`, () => {
    assert.throws(() => c.read(new WireReader(bytes(...c.input))), (err: unknown) => err instanceof ProtobufDecodeError && c.message.test(err.message));
  });
}

test('skip passes over every wire type Kubernetes uses and refuses groups', () => {
  // field 1 fixed64, field 2 fixed32, field 3 varint, field 4 bytes, then field 5 varint = 7
  const r = new WireReader(bytes(0x09, 1, 2, 3, 4, 5, 6, 7, 8, 0x15, 1, 2, 3, 4, 0x18, 0x96, 0x01, 0x22, 0x01, 0x61, 0x28, 0x07));
  for (let i = 0; i < 4; i++) {
    const tag = r.readTag();
    r.skip(tag.wireType, tag.fieldNumber);
  }
  assert.deepEqual(r.readTag(), { fieldNumber: 5, wireType: WireType.varint });
  assert.equal(r.readVarint(), 7n);
  assert.ok(r.done);
  assert.throws(() => new WireReader(bytes()).skip(WireType.startGroup, 1), /groups/);
});

const durations: [bigint, string][] = [
  [0n, '0s'],
  [1n, '1ns'],
  [1500n, '1.5µs'],
  [1_500_000n, '1.5ms'],
  [1_000_000_000n, '1s'],
  [600_000_000_000n, '10m0s'],
  [3_723_500_000_000n, '1h2m3.5s'],
  [-90_000_000_000n, '-1m30s'],
];
for (const [ns, text] of durations) {
  test(`Go duration ${ns}ns is "${text}"`, () => assert.equal(formatDuration(ns), text));
}

test('metav1.Time has whole seconds, MicroTime six fractional digits, both UTC', () => {
  assert.equal(formatTime(1714557600n), '2024-05-01T10:00:00Z');
  assert.equal(formatMicroTime(1714557600n, 123_456_789), '2024-05-01T10:00:00.123456Z');
  assert.equal(formatMicroTime(1714557600n, 0), '2024-05-01T10:00:00.000000Z');
});
