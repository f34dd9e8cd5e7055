import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base32 } from '../../../src/api/base32.js';

test('base32 gives RFC 4648\'s test vectors without their padding', () => {
  const vectors: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
  for (const [input, want] of vectors) assert.equal(base32(Buffer.from(input)), want, input);
  assert.equal(base32(new Uint8Array(32).fill(255)), '7'.repeat(51) + 'Q');
});
