// Reading the flags of `a-kube up` and `a-kube server` (and `up --ha`): each parser answers the value, or ends the
// process with the reason.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatCidr, parseCidr, parseIPv4 } from '../api/ipv4.js';
import type { AuditOptions } from '../cluster/audit.js';
import { parseStorageSpec, type StorageSpec } from '../storage/spec.js';
import { parseGoDuration } from '../api/go-duration.js';

export function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

export function parseBool(name: string, v: string | boolean | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  fail(`invalid value "${v}" for --${name}: use true or false`);
}

export function parseRuntime(v: string | undefined): 'containerd' | 'fake' | 'none' {
  if (v === undefined || v === 'containerd' || v === 'fake' || v === 'none') return v ?? 'containerd';
  fail(`invalid --runtime "${v}": use containerd, fake or none`);
}

export function parseAuthorizationMode(v: string | undefined): 'RBAC' | 'AlwaysAllow' {
  if (v === undefined || v === 'RBAC' || v === 'AlwaysAllow') return v ?? 'RBAC';
  fail(`invalid --authorization-mode "${v}": use RBAC or AlwaysAllow`);
}

export function parseLimit(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) fail(`invalid --${name} "${v}": use a whole number (0: no limit)`);
  return n;
}

export function parseThreshold(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || Math.abs(n) > 2 ** 31 - 1) fail(`invalid --${name} "${v}": use a whole number (0 or less: no limit)`);
  return n;
}

export function parseNodes(v: string | undefined): number {
  const n = Number(v ?? '1');
  if (!Number.isInteger(n) || n < 1) fail(`invalid --nodes "${v}": use a positive number`);
  return n;
}

export function parseClusterCidr(v: string): string {
  const c = parseCidr(v);
  if (!c || c.prefix > 24) fail(`invalid --cluster-cidr "${v}": use an IPv4 block of /24 or larger, e.g. 10.244.0.0/16`);
  return formatCidr(c);
}

export function parseNodeIP(v: string): string {
  if (parseIPv4(v) === undefined) fail(`invalid --node-ip "${v}": use an IPv4 address`);
  return v;
}

/** A Go duration flag (30s, 5m, 1h30m) in milliseconds; undefined when the flag is absent. */
export function parseDurationFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  let ms: number;
  try {
    ms = parseGoDuration(v);
  } catch (e) {
    fail(`invalid --${name} "${v}": ${(e as Error).message}; use a duration such as 40s, 5m or 8760h`);
  }
  if (!(ms > 0)) fail(`invalid --${name} "${v}": use a duration above zero`);
  return ms;
}

export function parseCount(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) fail(`invalid --${name} "${v}": use a whole number`);
  return n;
}

export function parseAuditFlags(values: Record<string, string | boolean | undefined>): AuditOptions {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const o: AuditOptions = {};
  const logPath = str('audit-log-path');
  if (logPath !== undefined) o.logPath = logPath === '' || logPath === '-' ? logPath : resolve(logPath);
  const policy = str('audit-policy-file');
  if (policy) o.policyFile = resolve(policy);
  const webhook = str('audit-webhook-config-file');
  if (webhook) o.webhookConfigFile = resolve(webhook);
  const counts = [['audit-log-maxsize', 'maxSizeMB'], ['audit-log-maxbackup', 'maxBackups'], ['audit-log-maxage', 'maxAgeDays'], ['audit-webhook-batch-max-size', 'webhookBatchMaxSize']] as const;
  for (const [flag, key] of counts) {
    const n = parseCount(flag, str(flag));
    if (n !== undefined) o[key] = n;
  }
  const wait = str('audit-webhook-batch-max-wait');
  if (wait !== undefined) {
    const m = /^(\d+)(ms|s|m)$/.exec(wait);
    if (!m) fail(`invalid --audit-webhook-batch-max-wait "${wait}": use a duration such as 500ms, 5s or 1m`);
    o.webhookBatchMaxWaitMs = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
  }
  const backoff = parseDurationFlag('audit-webhook-initial-backoff', str('audit-webhook-initial-backoff'));
  if (backoff !== undefined) o.webhookInitialBackoffMs = backoff;
  return o;
}

/** --storage and the --etcd-* flags (shared by the commands that open the cluster's storage). */
export function storageFlags(values: Record<string, string | boolean | undefined>): StorageSpec {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  let spec: StorageSpec;
  try {
    spec = parseStorageSpec(str('storage') ?? 'sqlite');
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const etcdOnly = ['etcd-prefix', 'etcd-cafile', 'etcd-certfile', 'etcd-keyfile'].filter((k) => str(k) !== undefined);
  if (spec.kind !== 'etcd') {
    if (etcdOnly.length > 0) fail(`--${etcdOnly[0]} applies to etcd storage only: add --storage etcd://HOST:PORT`);
    return spec;
  }
  const prefix = str('etcd-prefix');
  if (prefix !== undefined && !/^\/[^\s]*$/.test(prefix)) fail(`invalid --etcd-prefix "${prefix}": use a path such as /registry`);
  const caFile = str('etcd-cafile');
  const certFile = str('etcd-certfile');
  const keyFile = str('etcd-keyfile');
  if (Boolean(certFile) !== Boolean(keyFile)) fail('--etcd-certfile and --etcd-keyfile go together (a client certificate and its key)');
  const tls = caFile || certFile ? { ...(caFile ? { caFile: resolve(caFile) } : {}), ...(certFile ? { certFile: resolve(certFile) } : {}), ...(keyFile ? { keyFile: resolve(keyFile) } : {}) } : undefined;
  return { ...spec, ...(prefix ? { prefix } : {}), ...(tls ? { tls } : {}) };
}

/** --requestheader-*: a CA file read now (a bad file stops start-up with its reason) and comma lists. */
export function parseRequestHeaderFlags(caFile: string | undefined, names: string | undefined, uids: string | undefined): { clientCA?: string; allowedNames?: string[]; uidHeaders?: string[] } | undefined {
  if (caFile === undefined && names === undefined && uids === undefined) return undefined;
  const list = (v: string) => v.split(',').map((x) => x.trim()).filter((x) => x !== '');
  let clientCA: string | undefined;
  if (caFile !== undefined) {
    try {
      clientCA = readFileSync(resolve(caFile), 'utf8');
      new X509Certificate(clientCA);
    } catch (e) {
      fail(`invalid --requestheader-client-ca-file "${caFile}": ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { ...(clientCA !== undefined ? { clientCA } : {}), ...(names !== undefined ? { allowedNames: list(names) } : {}), ...(uids !== undefined ? { uidHeaders: list(uids) } : {}) };
}

/**
 * --service-account-max-token-expiration in whole seconds; undefined when absent. Kubernetes' own floor is 1 hour;
 * shorter caps, down to 10 s, are for development and tests (watching pod tokens rotate).
 */
export function parseTokenExpirationCap(v: string | undefined): number | undefined {
  const ms = parseDurationFlag('service-account-max-token-expiration', v);
  if (ms === undefined) return undefined;
  if (ms % 1000 !== 0 || ms < 10_000 || ms > 2 ** 32 * 1000) fail(`invalid --service-account-max-token-expiration "${v}": use whole seconds from 10s to 2^32 seconds`);
  return ms / 1000;
}
