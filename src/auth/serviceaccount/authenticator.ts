// Validates service-account JWTs (pkg/serviceaccount/jwt.go, claims.go, legacy.go): the issuer picks the
// authenticator, then signature, time (60 s leeway), audiences, and the service account and bound
// object still existing with the same UID. Every failure is a bad credential (401), never anonymous.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { isRecord, type KubeObject } from '../../api/object.js';
import { keyId } from '../../pki/service-account-key.js';
import type { LookupKind, ObjectLookup } from '../lookup.js';
import type { TokenAuthenticator, TokenResult } from '../authn/token.js';
import { implicitAudiences } from '../authn/token.js';
import { audiencesOf, leewaySeconds, legacyClaimKeys, legacyIssuer, parseKubernetesClaim, serviceAccountUser, serviceAccountUsername, type KubernetesClaim } from './claims.js';

export interface ServiceAccountAuthenticatorOptions {
  /** PEM public keys any of which may have signed a token. */
  publicKeys: string[];
  /** Issuers of bound tokens (the first is the one TokenRequest uses). */
  issuers: string[];
  /** The API server's own audiences (default: the issuers). */
  apiAudiences?: string[];
  lookup: ObjectLookup;
  now?: () => Date;
}

interface VerifyKey {
  kid: string;
  key: KeyObject;
}

const fail = (reason: string): TokenResult => ({ kind: 'fail', reason });

function secondsNow(now: () => Date): number {
  return Math.floor(now().getTime() / 1000);
}

function deletedBefore(obj: Readonly<KubeObject>, limitSeconds: number): boolean {
  const ts = obj.metadata.deletionTimestamp;
  return ts !== undefined && Date.parse(ts) / 1000 < limitSeconds;
}

