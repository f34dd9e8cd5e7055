// Bootstrap tokens (k8s.io/cluster-bootstrap): `ID.SECRET` bearer tokens stored as Secrets of type
// bootstrap.kubernetes.io/token named bootstrap-token-<ID> in kube-system. The authenticator, the token cleaner,
// the bootstrap signer and `a-kube token` all read them through this one module.
import { randomInt } from 'node:crypto';
import { getOwn } from './own.js';
import { isRecord, type KubeObject } from './object.js';

export const bootstrapTokenSecretType = 'bootstrap.kubernetes.io/token';
export const bootstrapTokenSecretPrefix = 'bootstrap-token-';
export const bootstrapTokenNamespace = 'kube-system';
export const bootstrapUserPrefix = 'system:bootstrap:';
export const bootstrapDefaultGroup = 'system:bootstrappers';
/** The extra group `a-kube token create` gives new tokens (kubeadm's name, so existing bindings and docs apply). */
export const defaultNodeTokenGroup = 'system:bootstrappers:kubeadm:default-node-token';
export const clusterInfoNamespace = 'kube-public';
export const clusterInfoName = 'cluster-info';
export const kubeconfigKey = 'kubeconfig';
export const jwsKeyPrefix = 'jws-kubeconfig-';
export const knownUsages = ['signing', 'authentication'] as const;

export const keys = {
  id: 'token-id',
  secret: 'token-secret',
  expiration: 'expiration',
  description: 'description',
  extraGroups: 'auth-extra-groups',
  usagePrefix: 'usage-bootstrap-',
} as const;

const tokenPattern = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const idPattern = /^[a-z0-9]{6}$/;
const groupPattern = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

export interface BootstrapToken {
  id: string;
  secret: string;
}

/** `ID.SECRET` split, or undefined when the text is not a bootstrap token. */
export function parseBootstrapToken(text: string): BootstrapToken | undefined {
  const m = tokenPattern.exec(text);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

export function isTokenId(id: string): boolean {
  return idPattern.test(id);
}

/** Why a group cannot be an extra group of a token, or undefined. */
export function bootstrapGroupError(group: string): string | undefined {
  return groupPattern.test(group) ? undefined : `bootstrap group ${JSON.stringify(group)} is invalid (must match ${groupPattern.source.replace(/^\^/, '\\A').replace(/\$$/, '\\z')})`;
}

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
function randomText(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export function generateBootstrapToken(): BootstrapToken {
  return { id: randomText(6), secret: randomText(16) };
}

/** The token ID a Secret's name carries, or undefined when the name is not bootstrap-token-<6 chars>. */
export function tokenIdFromSecretName(name: string): string | undefined {
  if (!name.startsWith(bootstrapTokenSecretPrefix)) return undefined;
  const id = name.slice(bootstrapTokenSecretPrefix.length);
  return isTokenId(id) ? id : undefined;
}

/** One data field of a Secret, decoded from base64 ('' when absent or not text). */
export function secretData(secret: Readonly<KubeObject>, key: string): string {
  const data = secret['data'];
  if (!isRecord(data)) return '';
  const v = getOwn(data, key);
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '';
}

/**
 * How long until the token expires (ms), Infinity without an expiration; 0 or less when it has expired. A value
 * that is not RFC 3339 counts as expired, as the cluster-bootstrap library treats it.
 */
export function tokenTimeLeftMs(secret: Readonly<KubeObject>, nowMs: number): number {
  const text = secretData(secret, keys.expiration);
  if (text === '') return Infinity;
  const at = parseRfc3339(text);
  return at === undefined ? 0 : at - nowMs;
}

/** RFC 3339 as Go's time.Parse(time.RFC3339) accepts it (Z or an offset, optional fraction). */
export function parseRfc3339(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Usages marked "true" (usage-bootstrap-<usage>), sorted. */
export function tokenUsages(secret: Readonly<KubeObject>): string[] {
  const data = secret['data'];
  if (!isRecord(data)) return [];
  return Object.keys(data)
    .filter((k) => k.startsWith(keys.usagePrefix) && secretData(secret, k) === 'true')
    .map((k) => k.slice(keys.usagePrefix.length))
    .sort();
}

/** system:bootstrappers plus the valid extra groups, deduplicated and sorted; an invalid extra group is an error. */
export function tokenGroups(secret: Readonly<KubeObject>): { groups: string[] } | { error: string } {
  const groups = new Set([bootstrapDefaultGroup]);
  const extra = secretData(secret, keys.extraGroups);
  if (extra !== '') {
    for (const g of extra.split(',')) {
      const error = bootstrapGroupError(g);
      if (error) return { error };
      groups.add(g);
    }
  }
  return { groups: [...groups].sort() };
}

/** The token of a Secret when it is one the bootstrap signer may sign with (a valid, unexpired, signing token). */
export function signingToken(secret: Readonly<KubeObject>, nowMs: number): BootstrapToken | undefined {
  if (secret['type'] !== bootstrapTokenSecretType) return undefined;
  const nameId = tokenIdFromSecretName(secret.metadata.name ?? '');
  const id = secretData(secret, keys.id);
  const tokenSecret = secretData(secret, keys.secret);
  if (!nameId || id !== nameId || tokenSecret === '') return undefined;
  if (tokenTimeLeftMs(secret, nowMs) <= 0) return undefined;
  if (secretData(secret, `${keys.usagePrefix}signing`) !== 'true') return undefined;
  return { id, secret: tokenSecret };
}

export interface NewTokenSecret {
  token: BootstrapToken;
  /** Absent: the token never expires. */
  expiresAt?: Date;
  usages: string[];
  groups: string[];
  description?: string;
}

/** Seconds-precision RFC 3339 in UTC, as Kubernetes writes times. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export function bootstrapTokenSecret(t: NewTokenSecret): KubeObject {
  const data: Record<string, string> = { [keys.id]: t.token.id, [keys.secret]: t.token.secret };
  if (t.description) data[keys.description] = t.description;
  if (t.expiresAt) data[keys.expiration] = rfc3339(t.expiresAt);
  for (const u of t.usages) data[`${keys.usagePrefix}${u}`] = 'true';
  if (t.groups.length > 0) data[keys.extraGroups] = t.groups.join(',');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${bootstrapTokenSecretPrefix}${t.token.id}`, namespace: bootstrapTokenNamespace },
    type: bootstrapTokenSecretType,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}
