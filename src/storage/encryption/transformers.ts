// Value transformers for encryption at rest, as kube-apiserver stores them: a value written by a provider starts with
// `k8s:enc:<provider>:v1:<key name>:` (KMS v2: `k8s:enc:kms:v2:<provider name>:`, kms/provider.ts), then the
// encrypted bytes (here in base64, since the storage holds text);
// identity writes the value as it is. The first provider's first key writes; every key of every provider may read
// a value whose prefix is its own; identity reads anything that is not encrypted.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { ProviderConfig, ProviderKey, ResourceEncryption } from './config.js';
import { kmsV2Transformer, type KmsPlugin } from './kms/provider.js';
import { secretboxNonceBytes, secretboxOpen, secretboxSeal, secretboxTagBytes } from './secretbox.js';

export const encryptedPrefix = 'k8s:enc:';

export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

export interface ValueTransformer {
  /** '' for identity. */
  prefix: string;
  /** The stored form (prefix included); `context` is the storage key (authenticated by aesgcm and KMS v2). */
  seal(plain: string, context: string): string | Promise<string>;
  /** The plain value from what follows the prefix; throws when it cannot. */
  open(rest: string, context: string): string | Promise<string>;
  /** A value this transformer reads but would now write differently (KMS v2: written under an older key). */
  stale?(rest: string): boolean;
}

const identity: ValueTransformer = {
  prefix: '',
  seal: (plain) => plain,
  open(rest) {
    if (rest.startsWith(encryptedPrefix)) throw new DecryptionError('identity transformer tried to read encrypted data');
    return rest;
  },
};

function aescbc(key: ProviderKey): ValueTransformer {
  const algorithm = `aes-${key.secret.length * 8}-cbc`;
  return {
    prefix: `${encryptedPrefix}aescbc:v1:${key.name}:`,
    seal(plain) {
      const iv = randomBytes(16);
      const c = createCipheriv(algorithm, key.secret, iv);
      return this.prefix + Buffer.concat([iv, c.update(plain, 'utf8'), c.final()]).toString('base64');
    },
    open(rest) {
      const data = Buffer.from(rest, 'base64');
      if (data.length < 32 || data.length % 16 !== 0) throw new DecryptionError('the stored data is not a whole number of AES blocks');
      const d = createDecipheriv(algorithm, key.secret, data.subarray(0, 16));
      return Buffer.concat([d.update(data.subarray(16)), d.final()]).toString('utf8');
    },
  };
}

function aesgcm(key: ProviderKey): ValueTransformer {
  const algorithm = `aes-${key.secret.length * 8}-gcm`;
  return {
    prefix: `${encryptedPrefix}aesgcm:v1:${key.name}:`,
    seal(plain, context) {
      const nonce = randomBytes(12);
      const c = createCipheriv(algorithm, key.secret, nonce) as import('node:crypto').CipherGCM;
      c.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return this.prefix + Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64');
    },
    open(rest, context) {
      const data = Buffer.from(rest, 'base64');
      if (data.length < 12 + 16) throw new DecryptionError('the stored data is shorter than a nonce and a tag');
      const d = createDecipheriv(algorithm, key.secret, data.subarray(0, 12)) as import('node:crypto').DecipherGCM;
      d.setAAD(Buffer.from(context, 'utf8'));
      d.setAuthTag(data.subarray(data.length - 16));
      return Buffer.concat([d.update(data.subarray(12, data.length - 16)), d.final()]).toString('utf8');
    },
  };
}