export function serviceAccountTokenAuthenticator(opts: ServiceAccountAuthenticatorOptions): TokenAuthenticator {
  const keys: VerifyKey[] = opts.publicKeys.map((pem) => ({ kid: keyId(pem), key: createPublicKey(pem) }));
  const now = opts.now ?? (() => new Date());
  const apiAudiences = opts.apiAudiences ?? opts.issuers;

  async function verifySignature(token: string): Promise<boolean> {
    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(token);
      kid = typeof header.kid === 'string' ? header.kid : undefined;
    } catch {
      return false;
    }
    const candidates = kid ? keys.filter((k) => k.kid === kid) : keys;
    for (const k of candidates.length > 0 ? candidates : keys) {
      try {
        await compactVerify(token, k.key, { algorithms: ['RS256', 'ES256', 'ES384', 'ES512'] });
        return true;
      } catch {
        // try the next key
      }
    }
    return false;
  }

  async function getLive(kind: LookupKind, namespace: string, name: string): Promise<Readonly<KubeObject> | undefined> {
    return opts.lookup.get(kind, namespace, name);
  }

  async function validateBound(claims: Record<string, unknown>, requested: string[] | undefined): Promise<TokenResult> {
    const t = secondsNow(now);
    const exp = claims['exp'];
    const nbf = claims['nbf'];
    const iat = claims['iat'];
    if (typeof exp === 'number' && t > exp + leewaySeconds) return fail('service account token has expired');
    if (typeof nbf === 'number' && t < nbf - leewaySeconds) return fail('service account token is not valid yet');
    if (typeof iat === 'number' && t < iat - leewaySeconds) return fail('service account token is issued in the future');

    const tokenAuds = audiencesOf(claims['aud']);
    if (claims['aud'] !== undefined && !tokenAuds) return fail('invalid audience claim');
    const target = requested && requested.length > 0 ? requested : apiAudiences;
    let audiences: string[];
    if (!tokenAuds || tokenAuds.length === 0) {
      const implicit = implicitAudiences(apiAudiences, requested);
      if (!implicit) return fail(`token audiences ${JSON.stringify(apiAudiences)} is invalid for the target audiences ${JSON.stringify(target)}`);
      audiences = implicit;
    } else {
      audiences = target.filter((a) => tokenAuds.includes(a));
      if (audiences.length === 0) return fail(`token audiences ${JSON.stringify(tokenAuds)} is invalid for the target audiences ${JSON.stringify(target)}`);
    }

    const k8s: KubernetesClaim | undefined = parseKubernetesClaim(claims['kubernetes.io']);
    if (!k8s) return fail('service account token claims could not be validated due to unexpected private claim');
    if (claims['sub'] !== serviceAccountUsername(k8s.namespace, k8s.serviceaccount.name)) return fail('sub claim does not match the service account');

    const limit = t - leewaySeconds;
    const sa = await getLive('ServiceAccount', k8s.namespace, k8s.serviceaccount.name);
    if (!sa || deletedBefore(sa, limit)) return fail(`service account ${k8s.namespace}/${k8s.serviceaccount.name} has been deleted`);
    if (sa.metadata.uid !== k8s.serviceaccount.uid) return fail(`service account UID (${sa.metadata.uid ?? ''}) does not match claim (${k8s.serviceaccount.uid})`);

    const extra: Record<string, string[]> = {};
    if (k8s.secret) {
      const secret = await getLive('Secret', k8s.namespace, k8s.secret.name);
      if (!secret || deletedBefore(secret, limit)) return fail('service account token has been invalidated');
      if (secret.metadata.uid !== k8s.secret.uid) return fail(`secret UID (${secret.metadata.uid ?? ''}) does not match service account secret ref claim (${k8s.secret.uid})`);
    }
    if (k8s.pod) {
      const pod = await getLive('Pod', k8s.namespace, k8s.pod.name);
      if (!pod || deletedBefore(pod, limit)) return fail('service account token has been invalidated');
      if (pod.metadata.uid !== k8s.pod.uid) return fail(`pod UID (${pod.metadata.uid ?? ''}) does not match service account pod ref claim (${k8s.pod.uid})`);
      extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid];
    }
    if (k8s.node) {
      // A pod-bound token carries its node for information only; a node-bound one is checked.
      if (!k8s.pod) {
        const node = await getLive('Node', '', k8s.node.name);
        if (!node || deletedBefore(node, limit)) return fail('service account token has been invalidated');
        if (node.metadata.uid !== k8s.node.uid) return fail(`node UID (${node.metadata.uid ?? ''}) does not match service account node ref claim (${k8s.node.uid})`);
      }
      extra['authentication.kubernetes.io/node-name'] = [k8s.node.name];
      extra['authentication.kubernetes.io/node-uid'] = [k8s.node.uid];
    }
    if (typeof claims['jti'] === 'string') extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims['jti']}`];
    return { kind: 'ok', user: serviceAccountUser(k8s.namespace, k8s.serviceaccount.name, k8s.serviceaccount.uid, extra), audiences };
  }

  async function validateLegacy(token: string, claims: Record<string, unknown>, requested: string[] | undefined): Promise<TokenResult> {
    const str = (k: string) => (typeof claims[k] === 'string' ? claims[k] : '');
    const namespace = str(legacyClaimKeys.namespace);
    const secretName = str(legacyClaimKeys.secretName);
    const saName = str(legacyClaimKeys.serviceAccountName);
    const saUid = str(legacyClaimKeys.serviceAccountUid);
    if (!namespace) return fail('namespace claim is missing');
    if (!secretName) return fail('secretName claim is missing');
    if (!saName) return fail('serviceAccountName claim is missing');
    if (!saUid) return fail('serviceAccountUID claim is missing');
    if (claims['sub'] !== serviceAccountUsername(namespace, saName)) return fail('sub claim is invalid');
    const audiences = implicitAudiences(apiAudiences, requested);
    if (!audiences) return fail('token audiences are invalid for the target audiences');

    const secret = await getLive('Secret', namespace, secretName);
    if (!secret || secret.metadata.deletionTimestamp) return fail('Token has been invalidated');
    const data = isRecord(secret['data']) ? secret['data'] : {};
    const stored = typeof data['token'] === 'string' ? Buffer.from(data['token'], 'base64').toString() : '';
    if (stored !== token) return fail("Token does not match server's copy");
    const sa = await getLive('ServiceAccount', namespace, saName);
    if (!sa || sa.metadata.deletionTimestamp) return fail(`ServiceAccount ${namespace}/${saName} has been deleted`);
    if (sa.metadata.uid !== saUid) return fail(`ServiceAccount UID (${sa.metadata.uid ?? ''}) does not match claim (${saUid})`);
    return { kind: 'ok', user: serviceAccountUser(namespace, saName, saUid), audiences };
  }

  return {
    async authenticateToken(token, audiences) {
      if (token.split('.').length !== 3) return { kind: 'skip' };
      let claims: Record<string, unknown>;
      try {
        claims = decodeJwt(token);
      } catch {
        return { kind: 'skip' };
      }
      const iss = claims['iss'];
      const legacy = iss === legacyIssuer;
      if (!legacy && (typeof iss !== 'string' || !opts.issuers.includes(iss))) return { kind: 'skip' };
      if (!(await verifySignature(token))) return fail('invalid bearer token, square/go-jose: error in cryptographic primitive');
      return legacy ? validateLegacy(token, claims, audiences) : validateBound(claims, audiences);
    },
  };
}
