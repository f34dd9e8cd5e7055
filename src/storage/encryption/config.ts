// The --encryption-provider-config file: Kubernetes' EncryptionConfiguration (apiserver.config.k8s.io/v1), read
// and checked at start (and again when it changes, with --encryption-provider-config-automatic-reload: reload.ts). Each entry names resources ("secrets", "deployments.apps", "*.apps", "*.*") and an
// ordered list of providers: the first one encrypts what is written, every one of them may decrypt what is read.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { refuseDeepYaml } from '../../api/yaml-depth.js';
import { isRecord } from '../../api/object.js';

export type ProviderKind = 'aescbc' | 'aesgcm' | 'secretbox' | 'identity';

export interface ProviderKey {
  name: string;
  secret: Buffer;
}

export type ProviderConfig =
  | { kind: 'identity' }
  | { kind: Exclude<ProviderKind, 'identity'>; keys: ProviderKey[] }
  /** A KMS v2 plugin on a unix socket (kms/provider.ts). */
  | { kind: 'kms'; name: string; endpoint: string; timeoutMs: number };

export interface ResourceEncryption {
  /** As written: "secrets", "deployments.apps", "*.apps", "*.*". */
  resources: string[];
  providers: ProviderConfig[];
}

export class EncryptionConfigError extends Error {
  override name = 'EncryptionConfigError';
}

const keyLengths: Record<Exclude<ProviderKind, 'identity'>, number[]> = { aescbc: [16, 24, 32], aesgcm: [16, 24, 32], secretbox: [32] };
const kinds = ['aescbc', 'aesgcm', 'secretbox', 'identity', 'kms'];

function keysOf(path: string, kind: Exclude<ProviderKind, 'identity'>, v: unknown): ProviderKey[] {
  const keys = isRecord(v) ? v['keys'] : undefined;
  if (!Array.isArray(keys) || keys.length === 0) throw new EncryptionConfigError(`${path}.${kind}.keys: Required value: at least one keys is required`);
  const seen = new Set<string>();
  return keys.map((k: unknown, i) => {
    const at = `${path}.${kind}.keys[${i}]`;
    if (!isRecord(k)) throw new EncryptionConfigError(`${at}: Invalid value: expected an object with name and secret`);
    const name = k['name'];
    if (typeof name !== 'string' || name === '') throw new EncryptionConfigError(`${at}.name: Required value: name is a mandatory field for a key`);
    if (name.includes(':')) throw new EncryptionConfigError(`${at}.name: Invalid value: "${name}": should not contain ':'`);
    if (seen.has(name)) throw new EncryptionConfigError(`${at}.name: Duplicate value: "${name}"`);
    seen.add(name);
    const secret = k['secret'];
    if (typeof secret !== 'string' || secret === '') throw new EncryptionConfigError(`${at}.secret: Required value: secret is a mandatory field for a key`);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(secret) || secret.length % 4 !== 0) throw new EncryptionConfigError(`${at}.secret: Invalid value: "REDACTED": secrets must be base64 encoded`);
    const bytes = Buffer.from(secret, 'base64');
    if (!keyLengths[kind].includes(bytes.length)) {
      throw new EncryptionConfigError(`${at}.secret: Invalid value: "REDACTED": secret is not of the expected length, got ${bytes.length}, expected one of [${keyLengths[kind].join(' ')}]`);
    }
    return { name, secret: bytes };
  });
}

const defaultKmsTimeoutMs = 3_000;

/** A Go duration as the configuration writes it ("3s", "500ms", "1m30s"). */
function durationMs(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * (unit[m[2]!] ?? 0);
  return ms;
}

function kmsOf(path: string, v: unknown): ProviderConfig {
  const at = `${path}.kms`;
  if (!isRecord(v)) throw new EncryptionConfigError(`${at}: Invalid value: expected an object with apiVersion, name and endpoint`);
  const apiVersion = v['apiVersion'] ?? 'v1';
  if (apiVersion === 'v1') throw new EncryptionConfigError(`${at}.apiVersion: Unsupported value: "v1": a-kube speaks KMS v2 only (KMS v1 is deprecated and off by default in Kubernetes); set apiVersion: v2 with a v2 plugin`);
  if (apiVersion !== 'v2') throw new EncryptionConfigError(`${at}.apiVersion: Unsupported value: ${JSON.stringify(apiVersion)}: supported values: "v1", "v2"`);
  const name = v['name'];
  if (typeof name !== 'string' || name === '') throw new EncryptionConfigError(`${at}.name: Required value: name is a mandatory field for a KMS provider`);
  if (name.includes(':')) throw new EncryptionConfigError(`${at}.name: Invalid value: "${name}": should not contain ':'`);
  if (v['cachesize'] !== undefined) throw new EncryptionConfigError(`${at}.cachesize: Invalid value: ${JSON.stringify(v['cachesize'])}: cachesize is not supported in v2`);
  const endpoint = v['endpoint'];
  if (typeof endpoint !== 'string' || endpoint === '') throw new EncryptionConfigError(`${at}.endpoint: Required value: endpoint is a mandatory field for a KMS provider`);
  if (!/^unix:(\/\/)?\/./.test(endpoint)) throw new EncryptionConfigError(`${at}.endpoint: Invalid value: "${endpoint}": unsupported scheme for KMS provider, only unix is supported`);
  const timeout = v['timeout'];
  let timeoutMs = defaultKmsTimeoutMs;
  if (timeout !== undefined) {
    const ms = typeof timeout === 'string' ? durationMs(timeout) : undefined;
    if (ms === undefined || ms <= 0) throw new EncryptionConfigError(`${at}.timeout: Invalid value: ${JSON.stringify(timeout)}: timeout should be a positive value`);
    timeoutMs = ms;
  }
  return { kind: 'kms', name, endpoint, timeoutMs };
}

