// Service-account issuer discovery (pkg/serviceaccount/openidmetadata.go): the OpenID configuration and
// the key set, so that anyone outside the cluster can verify a service-account token.
import { createPublicKey } from 'node:crypto';
import { keyId } from '../pki/service-account-key.js';
import type { ApiResponse } from '../apiserver/types.js';

export const openidConfigurationPath = '/.well-known/openid-configuration';
export const jwksPath = '/openid/v1/jwks';

export interface IssuerDiscovery {
  openidConfiguration(): ApiResponse;
  jwks(): ApiResponse;
}

export function issuerDiscovery(opts: { issuer: string; jwksUri: string; publicKeys: string[] }): IssuerDiscovery {
  const keys = opts.publicKeys.map((pem) => {
    const jwk = createPublicKey(pem).export({ format: 'jwk' });
    const alg = jwk.kty === 'EC' ? (jwk.crv === 'P-384' ? 'ES384' : jwk.crv === 'P-521' ? 'ES512' : 'ES256') : 'RS256';
    return { use: 'sig', kty: jwk.kty, kid: keyId(pem), alg, ...(jwk.kty === 'EC' ? { crv: jwk.crv, x: jwk.x, y: jwk.y } : { n: jwk.n, e: jwk.e }) };
  });
  const algs = [...new Set(keys.map((k) => k.alg))].sort();
  const config = JSON.stringify({
    issuer: opts.issuer,
    jwks_uri: opts.jwksUri,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: algs,
  });
  const jwks = JSON.stringify({ keys });
  const cache = 'public, max-age=3600';
  return {
    openidConfiguration: () => ({ status: 200, headers: { 'content-type': 'application/json', 'cache-control': cache }, body: config }),
    jwks: () => ({ status: 200, headers: { 'content-type': 'application/jwk-set+json', 'cache-control': cache }, body: jwks }),
  };
}
