// The KMS v2 provider (kube-apiserver's envelope encryption with `kms: {apiVersion: v2}`): each write gets a fresh
// 32-byte data-encryption key (DEK); the value is sealed with it by AES-GCM (the storage key as additional data, as
// the aesgcm provider does), the DEK is encrypted by the plugin, and both are stored as an EncryptedObject after
// `k8s:enc:kms:v2:<provider name>:` (in base64, since the storage holds text). Reads ask the plugin to decrypt the
// DEK once, then find it in a bounded cache. A value written under another key than the plugin's current one
// (its Status key_id, polled every minute, or the last Encrypt's) is stale: an update rewrites it.
import { createCipheriv, createDecipheriv, randomBytes, randomUUID, type CipherGCM, type DecipherGCM } from 'node:crypto';
import type { ProviderConfig } from '../config.js';
import { DecryptionError, encryptedPrefix, type ValueTransformer } from '../transformers.js';
import { connectKmsPlugin, KmsError, type KmsService } from './client.js';
import { decodeEncryptedObject, encodeEncryptedObject, invalidEnvelope } from './encrypted-object.js';

export type KmsProviderConfig = Extract<ProviderConfig, { kind: 'kms' }>;

/** A connected plugin and the key it encrypts with now. */
export interface KmsPlugin {
  service: KmsService;
  keyId: string;
}

const dekBytes = 32;
const nonceBytes = 12;
const tagBytes = 16;
const dekCacheSize = 1000;
const statusPollMs = 60_000;

export function kmsV2Transformer(name: string, plugin: KmsPlugin): ValueTransformer {
  const prefix = `${encryptedPrefix}kms:v2:${name}:`;
  /** Decrypted DEKs by their encrypted form (insertion order: the oldest is dropped first). */
  const deks = new Map<string, Buffer>();
  const dekFor = async (encryptedDek: Buffer, keyId: string, annotations: Record<string, Buffer>): Promise<Buffer> => {
    const id = `${keyId}\u0000${encryptedDek.toString('base64')}`;
    const hit = deks.get(id);
    if (hit) return hit;
    let dek: Buffer;
    try {
      dek = await plugin.service.decrypt(encryptedDek, randomUUID(), keyId, annotations);
    } catch (e) {
      throw new DecryptionError(e instanceof Error ? e.message : String(e), { cause: e });
    }
    if (dek.length !== 16 && dek.length !== 24 && dek.length !== dekBytes) throw new DecryptionError(`kms provider ${name}: the plugin decrypted a DEK of ${dek.length} bytes`);
    if (deks.size >= dekCacheSize) deks.delete(deks.keys().next().value as string);
    deks.set(id, dek);
    return dek;
  };
  return {
    prefix,
    async seal(plain, context) {
      const dek = randomBytes(dekBytes);
      const answer = await plugin.service.encrypt(dek, randomUUID());
      const invalid = invalidEnvelope({ keyId: answer.keyId, encryptedDek: answer.ciphertext, annotations: answer.annotations });
      if (invalid) throw new KmsError(`kms provider ${name}: the plugin's Encrypt answer cannot be stored: ${invalid}`);
      plugin.keyId = answer.keyId;
      const nonce = randomBytes(nonceBytes);
      const c = createCipheriv('aes-256-gcm', dek, nonce) as CipherGCM;
      c.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      const encryptedData = Buffer.concat([nonce, body, c.getAuthTag()]);
      return prefix + encodeEncryptedObject({ encryptedData, keyId: answer.keyId, encryptedDek: answer.ciphertext, annotations: answer.annotations }).toString('base64');
    },
    async open(rest, context) {
      const o = decodeStored(rest);
      const dek = await dekFor(o.encryptedDek, o.keyId, o.annotations);
      if (o.encryptedData.length < nonceBytes + tagBytes) throw new DecryptionError('the stored data is shorter than a nonce and a tag');
      const d = createDecipheriv(`aes-${dek.length * 8}-gcm`, dek, o.encryptedData.subarray(0, nonceBytes)) as DecipherGCM;
      d.setAAD(Buffer.from(context, 'utf8'));
      d.setAuthTag(o.encryptedData.subarray(o.encryptedData.length - tagBytes));
      try {
        return Buffer.concat([d.update(o.encryptedData.subarray(nonceBytes, o.encryptedData.length - tagBytes)), d.final()]).toString('utf8');
      } catch {
        throw new DecryptionError('the authentication tag does not match: the data was altered or moved to another key');
      }
    },
    stale: (rest) => decodeStored(rest).keyId !== plugin.keyId,
  };
}

function decodeStored(rest: string): ReturnType<typeof decodeEncryptedObject> {
  let o;
  try {
    o = decodeEncryptedObject(Buffer.from(rest, 'base64'));
  } catch (e) {
    throw new DecryptionError(`the stored value is not an EncryptedObject: ${e instanceof Error ? e.message : String(e)}`);
  }
  const invalid = invalidEnvelope(o);
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

/**
 * Connects to every KMS v2 plugin the configuration names and checks each one's Status (a-kube does not start with
 * a plugin that does not answer); the key IDs are then polled every minute. `close` stops the polls and the clients.
 */
export async function openKmsPlugins(providers: readonly KmsProviderConfig[], connect: (p: KmsProviderConfig) => KmsService = connectKmsPlugin): Promise<{ plugins: Map<string, KmsPlugin>; close(): void }> {
  const plugins = new Map<string, KmsPlugin>();
  const close = () => {
    clearInterval(poll);
    for (const p of plugins.values()) p.service.close();
  };
  const poll = setInterval(() => {
    for (const [name, p] of plugins) {
      checkedStatus(name, p.service).then(
        (keyId) => (p.keyId = keyId),
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
  return { plugins, close };
}
