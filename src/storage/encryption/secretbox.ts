// NaCl's secretbox (XSalsa20 stream cipher + Poly1305 authenticator), which Node's crypto does not offer.
// Layout as NaCl and Go's x/crypto/nacl/secretbox write it: a 16-byte tag, then the ciphertext. The first 32 bytes
// of the XSalsa20 keystream become the one-time Poly1305 key; the message is XORed with the keystream after them.
// Checked against NaCl's published secretbox vector in test/unit/storage/secretbox.test.ts.
import { timingSafeEqual } from 'node:crypto';

export const secretboxKeyBytes = 32;
export const secretboxNonceBytes = 24;
export const secretboxTagBytes = 16;

// "expand 32-byte k" as four little-endian words.
const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

const rotl = (v: number, n: number): number => ((v << n) | (v >>> (32 - n))) >>> 0;

function quarter(x: Uint32Array, a: number, b: number, c: number, d: number): void {
  x[b]! ^= rotl((x[a]! + x[d]!) >>> 0, 7);
  x[c]! ^= rotl((x[b]! + x[a]!) >>> 0, 9);
  x[d]! ^= rotl((x[c]! + x[b]!) >>> 0, 13);
  x[a]! ^= rotl((x[d]! + x[c]!) >>> 0, 18);
}

/** The 20 rounds (ten column rounds, ten row rounds) of `state`, written into `x`. */
function rounds(state: Uint32Array, x: Uint32Array = new Uint32Array(16)): Uint32Array {
  x.set(state);
  for (let i = 0; i < 10; i++) {
    quarter(x, 0, 4, 8, 12);
    quarter(x, 5, 9, 13, 1);
    quarter(x, 10, 14, 2, 6);
    quarter(x, 15, 3, 7, 11);
    quarter(x, 0, 1, 2, 3);
    quarter(x, 5, 6, 7, 4);
    quarter(x, 10, 11, 8, 9);
    quarter(x, 15, 12, 13, 14);
  }
  return x;
}

/** The state: constants on the diagonal, the key in words 1–4 and 11–14, the 16 input bytes in words 6–9. */
function initialState(key: Uint8Array, input: Uint8Array): Uint32Array {
  const s = new Uint32Array(16);
  const k = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  const n = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  s[0] = SIGMA[0]!;
  s[5] = SIGMA[1]!;
  s[10] = SIGMA[2]!;
  s[15] = SIGMA[3]!;
  for (let i = 0; i < 4; i++) {
    s[1 + i] = k.readUInt32LE(4 * i);
    s[11 + i] = k.readUInt32LE(16 + 4 * i);
    s[6 + i] = n.readUInt32LE(4 * i);
  }
  return s;
}

/** HSalsa20: derives the XSalsa20 subkey from the key and the first 16 nonce bytes (no feed-forward). */
function hsalsa20(key: Uint8Array, input: Uint8Array): Buffer {
  const x = rounds(initialState(key, input));
  const out = Buffer.alloc(32);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((w, i) => out.writeUInt32LE(x[w]!, 4 * i));
  return out;
}

/** `length` bytes of the XSalsa20 keystream for this key and 24-byte nonce, starting at block 0. */
function xsalsa20Stream(key: Uint8Array, nonce: Uint8Array, length: number): Buffer {
  const input = Buffer.alloc(16);
  Buffer.from(nonce.subarray(16, 24)).copy(input, 0);
  const state = initialState(hsalsa20(key, nonce.subarray(0, 16)), input);
  const out = Buffer.alloc(Math.ceil(length / 64) * 64);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const x = new Uint32Array(16);
  for (let block = 0; block * 64 < length; block++) {
    // words 8 and 9: the 64-bit block counter
    state[8] = block >>> 0;
    state[9] = Math.floor(block / 0x100000000);
    rounds(state, x);
    for (let i = 0; i < 16; i++) view.setUint32(block * 64 + 4 * i, (x[i]! + state[i]!) >>> 0, true);
  }
  return out.subarray(0, length);
}

const P1305 = (1n << 130n) - 5n;
const LIMB = 8192; // 2^13: the accumulator and r are kept in ten 13-bit limbs, so every product sum stays exact in a double

