// Service-account JWT claims (pkg/serviceaccount/claims.go, legacy.go) and the identity they carry.
import { getOwn } from '../../api/own.js';
import { isRecord } from '../../api/object.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../../api/validation/names.js';
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

const serviceAccountUsernamePrefix = 'system:serviceaccount:';

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${serviceAccountUsernamePrefix}${namespace}:${name}`;
}

/**
 * The namespace and name of a service-account username, or undefined when `username` is not exactly
 * `system:serviceaccount:<namespace>:<name>` with a valid namespace name (DNS label) and service-account
 * name (DNS subdomain) — such a name belongs to a plain user (serviceaccount.SplitUsername).
 */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  if (!username.startsWith(serviceAccountUsernamePrefix)) return undefined;
  const parts = username.slice(serviceAccountUsernamePrefix.length).split(':');
  if (parts.length !== 2) return undefined;
  const [namespace = '', name = ''] = parts;
  if (isDNS1123Label(namespace).length > 0 || isDNS1123Subdomain(name).length > 0) return undefined;
  return { namespace, name };
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
  if (!isRecord(v)) return undefined;
  const name = getOwn(v, 'name');
  const uid = getOwn(v, 'uid');
  return typeof name === 'string' && typeof uid === 'string' ? { name, uid } : undefined;
}

/** The private `kubernetes.io` claim, or undefined when it is missing or malformed. */
export function parseKubernetesClaim(v: unknown): KubernetesClaim | undefined {
  if (!isRecord(v)) return undefined;
  const namespace = getOwn(v, 'namespace');
  if (typeof namespace !== 'string') return undefined;
  const serviceaccount = refClaim(getOwn(v, 'serviceaccount'));
  if (!serviceaccount) return undefined;
  const out: KubernetesClaim = { namespace, serviceaccount };
  for (const k of ['pod', 'secret', 'node'] as const) {
    const claim = getOwn(v, k);
    if (claim === undefined) continue;
    const ref = refClaim(claim);
    if (!ref) return undefined;
    out[k] = ref;
  }
  const warnafter = getOwn(v, 'warnafter');
  if (typeof warnafter === 'number') out.warnafter = warnafter;
  return out;
}

/** `aud` as a list: a JWT may carry a single string. */
export function audiencesOf(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  return undefined;
}