function secretbox(key: ProviderKey): ValueTransformer {
  return {
    prefix: `${encryptedPrefix}secretbox:v1:${key.name}:`,
    seal(plain) {
      const nonce = randomBytes(secretboxNonceBytes);
      return this.prefix + Buffer.concat([nonce, secretboxSeal(Buffer.from(plain, 'utf8'), nonce, key.secret)]).toString('base64');
    },
    open(rest) {
      const data = Buffer.from(rest, 'base64');
      if (data.length < secretboxNonceBytes + secretboxTagBytes) throw new DecryptionError('the stored data is shorter than a nonce and a tag');
      const plain = secretboxOpen(data.subarray(secretboxNonceBytes), data.subarray(0, secretboxNonceBytes), key.secret);
      if (!plain) throw new DecryptionError('the authentication tag does not match: another key wrote it, or the data was altered');
      return plain.toString('utf8');
    },
  };
}

function transformersOf(p: ProviderConfig, kms: ReadonlyMap<string, KmsPlugin>): ValueTransformer[] {
  switch (p.kind) {
    case 'identity':
      return [identity];
    case 'aescbc':
      return p.keys.map(aescbc);
    case 'aesgcm':
      return p.keys.map(aesgcm);
    case 'secretbox':
      return p.keys.map(secretbox);
    case 'kms': {
      const plugin = kms.get(p.name);
      if (!plugin) throw new Error(`kms provider ${p.name} is not connected`);
      return [kmsV2Transformer(p.name, plugin)];
    }
    default: {
      const no: never = p;
      throw new Error(`unknown provider ${JSON.stringify(no)}`);
    }
  }
}

/** One resource's transformers in order: the first writes. */
export class ResourceTransformer {
  constructor(readonly transformers: readonly ValueTransformer[]) {}

  async seal(plain: string, context: string): Promise<string> {
    const first = this.transformers[0];
    if (!first) throw new Error('no transformer');
    return first.seal(plain, context);
  }

  /** The plain value, and whether it was written by other than the writing transformer (an update rewrites it). */
  async open(stored: string, context: string): Promise<{ value: string; stale: boolean }> {
    const errors: string[] = [];
    for (const [i, t] of this.transformers.entries()) {
      if (!stored.startsWith(t.prefix)) continue;
      try {
        const rest = stored.slice(t.prefix.length);
        const value = await t.open(rest, context);
        return { value, stale: i !== 0 || (t.stale?.(rest) ?? false) };
      } catch (e) {
        // identity failing on encrypted data leaves the value to the keys listed after it
        if (t.prefix === '') continue;
        errors.push(`${t.prefix.slice(encryptedPrefix.length, -1)}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (errors.length > 0) throw new DecryptionError(`failed to decrypt with ${errors.join('; ')}`);
    const written = /^k8s:enc:[^:]*:v[12]:[^:]*:/.exec(stored)?.[0];
    throw new DecryptionError(written ? `no matching prefix found: no key in the encryption configuration reads "${written}"` : 'no matching prefix found: the value is not encrypted and the configuration lists no identity provider');
  }
}

/** "secrets" → group "" resource "secrets"; "deployments.apps"; "*.apps"; "*." (every core resource); "*.*". */
function matches(pattern: string, group: string, resource: string): boolean {
  const dot = pattern.indexOf('.');
  const res = dot < 0 ? pattern : pattern.slice(0, dot);
  const grp = dot < 0 ? '' : pattern.slice(dot + 1);
  return (res === '*' || res === resource) && (grp === '*' || grp === group);
}

/**
 * Picks the transformer of each resource from the configuration: the first entry that names it wins. KMS providers
 * use the plugins `kms` holds by provider name (kms/provider.ts openKmsPlugins).
 */
export function transformerLookup(config: ResourceEncryption[], kms: ReadonlyMap<string, KmsPlugin> = new Map()): (group: string, resource: string) => ResourceTransformer | undefined {
  const entries = config.map((e) => ({ resources: e.resources, transformer: new ResourceTransformer(e.providers.flatMap((p) => transformersOf(p, kms))) }));
  const cache = new Map<string, ResourceTransformer | undefined>();
  return (group, resource) => {
    const k = `${group}/${resource}`;
    if (!cache.has(k)) cache.set(k, entries.find((e) => e.resources.some((p) => matches(p, group, resource)))?.transformer);
    return cache.get(k);
  };
}