/** Bits [start, start + 13) of a little-endian byte string (0 past its end). */
function limbAt(bytes: Uint8Array, start: number): number {
  const byte = start >> 3;
  const word = (bytes[byte] ?? 0) | ((bytes[byte + 1] ?? 0) << 8) | ((bytes[byte + 2] ?? 0) << 16);
  return (word >>> (start & 7)) & 0x1fff;
}

function littleEndian(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

/** Poly1305 of `message` under a one-time 32-byte key. */
export function poly1305(key: Uint8Array, message: Uint8Array): Buffer {
  const clamped = Uint8Array.from(key.subarray(0, 16));
  for (const i of [3, 7, 11, 15]) clamped[i]! &= 0x0f;
  for (const i of [4, 8, 12]) clamped[i]! &= 0xfc;
  const r = Array.from({ length: 10 }, (_, i) => limbAt(clamped, 13 * i));
  const r5 = r.map((x) => 5 * x); // 2^130 = 5 (mod p): a product limb past the top wraps to the bottom times five
  const h = new Array<number>(10).fill(0);
  const d = new Array<number>(10).fill(0);
  const block = new Uint8Array(17);
  for (let at = 0; at < message.length; at += 16) {
    const chunk = message.subarray(at, Math.min(at + 16, message.length));
    // the chunk with a 1 byte after it: 2^128 for a whole block, 2^(8·len) for the short last one
    block.fill(0);
    block.set(chunk);
    block[chunk.length] = 1;
    for (let i = 0; i < 10; i++) h[i]! += limbAt(block, 13 * i); // limb 9 (bits 117–129) takes bit 128 too
    for (let i = 0; i < 10; i++) {
      let sum = 0;
      for (let j = 0; j < 10; j++) sum += h[j]! * (j <= i ? r[i - j]! : r5[i + 10 - j]!);
      d[i] = sum;
    }
    let carry = 0;
    for (let i = 0; i < 10; i++) {
      const v = d[i]! + carry;
      carry = Math.floor(v / LIMB);
      h[i] = v - carry * LIMB;
    }
    h[0]! += carry * 5;
    carry = Math.floor(h[0]! / LIMB);
    h[0]! -= carry * LIMB;
    h[1]! += carry;
  }
  let acc = 0n;
  for (let i = 9; i >= 0; i--) acc = (acc << 13n) + BigInt(h[i]!);
  let tag = ((acc % P1305) + littleEndian(key.subarray(16, 32))) & ((1n << 128n) - 1n);
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) {
    out[i] = Number(tag & 0xffn);
    tag >>= 8n;
  }
  return out;
}

function checkSizes(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== secretboxKeyBytes) throw new Error(`secretbox key must be ${secretboxKeyBytes} bytes, got ${key.length}`);
  if (nonce.length !== secretboxNonceBytes) throw new Error(`secretbox nonce must be ${secretboxNonceBytes} bytes, got ${nonce.length}`);
}

/** tag (16 bytes) followed by the ciphertext. */
export function secretboxSeal(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer {
  checkSizes(key, nonce);
  const stream = xsalsa20Stream(key, nonce, 32 + message.length);
  const cipher = Buffer.alloc(message.length);
  for (let i = 0; i < message.length; i++) cipher[i] = message[i]! ^ stream[32 + i]!;
  return Buffer.concat([poly1305(stream.subarray(0, 32), cipher), cipher]);
}

/** The message, or undefined when the box is too short or its tag does not match. */
export function secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer | undefined {
  checkSizes(key, nonce);
  if (box.length < secretboxTagBytes) return undefined;
  const cipher = box.subarray(secretboxTagBytes);
  const stream = xsalsa20Stream(key, nonce, 32 + cipher.length);
  if (!timingSafeEqual(poly1305(stream.subarray(0, 32), cipher), box.subarray(0, secretboxTagBytes))) return undefined;
  const message = Buffer.alloc(cipher.length);
  for (let i = 0; i < cipher.length; i++) message[i] = cipher[i]! ^ stream[32 + i]!;
  return message;
}
