// Service-account JWT claims (pkg/serviceaccount/claims.go, legacy.go) and the identity they carry.
import { isRecord } from '../../api/object.js';
import type { UserInfo } from '../types.js';

export const legacyIssuer = 'kubernetes/serviceaccount';
export const defaultIssuer = 'https://kubernetes.default.svc.cluster.local';
/** What kubelet and the admission-injected projected volume ask for (1h + 7s). */
export const warnOnlyBoundTokenExpirationSeconds = 3607;
/** The extended lifetime such tokens get, with warnafter at 3607 s. */
export const expirationExtensionSeconds = 365 * 24 * 3600;
export const leewaySeconds = 60;

export interface ObjectRefClaim {
  name: string;
  uid: string;
}

export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRefClaim;
  pod?: ObjectRefClaim;
  secret?: ObjectRefClaim;
  node?: ObjectRefClaim;
  warnafter?: number;
}

export interface BoundClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti?: string;
  'kubernetes.io': KubernetesClaim;
}

export const legacyClaimKeys = {
  namespace: 'kubernetes.io/serviceaccount/namespace',
  secretName: 'kubernetes.io/serviceaccount/secret.name',
  serviceAccountName: 'kubernetes.io/serviceaccount/service-account.name',
  serviceAccountUid: 'kubernetes.io/serviceaccount/service-account.uid',
} as const;

export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

export function serviceAccountUser(namespace: string, name: string, uid: string, extra?: Record<string, string[]>): UserInfo {
  return {
    name: serviceAccountUsername(namespace, name),
    uid,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
    ...(extra && Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

function refClaim(v: unknown): ObjectRefClaim | undefined {
  if (!isRecord(v) || typeof v['name'] !== 'string' || typeof v['uid'] !== 'string') return undefined;
  return { name: v['name'], uid: v['uid'] };
}

/** The private `kubernetes.io` claim, or undefined when it is missing or malformed. */
export function parseKubernetesClaim(v: unknown): KubernetesClaim | undefined {
  if (!isRecord(v) || typeof v['namespace'] !== 'string') return undefined;
  const serviceaccount = refClaim(v['serviceaccount']);
  if (!serviceaccount) return undefined;
  const out: KubernetesClaim = { namespace: v['namespace'], serviceaccount };
  for (const k of ['pod', 'secret', 'node'] as const) {
    if (v[k] === undefined) continue;
    const ref = refClaim(v[k]);
    if (!ref) return undefined;
    out[k] = ref;
  }
  if (typeof v['warnafter'] === 'number') out.warnafter = v['warnafter'];
  return out;
}

/** `aud` as a list: a JWT may carry a single string. */
export function audiencesOf(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  return undefined;
}
