// The KMS v2 provider (kube-apiserver's envelope encryption with `kms: {apiVersion: v2}`), in the seed mode that is
// kube-apiserver's default since 1.29: a 32-byte seed is encrypted by the plugin once and reused; each write derives
// its own AES-256-GCM key from the seed and 32 random bytes by HKDF-SHA256 (expand only), so the plugin is not called
// per write and no key ever seals two values. The stored form is `k8s:enc:kms:v2:<provider name>:` and an
// EncryptedObject (base64, since the storage holds text) whose data is those 32 bytes, the nonce, the sealed value and
// the tag, the storage key being the additional data. A new seed is made when the plugin's key ID changes (its Status
// key_id, polled every minute, or an Encrypt answer) or when no Status has confirmed the key for three minutes, so
// writes stop using a key the plugin no longer vouches for. Values written with a plain DEK (AES_GCM_KEY, a-kube's
// earlier form and kube-apiserver's before 1.29) still read; they, and values under another key ID, are stale.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID, type CipherGCM, type DecipherGCM } from 'node:crypto';
import type { ProviderConfig } from '../config.js';
import { hkdfExpandSha256 } from '../hkdf.js';
import { DecryptionError, encryptedPrefix, type ValueTransformer } from '../transformers.js';
import { connectKmsPlugin, KmsError, type KmsService } from './client.js';
import { decodeEncryptedObject, DekSourceType, encodeEncryptedObject, invalidEncryptedObject, invalidEnvelope, type EncryptedObject } from './encrypted-object.js';

export type KmsProviderConfig = Extract<ProviderConfig, { kind: 'kms' }>;

/** The seed writes derive their keys from, as the plugin encrypted it under `keyId`. */
interface WriteSeed {
  seed: Buffer;
  encrypted: Buffer;
  keyId: string;
  annotations: Record<string, Buffer>;
  /** Writes need a new seed after this (ms since the epoch) unless a Status confirms the key again. */
  expiresAt: number;
}

/** A connected plugin, the key it encrypts with now and the seed writes use. */
export interface KmsPlugin {
  service: KmsService;
  keyId: string;
  writeSeed?: WriteSeed;
  /** A seed being made (concurrent writes wait for the same one). */
  seeding?: Promise<WriteSeed>;
}

const seedBytes = 32;
const infoBytes = 32;
const nonceBytes = 12;
const tagBytes = 16;
const dekCacheSize = 1000;
const statusPollMs = 60_000;
/** kube-apiserver's kmsv2PluginWriteDEKSourceMaxTTL. */
export const writeSeedTtlMs = 3 * 60_000;

/** The plugin's current key according to a successful Status: a changed key drops the write seed, the same one keeps it. */
export function noteStatusKey(plugin: KmsPlugin, keyId: string, now = Date.now()): void {
  plugin.keyId = keyId;
  if (plugin.writeSeed?.keyId === keyId) plugin.writeSeed.expiresAt = now + writeSeedTtlMs;
}

async function writeSeedFor(name: string, plugin: KmsPlugin): Promise<WriteSeed> {
  const current = plugin.writeSeed;
  if (current && current.keyId === plugin.keyId && Date.now() < current.expiresAt) return current;
  plugin.seeding ??= (async () => {
    const seed = randomBytes(seedBytes);
    const answer = await plugin.service.encrypt(seed, randomUUID());
    const invalid = invalidEnvelope({ keyId: answer.keyId, encryptedDek: answer.ciphertext, annotations: answer.annotations });
    if (invalid) throw new KmsError(`kms provider ${name}: the plugin's Encrypt answer cannot be stored: ${invalid}`);
    plugin.keyId = answer.keyId;
    plugin.writeSeed = { seed, encrypted: answer.ciphertext, keyId: answer.keyId, annotations: answer.annotations, expiresAt: Date.now() + writeSeedTtlMs };
    return plugin.writeSeed;
  })().finally(() => {
    plugin.seeding = undefined;
  });
  return plugin.seeding;
}

