// The detached JWS the bootstrap signer puts beside the cluster-info kubeconfig (`jws-kubeconfig-<token id>`):
// compact JWS, HS256 keyed by the token's secret, the token ID as "kid", payload left out ("header..signature").
// A joining node that knows the whole token recomputes it over the kubeconfig it fetched untrusted, which proves
// the kubeconfig came from someone who holds the token.
import { createHmac, timingSafeEqual } from 'node:crypto';

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export function computeDetachedSignature(content: string, tokenId: string, tokenSecret: string): string {
  // The header's members in the order the reference signer (go-jose) serialises them: sorted by name.
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: tokenId }));
  const signingInput = `${header}.${b64url(content)}`;
  const signature = createHmac('sha256', tokenSecret).update(signingInput).digest('base64url');
  return `${header}..${signature}`;
}

export function detachedSignatureValid(detached: string, content: string, tokenId: string, tokenSecret: string): boolean {
  const expected = Buffer.from(computeDetachedSignature(content, tokenId, tokenSecret));
  const given = Buffer.from(detached);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
