// HKDF's expand step alone (RFC 5869 section 2.3) with HMAC-SHA256: the pseudorandom key is used as it is, with no
// extract step. KMS v2's seed mode derives each write's AES-GCM key this way, the seed being the pseudorandom key
// and 32 random bytes stored with the data the info. (node:crypto's hkdfSync always extracts first.)
import { createHmac } from 'node:crypto';

const hashBytes = 32;

export function hkdfExpandSha256(prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > 255 * hashBytes) throw new RangeError(`HKDF-Expand cannot produce ${length} bytes with SHA-256`);
  if (prk.length < hashBytes) throw new RangeError(`HKDF-Expand needs a pseudorandom key of at least ${hashBytes} bytes, not ${prk.length}`);
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; blocks.length * hashBytes < length; i++) {
    previous = createHmac('sha256', prk).update(previous).update(info).update(Buffer.of(i)).digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}