function sourceCacheKey(o: Pick<EncryptedObject, 'dekSourceType' | 'keyId' | 'encryptedDek' | 'annotations'>): string {
  const annotations = Object.keys(o.annotations).sort().map((k) => `${k}=${o.annotations[k]!.toString('base64')}`);
  return [o.dekSourceType, o.keyId, o.encryptedDek.toString('base64'), ...annotations].join('\u0000');
}

export function kmsV2Transformer(name: string, plugin: KmsPlugin): ValueTransformer {
  const prefix = `${encryptedPrefix}kms:v2:${name}:`;
  /** Decrypted DEK sources (keys and seeds) by their stored form (insertion order: the oldest is dropped first). */
  const sources = new Map<string, Buffer>();
  const remember = (id: string, source: Buffer) => {
    if (sources.size >= dekCacheSize) sources.delete(sources.keys().next().value as string);
    sources.set(id, source);
  };
  const sourceFor = async (o: EncryptedObject): Promise<Buffer> => {
    const id = sourceCacheKey(o);
    const hit = sources.get(id);
    if (hit) return hit;
    let source: Buffer;
    try {
      source = await plugin.service.decrypt(o.encryptedDek, randomUUID(), o.keyId, o.annotations);
    } catch (e) {
      throw new DecryptionError(e instanceof Error ? e.message : String(e), { cause: e });
    }
    remember(id, source);
    return source;
  };
  return {
    prefix,
    async seal(plain, context) {
      const s = await writeSeedFor(name, plugin);
      const stored = { keyId: s.keyId, encryptedDek: s.encrypted, annotations: s.annotations, dekSourceType: DekSourceType.hkdfSha256XnonceAesGcmSeed };
      const id = sourceCacheKey(stored);
      if (!sources.has(id)) remember(id, s.seed);
      const info = randomBytes(infoBytes);
      const nonce = randomBytes(nonceBytes);
      const c = createCipheriv('aes-256-gcm', hkdfExpandSha256(s.seed, info, 32), nonce) as CipherGCM;
      c.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      const encryptedData = Buffer.concat([info, nonce, body, c.getAuthTag()]);
      return prefix + encodeEncryptedObject({ encryptedData, ...stored }).toString('base64');
    },
    async open(rest, context) {
      const o = decodeStored(rest);
      const source = await sourceFor(o);
      let key = source;
      let data = o.encryptedData;
      if (o.dekSourceType === DekSourceType.hkdfSha256XnonceAesGcmSeed) {
        if (source.length < seedBytes) throw new DecryptionError(`invalid seed length ${source.length} used for key generation`);
        if (data.length < infoBytes) throw new DecryptionError('the stored data was shorter than the required size');
        key = hkdfExpandSha256(source, data.subarray(0, infoBytes), 32);
        data = data.subarray(infoBytes);
      } else if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
        throw new DecryptionError(`kms provider ${name}: the plugin decrypted a DEK of ${key.length} bytes`);
      }
      if (data.length < nonceBytes + tagBytes) throw new DecryptionError('the stored data is shorter than a nonce and a tag');
      const d = createDecipheriv(`aes-${key.length * 8}-gcm`, key, data.subarray(0, nonceBytes)) as DecipherGCM;
      d.setAAD(Buffer.from(context, 'utf8'));
      d.setAuthTag(data.subarray(data.length - tagBytes));
      try {
        return Buffer.concat([d.update(data.subarray(nonceBytes, data.length - tagBytes)), d.final()]).toString('utf8');
      } catch {
        throw new DecryptionError('the authentication tag does not match: the data was altered or moved to another key');
      }
    },
    stale(rest) {
      const o = decodeStored(rest);
      return o.keyId !== plugin.keyId || o.dekSourceType !== DekSourceType.hkdfSha256XnonceAesGcmSeed;
    },
  };
}

