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

/** The 20 rounds (ten column rounds, ten row rounds) over a copy of the state. */
function rounds(state: Uint32Array): Uint32Array {
  const x = state.slice();
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
  const subkey = hsalsa20(key, nonce.subarray(0, 16));
  const input = Buffer.alloc(16);
  Buffer.from(nonce.subarray(16, 24)).copy(input, 0);
  const out = Buffer.alloc(Math.ceil(length / 64) * 64);
  for (let block = 0; block * 64 < length; block++) {
    // words 8 and 9: the 64-bit block counter
    input.writeUInt32LE(block >>> 0, 8);
    input.writeUInt32LE(Math.floor(block / 0x100000000), 12);
    const state = initialState(subkey, input);
    const x = rounds(state);
    for (let i = 0; i < 16; i++) out.writeUInt32LE((x[i]! + state[i]!) >>> 0, block * 64 + 4 * i);
  }
  return out.subarray(0, length);
}

const P1305 = (1n << 130n) - 5n;

function littleEndian(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

/** Poly1305 of `message` under a one-time 32-byte key. */
function poly1305(key: Uint8Array, message: Uint8Array): Buffer {
  const r = littleEndian(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = littleEndian(key.subarray(16, 32));
  let acc = 0n;
  for (let i = 0; i < message.length; i += 16) {
    const chunk = message.subarray(i, Math.min(i + 16, message.length));
    acc = ((acc + littleEndian(chunk) + (1n << BigInt(8 * chunk.length))) * r) % P1305;
  }
  let tag = (acc + s) & ((1n << 128n) - 1n);
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
