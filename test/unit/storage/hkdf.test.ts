import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hkdfExpandSha256 } from '../../../src/storage/encryption/hkdf.js';

const hex = (s: string) => Buffer.from(s, 'hex');

test('RFC 5869 test cases 1 and 2: the expand step from their PRKs gives their OKMs', () => {
  assert.equal(
    hkdfExpandSha256(hex('077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5'), hex('f0f1f2f3f4f5f6f7f8f9'), 42).toString('hex'),
    '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  );
  const info2 = Buffer.from(Array.from({ length: 80 }, (_, i) => 0xb0 + i));
  assert.equal(
    hkdfExpandSha256(hex('06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244'), info2, 82).toString('hex'),
    'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87',
  );
});

test('lengths beyond 255 blocks and short keys are refused', () => {
  assert.throws(() => hkdfExpandSha256(Buffer.alloc(32), Buffer.alloc(0), 255 * 32 + 1), /cannot produce 8161 bytes/);
  assert.throws(() => hkdfExpandSha256(Buffer.alloc(16), Buffer.alloc(0), 32), /at least 32 bytes, not 16/);
  assert.equal(hkdfExpandSha256(Buffer.alloc(32), Buffer.alloc(0), 0).length, 0);
});