function decodeStored(rest: string): ReturnType<typeof decodeEncryptedObject> {
  let o;
  try {
    o = decodeEncryptedObject(Buffer.from(rest, 'base64'));
  } catch (e) {
    throw new DecryptionError(`the stored value is not an EncryptedObject: ${e instanceof Error ? e.message : String(e)}`);
  }
  const invalid = invalidEncryptedObject(o);
  if (invalid) throw new DecryptionError(`the stored EncryptedObject is not valid: ${invalid}`);
  return o;
}

/** Asks a plugin for its status; throws KmsError unless it speaks v2, is healthy and names a valid key. */
export async function checkedStatus(name: string, service: KmsService): Promise<string> {
  const s = await service.status();
  if (s.version !== 'v2' && s.version !== 'v2beta1') throw new KmsError(`kms provider ${name}: the plugin speaks KMS API "${s.version}", not v2`);
  if (s.healthz !== 'ok') throw new KmsError(`kms provider ${name}: the plugin is not healthy: ${s.healthz}`);
  const invalid = invalidEnvelope({ keyId: s.keyId, encryptedDek: Buffer.alloc(1), annotations: {} });
  if (invalid) throw new KmsError(`kms provider ${name}: the plugin's Status: ${invalid}`);
  return s.keyId;
}

/** How long a health answer is reused (kube-apiserver's kmsPluginHealthzPositiveTTL and NegativeTTL). */
const healthyTtlMs = 20_000;
const unhealthyTtlMs = 3_000;

/**
 * kube-apiserver's `kms-providers` health check: every plugin's Status (a healthy answer reused for 20 s, a failure
 * for 3 s), failing with each failed plugin as `kms-provider-<index>: <why>`. A Status also confirms or rotates the
 * write seed, as the minute's poll does.
 */
export function kmsProvidersHealth(plugins: ReadonlyMap<string, KmsPlugin>, now: () => number = Date.now): () => Promise<void> {
  const last = new Map<string, { at: number; error: string | undefined }>();
  const probe = async (name: string, p: KmsPlugin): Promise<string | undefined> => {
    const cached = last.get(name);
    if (cached && now() - cached.at < (cached.error === undefined ? healthyTtlMs : unhealthyTtlMs)) return cached.error;
    let error: string | undefined;
    try {
      noteStatusKey(p, await checkedStatus(name, p.service), now());
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    last.set(name, { at: now(), error });
    return error;
  };
  return async () => {
    const errors = await Promise.all([...plugins].map(async ([name, p], i) => {
      const error = await probe(name, p);
      return error === undefined ? undefined : `kms-provider-${i}: ${error}`;
    }));
    const failed = errors.filter((e) => e !== undefined);
    if (failed.length > 0) throw new KmsError(failed.length === 1 ? failed[0]! : `[${failed.join(', ')}]`);
  };
}

/**
 * Connects to every KMS v2 plugin the configuration names and checks each one's Status (a-kube does not start with
 * a plugin that does not answer); the key IDs are then polled every minute. `health` is the `kms-providers` check;
 * `close` stops the polls and the clients.
 */
export async function openKmsPlugins(providers: readonly KmsProviderConfig[], connect: (p: KmsProviderConfig) => KmsService = connectKmsPlugin): Promise<{ plugins: Map<string, KmsPlugin>; health: () => Promise<void>; close(): void }> {
  const plugins = new Map<string, KmsPlugin>();
  const close = () => {
    clearInterval(poll);
    for (const p of plugins.values()) p.service.close();
  };
  const poll = setInterval(() => {
    for (const [name, p] of plugins) {
      checkedStatus(name, p.service).then(
        (keyId) => noteStatusKey(p, keyId),
        (e: unknown) => process.emitWarning(`encryption at rest: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
  }, statusPollMs);
  poll.unref();
  try {
    for (const p of providers) {
      if (plugins.has(p.name)) continue;
      const service = connect(p);
      plugins.set(p.name, { service, keyId: '' });
      plugins.get(p.name)!.keyId = await checkedStatus(p.name, service);
    }
  } catch (e) {
    close();
    throw e;
  }
  return { plugins, health: kmsProvidersHealth(plugins), close };
}
