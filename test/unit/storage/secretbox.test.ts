// secretbox (XSalsa20-Poly1305) against NaCl's published vector (the "firstkey"/nonce/131-byte message of NaCl's
// secretbox tests, whose expected box libsodium's test suite prints), plus round trips and tampering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { poly1305, secretboxOpen, secretboxSeal } from '../../../src/storage/encryption/secretbox.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const key = hex('1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389');
const nonce = hex('69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37');
const message = hex(`
  be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb31
  0e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705`);
const box = hex(`
  f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c972
  71d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b3
  7973f622a43d14a6599b1f654cb45a74e355a5`);

test('NaCl vector: the sealed box (tag then ciphertext) is byte for byte the published one, and opens', () => {
  assert.equal(message.length, 131);
  assert.equal(box.length, 147);
  assert.equal(secretboxSeal(message, nonce, key).toString('hex'), box.toString('hex'));
  assert.equal(secretboxOpen(box, nonce, key)?.toString('hex'), message.toString('hex'));
});

test('round trips across block boundaries; any flipped bit, another key or nonce, or a short box is refused', () => {
  for (const n of [0, 1, 31, 32, 33, 63, 64, 65, 200, 1000]) {
    const m = randomBytes(n);
    const k = randomBytes(32);
    const nn = randomBytes(24);
    const b = secretboxSeal(m, nn, k);
    assert.equal(b.length, n + 16);
    assert.deepEqual(secretboxOpen(b, nn, k), m);
    for (const i of [0, 15, 16, b.length - 1]) {
      if (i >= b.length) continue;
      const t = Buffer.from(b);
      t[i]! ^= 1;
      assert.equal(secretboxOpen(t, nn, k), undefined, `bit flipped at ${i} of ${b.length}`);
    }
    assert.equal(secretboxOpen(b, nn, randomBytes(32)), undefined);
    assert.equal(secretboxOpen(b, randomBytes(24), k), undefined);
  }
  assert.equal(secretboxOpen(Buffer.alloc(15), nonce, key), undefined);
  assert.throws(() => secretboxSeal(message, nonce, key.subarray(0, 16)), /secretbox key must be 32 bytes, got 16/);
});

/** Poly1305 straight from its definition, in BigInt: the reference the limb arithmetic is compared with. */
function poly1305Reference(key: Uint8Array, message: Uint8Array): string {
  const le = (b: Uint8Array) => b.reduceRight((v, byte) => (v << 8n) | BigInt(byte), 0n);
  const p = (1n << 130n) - 5n;
  const r = le(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  let acc = 0n;
  for (let i = 0; i < message.length; i += 16) {
    const chunk = message.subarray(i, i + 16);
    acc = ((acc + le(chunk) + (1n << BigInt(8 * chunk.length))) * r) % p;
  }
  const tag = (acc + le(key.subarray(16, 32))) & ((1n << 128n) - 1n);
  return Buffer.from(tag.toString(16).padStart(32, '0'), 'hex').reverse().toString('hex');
}

test('Poly1305: the limb arithmetic equals the definition, including all-ones keys and messages (largest carries)', () => {
  const cases: [Buffer, Buffer][] = [[Buffer.alloc(32, 0xff), Buffer.alloc(300, 0xff)], [Buffer.alloc(32, 0xff), Buffer.alloc(17, 0xff)], [Buffer.alloc(32), Buffer.alloc(0)]];
  for (let i = 0; i < 200; i++) cases.push([randomBytes(32), randomBytes(i * 7)]);
  for (const [k, m] of cases) assert.equal(poly1305(k, m).toString('hex'), poly1305Reference(k, m), `key ${k.toString('hex')} length ${m.length}`);
});