function providerOf(path: string, v: unknown): ProviderConfig {
  if (!isRecord(v)) throw new EncryptionConfigError(`${path}: Invalid value: expected an object naming one provider`);
  const named = Object.keys(v).filter((k) => kinds.includes(k));
  const unknown = Object.keys(v).filter((k) => !kinds.includes(k));
  if (unknown.length > 0) throw new EncryptionConfigError(`${path}: Invalid value: unknown provider ${JSON.stringify(unknown[0])}: use kms, aescbc, aesgcm, secretbox or identity`);
  if (named.length === 0) throw new EncryptionConfigError(`${path}: Invalid value: provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity`);
  if (named.length > 1) throw new EncryptionConfigError(`${path}: Invalid value: more than one provider specified in a single element, should split into different list elements`);
  const kind = named[0]!;
  if (kind === 'kms') return kmsOf(path, v[kind]);
  if (kind === 'identity') return { kind: 'identity' };
  const k = kind as Exclude<ProviderKind, 'identity'>;
  return { kind: k, keys: keysOf(path, k, v[kind]) };
}

/** Checks a parsed EncryptionConfiguration; throws EncryptionConfigError with the field path and what is wrong. */
export function encryptionConfigFrom(doc: unknown): ResourceEncryption[] {
  if (!isRecord(doc)) throw new EncryptionConfigError('expected an EncryptionConfiguration object');
  if (doc['kind'] !== 'EncryptionConfiguration') throw new EncryptionConfigError(`kind: Invalid value: ${JSON.stringify(doc['kind'] ?? '')}: expected EncryptionConfiguration`);
  if (doc['apiVersion'] !== 'apiserver.config.k8s.io/v1') throw new EncryptionConfigError(`apiVersion: Invalid value: ${JSON.stringify(doc['apiVersion'] ?? '')}: expected apiserver.config.k8s.io/v1`);
  const list = doc['resources'];
  if (!Array.isArray(list) || list.length === 0) throw new EncryptionConfigError('resources: Required value: at least one resources is required');
  const seen = new Set<string>();
  const checked = list.map((entry: unknown, i): ResourceEncryption => {
    const at = `resources[${i}]`;
    if (!isRecord(entry)) throw new EncryptionConfigError(`${at}: Invalid value: expected an object`);
    const resources = entry['resources'];
    if (!Array.isArray(resources) || resources.length === 0) throw new EncryptionConfigError(`${at}.resources: Required value: at least one ${at}.resources is required`);
    resources.forEach((r: unknown, j) => {
      if (typeof r !== 'string' || r === '') throw new EncryptionConfigError(`${at}.resources[${j}]: Required value`);
      if (r !== r.toLowerCase()) throw new EncryptionConfigError(`${at}.resources[${j}]: Invalid value: "${r}": resource name must be lowercase`);
      if (seen.has(r)) throw new EncryptionConfigError(`${at}.resources[${j}]: Duplicate value: "${r}"`);
      seen.add(r);
    });
    const providers = entry['providers'];
    if (!Array.isArray(providers) || providers.length === 0) throw new EncryptionConfigError(`${at}.providers: Required value: at least one ${at}.providers is required`);
    return { resources: resources as string[], providers: providers.map((p: unknown, j) => providerOf(`${at}.providers[${j}]`, p)) };
  });
  // One plugin per KMS provider name, as kube-apiserver requires: the name is in every value it writes.
  const kms = new Map<string, string>();
  checked.forEach((entry, i) =>
    entry.providers.forEach((p, j) => {
      if (p.kind !== 'kms') return;
      const seen = kms.get(p.name);
      if (seen !== undefined && seen !== p.endpoint) throw new EncryptionConfigError(`resources[${i}].providers[${j}].kms.name: Duplicate value: "${p.name}": KMS provider names must be unique`);
      kms.set(p.name, p.endpoint);
    }),
  );
  return checked;
}

/** The KMS providers of a configuration, one per name. */
export function kmsProviders(config: readonly ResourceEncryption[]): Extract<ProviderConfig, { kind: 'kms' }>[] {
  const byName = new Map<string, Extract<ProviderConfig, { kind: 'kms' }>>();
  for (const e of config) for (const p of e.providers) if (p.kind === 'kms' && !byName.has(p.name)) byName.set(p.name, p);
  return [...byName.values()];
}

/** Reads the file. */
export function readEncryptionConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new EncryptionConfigError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Checks the file's text (YAML or JSON); errors name the file. */
export function parseEncryptionConfig(text: string, file: string): ResourceEncryption[] {
  let doc: unknown;
  try {
    refuseDeepYaml(text);
    doc = parse(text);
  } catch (e) {
    throw new EncryptionConfigError(`${file} is not YAML or JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return encryptionConfigFrom(doc);
  } catch (e) {
    if (e instanceof EncryptionConfigError) throw new EncryptionConfigError(`${file}: ${e.message}`);
    throw e;
  }
}

/** One line for the start-up log: which resources are encrypted, and the provider and key that write them. */
export function describeEncryption(config: readonly ResourceEncryption[]): string {
  return config
    .map((e) => {
      const first = e.providers[0];
      const writer = !first || first.kind === 'identity' ? 'identity (not encrypted)' : first.kind === 'kms' ? `kms v2 provider ${first.name}` : `${first.kind} key ${first.keys[0]?.name ?? ''}`;
      const readers = e.providers.length > 1 || (first && first.kind !== 'identity' && first.kind !== 'kms' && first.keys.length > 1) ? ', older providers and keys read' : '';
      return `${e.resources.join(', ')} written with ${writer}${readers}`;
    })
    .join('; ');
}
