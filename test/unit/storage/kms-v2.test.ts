// The KMS v2 provider against a KMS plugin written here: a gRPC server of kms-v2.proto on a temporary unix socket
// that encrypts DEKs with its own key-encryption key. What lands in storage is `k8s:enc:kms:v2:<name>:` and an
// EncryptedObject in seed mode (one Encrypt for many writes, a derived key per write, decryptable by the scheme's
// definition written out here); secrets read back through the API server; a plugin key rotation, or three minutes
// without a Status, makes a new seed; values under an old key or a plain DEK read and are stale; a plugin that does
// not answer, or is unhealthy, stops the start and fails the `kms-providers` health check; altered data is refused.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHmac, randomBytes, type CipherGCM, type DecipherGCM } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiServer } from '../../../src/apiserver/api-server.js';
import { encryptionConfigFrom, kmsProviders } from '../../../src/storage/encryption/config.js';
import { decodeEncryptedObject, DekSourceType, encodeEncryptedObject } from '../../../src/storage/encryption/kms/encrypted-object.js';
import { kmsProvidersHealth, openKmsPlugins, writeSeedTtlMs } from '../../../src/storage/encryption/kms/provider.js';
import { encryptingStorage } from '../../../src/storage/encryption/storage.js';
import { transformerLookup } from '../../../src/storage/encryption/transformers.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import type { Storage } from '../../../src/storage/types.js';
import { collect } from '../apiserver/helpers.js';
import { TestPlugin } from '../../support/kms-plugin.js';

const dir = mkdtempSync(join(tmpdir(), 'a-kube-kms-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function configFor(socket: string, resources = ['secrets']) {
  return encryptionConfigFrom({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [{ resources, providers: [{ kms: { apiVersion: 'v2', name: 'test-plugin', endpoint: `unix://${socket}`, timeout: '2s' } }, { identity: {} }] }],
  });
}

async function setUp(plugin = new TestPlugin()) {
  const socket = join(dir, `kms-${++n}.sock`);
  await plugin.listen(socket);
  const config = configFor(socket);
  const kms = await openKmsPlugins(kmsProviders(config));
  const inner = createMemoryStorage();
  const storage = encryptingStorage(inner, transformerLookup(config, kms.plugins), kms.close);
  const api = await createApiServer({ storage, extraHealthChecks: [{ name: 'kms-providers', check: kms.health }], authenticator: { authenticate: async () => ({ kind: 'ok', user: { name: 'admin', groups: ['system:masters'] } }) }, authorizer: { authorize: async () => ({ decision: 'allow', reason: '' }) } });
  const call = async (method: string, url: string, body?: unknown) => collect(await api.handle({ method, url, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
  assert.equal((await call('POST', '/api/v1/namespaces', { metadata: { name: 'default' } })).status, 201);
  return {
    plugin,
    socket,
    kms,
    inner,
    storage,
    call,
    async close() {
      await api.close();
      await storage.close();
      plugin.stop();
    },
  };
}

const secret = (name: string, password: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: { password: Buffer.from(password).toString('base64') } });
const stored = async (s: Storage, name: string) => (await s.get(`/registry/core/secrets/default/${name}`))!.value;
const prefix = 'k8s:enc:kms:v2:test-plugin:';

/** The seed-mode scheme by its definition: key = HKDF-Expand(SHA-256, seed, info), one HMAC block; AES-256-GCM. */
function openBySpec(seed: Buffer, encryptedData: Buffer, context: string): string {
  const info = encryptedData.subarray(0, 32);
  const key = createHmac('sha256', seed).update(info).update(Buffer.of(1)).digest();
  const rest = encryptedData.subarray(32);
  const d = createDecipheriv('aes-256-gcm', key, rest.subarray(0, 12)) as DecipherGCM;
  d.setAAD(Buffer.from(context));
  d.setAuthTag(rest.subarray(rest.length - 16));
  return Buffer.concat([d.update(rest.subarray(12, rest.length - 16)), d.final()]).toString();
}

test('writes share one seed the plugin encrypted once, each sealed with its own derived key; the API reads the secrets back', async () => {
  const t = await setUp();
  try {
    assert.equal(t.plugin.calls.Status, 1, 'the plugin is asked for its status at start');
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/secrets', secret('a', 'hunter2-password'))).status, 201);
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/secrets', secret('b', 'other-password'))).status, 201);
    assert.equal(t.plugin.calls.Encrypt, 1, 'one Encrypt for the seed, none per write');
    const [a, b] = [await stored(t.inner, 'a'), await stored(t.inner, 'b')];
    assert.ok(a.startsWith(prefix) && b.startsWith(prefix), a.slice(0, 40));
    assert.ok(!a.includes(Buffer.from('hunter2-password').toString('base64')) && !a.includes('hunter2'));
    const oa = decodeEncryptedObject(Buffer.from(a.slice(prefix.length), 'base64'));
    const ob = decodeEncryptedObject(Buffer.from(b.slice(prefix.length), 'base64'));
    assert.equal(oa.keyId, 'kek-1');
    assert.equal(oa.dekSourceType, DekSourceType.hkdfSha256XnonceAesGcmSeed);
    assert.deepEqual(Object.keys(oa.annotations), ['version.kms.example.com']);
    assert.deepEqual(oa.encryptedDek, ob.encryptedDek, 'one seed');
    assert.notDeepEqual(oa.encryptedData.subarray(0, 32), ob.encryptedData.subarray(0, 32), 'a fresh info, so a fresh key, per write');
    // The stored bytes follow the scheme: the seed the plugin holds opens them with the storage key as additional data.
    const seed = t.plugin.decryptDirect(oa.encryptedDek, oa.keyId);
    const body = JSON.parse(openBySpec(seed, oa.encryptedData, '/registry/core/secrets/default/a')) as { data: { password: string } };
    assert.equal(Buffer.from(body.data.password, 'base64').toString(), 'hunter2-password');
    assert.throws(() => openBySpec(seed, oa.encryptedData, '/registry/core/secrets/default/b'), /auth/);
    // ConfigMaps are not configured: stored as they are.
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'c' }, data: { k: 'plain' } })).status, 201);
    assert.ok((await t.inner.get('/registry/core/configmaps/default/c'))!.value.includes('plain'));

    const got = await t.call('GET', '/api/v1/namespaces/default/secrets/a');
    assert.equal(Buffer.from((JSON.parse(got.text) as { data: { password: string } }).data.password, 'base64').toString(), 'hunter2-password');
    assert.equal(t.plugin.calls.Decrypt, 0, 'the seed written here is known without asking the plugin');
    assert.equal((await t.storage.get('/registry/core/secrets/default/a'))?.stale, undefined);
  } finally {
    await t.close();
  }
});

test('another server reading the same storage asks the plugin for the seed once', async () => {
  const t = await setUp();
  try {
    for (const name of ['a', 'b', 'c']) assert.equal((await t.call('POST', '/api/v1/namespaces/default/secrets', secret(name, `pw-${name}`))).status, 201);
    const other = encryptingStorage(t.inner, transformerLookup(configFor(t.socket), t.kms.plugins));
    for (const name of ['a', 'b', 'c']) assert.ok((await other.get(`/registry/core/secrets/default/${name}`))?.value.includes(Buffer.from(`pw-${name}`).toString('base64')));
    assert.equal(t.plugin.calls.Decrypt, 1);
  } finally {
    await t.close();
  }
});

test('without a Status confirming the key for three minutes the next write makes a new seed; a Status in time keeps it', async () => {
  const t = await setUp();
  try {
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/secrets', secret('a', 'p1'))).status, 201);
    const plugin = t.kms.plugins.get('test-plugin')!;
    const first = plugin.writeSeed!;
    // A health check's Status moves the deadline forward.
    plugin.writeSeed!.expiresAt = Date.now() + 1000;
    await t.kms.health();
    assert.ok(plugin.writeSeed!.expiresAt > Date.now() + writeSeedTtlMs - 60_000);
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/secrets', secret('b', 'p2'))).status, 201);
    assert.equal(t.plugin.calls.Encrypt, 1);
    plugin.writeSeed!.expiresAt = Date.now() - 1;
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/secrets', secret('c', 'p3'))).status, 201);
    assert.equal(t.plugin.calls.Encrypt, 2);
    assert.notEqual(plugin.writeSeed, first);
    // An expired seed with the plugin gone: the write fails rather than use a key nobody confirms.
    plugin.writeSeed!.expiresAt = Date.now() - 1;
    t.plugin.stop();
    const refused = await t.call('POST', '/api/v1/namespaces/default/secrets', secret('d', 'p4'));
    assert.equal(refused.status, 500, refused.text);
    assert.match(refused.text, /kms provider test-plugin: Encrypt: UNAVAILABLE/);
  } finally {
    await t.close();
  }
});

test('a value sealed with a plain DEK (AES_GCM_KEY) reads, is stale, and is rewritten in seed mode', async () => {
  const t = await setUp();
  try {
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/secrets', secret('legacy', 'placeholder'))).status, 201);
    const key = '/registry/core/secrets/default/legacy';
    const plain = (await t.storage.get(key))!.value.replace(Buffer.from('placeholder').toString('base64'), Buffer.from('sealed-with-a-dek').toString('base64'));
    const dek = randomBytes(32);
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', dek, nonce) as CipherGCM;
    c.setAAD(Buffer.from(key));
    const body = Buffer.concat([c.update(plain), c.final()]);
    const encryptedDek = t.plugin.encryptDirect(dek);
    const legacy = prefix + encodeEncryptedObject({ encryptedData: Buffer.concat([nonce, body, c.getAuthTag()]), keyId: 'kek-1', encryptedDek, annotations: { 'version.kms.example.com': Buffer.from('1') }, dekSourceType: DekSourceType.aesGcmKey }).toString('base64');
    await t.inner.update(key, legacy, (await t.inner.get(key))!.modRevision);
    const read = await t.storage.get(key);
    assert.equal(read?.stale, true);
    assert.ok(read?.value.includes(Buffer.from('sealed-with-a-dek').toString('base64')));
    const cur = JSON.parse((await t.call('GET', '/api/v1/namespaces/default/secrets/legacy')).text) as Record<string, unknown>;
    assert.equal((await t.call('PUT', '/api/v1/namespaces/default/secrets/legacy', cur)).status, 200);
    assert.equal(decodeEncryptedObject(Buffer.from((await stored(t.inner, 'legacy')).slice(prefix.length), 'base64')).dekSourceType, DekSourceType.hkdfSha256XnonceAesGcmSeed);
  } finally {
    await t.close();
  }
});

test('the kms-providers health check: ok on /readyz, failing with the plugin named while it is unhealthy, answers reused for a while', async () => {
  const t = await setUp();
  try {
    const ready = await t.call('GET', '/readyz?verbose');
    assert.equal(ready.status, 200);
    assert.match(ready.text, /\[\+\]kms-providers ok/);
    let clock = 1_000_000;
    const health = kmsProvidersHealth(t.kms.plugins, () => clock);
    await health();
    const statuses = t.plugin.calls.Status;
    t.plugin.healthz = 'kek unreachable';
    clock += 19_000;
    await health();
    assert.equal(t.plugin.calls.Status, statuses, 'a healthy answer is reused for 20 s');
    clock += 2_000;
    await assert.rejects(health(), /^KmsError: kms-provider-0: kms provider test-plugin: the plugin is not healthy: kek unreachable$/);
    t.plugin.healthz = 'ok';
    clock += 2_000;
    await assert.rejects(health(), /not healthy/, 'a failure is reused for 3 s');
    clock += 1_001;
    await health();
  } finally {
    await t.close();
  }
});

test('after the plugin rotates its key, values under the old key still read, are stale, and an update rewrites them under the new key', async () => {
  const t = await setUp();
  try {
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/secrets', secret('old', 'before-rotation'))).status, 201);
    t.plugin.rotate('kek-2');
    // The plugin's Status (the minute's poll, or a health check) tells of the new key; the next write makes a seed under it.
    await t.kms.health();
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/secrets', secret('new', 'after-rotation'))).status, 201);
    assert.equal(decodeEncryptedObject(Buffer.from((await stored(t.inner, 'new')).slice(prefix.length), 'base64')).keyId, 'kek-2');
    const old = await t.storage.get('/registry/core/secrets/default/old');
    assert.equal(old?.stale, true, 'written under kek-1 while the plugin encrypts with kek-2');
    assert.ok(old?.value.includes(Buffer.from('before-rotation').toString('base64')));
    // kubectl replace of an unchanged secret (kube-apiserver's rewrite after a rotation).
    const cur = JSON.parse((await t.call('GET', '/api/v1/namespaces/default/secrets/old')).text) as Record<string, unknown>;
    assert.equal((await t.call('PUT', '/api/v1/namespaces/default/secrets/old', cur)).status, 200);
    assert.equal(decodeEncryptedObject(Buffer.from((await stored(t.inner, 'old')).slice(prefix.length), 'base64')).keyId, 'kek-2');
    assert.equal((await t.storage.get('/registry/core/secrets/default/old'))?.stale, undefined);
  } finally {
    await t.close();
  }
});

test('altered stored data and an EncryptedObject moved to another key are refused', async () => {
  const t = await setUp();
  try {
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/secrets', secret('a', 'p1'))).status, 201);
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/secrets', secret('b', 'p2'))).status, 201);
    const a = await stored(t.inner, 'a');
    const o = decodeEncryptedObject(Buffer.from(a.slice(prefix.length), 'base64'));
    o.encryptedData[20] = (o.encryptedData[20] ?? 0) ^ 1;
    const cur = await t.inner.get('/registry/core/secrets/default/a');
    await t.inner.update('/registry/core/secrets/default/a', prefix + encodeEncryptedObject(o).toString('base64'), cur!.modRevision);
    await assert.rejects(t.storage.get('/registry/core/secrets/default/a'), /cannot decrypt \/registry\/core\/secrets\/default\/a: failed to decrypt with kms:v2:test-plugin: the authentication tag does not match/);
    // b's value under a's key: the storage key is authenticated with the data.
    const b = await t.inner.get('/registry/core/secrets/default/b');
    await t.inner.update('/registry/core/secrets/default/a', b!.value, (await t.inner.get('/registry/core/secrets/default/a'))!.modRevision);
    await assert.rejects(t.storage.get('/registry/core/secrets/default/a'), /authentication tag does not match/);
    const put = async (value: string) => t.inner.update('/registry/core/secrets/default/a', value, (await t.inner.get('/registry/core/secrets/default/a'))!.modRevision);
    await put(`${prefix}AAAA`);
    await assert.rejects(t.storage.get('/registry/core/secrets/default/a'), /the stored value is not an EncryptedObject: invalid field number 0/);
    await put(prefix + encodeEncryptedObject({ encryptedData: Buffer.alloc(40), keyId: '', encryptedDek: Buffer.alloc(32), annotations: {}, dekSourceType: DekSourceType.aesGcmKey }).toString('base64'));
    await assert.rejects(t.storage.get('/registry/core/secrets/default/a'), /the stored EncryptedObject is not valid: keyID is empty/);
    await put(prefix + encodeEncryptedObject({ encryptedData: Buffer.alloc(40), keyId: 'kek-1', encryptedDek: Buffer.alloc(32), annotations: {}, dekSourceType: 7 as DekSourceType }).toString('base64'));
    await assert.rejects(t.storage.get('/registry/core/secrets/default/a'), /the stored EncryptedObject is not valid: unknown encryptedDEKSourceType: 7/);
    await put(prefix + encodeEncryptedObject({ encryptedData: Buffer.alloc(0), keyId: 'kek-1', encryptedDek: Buffer.alloc(32), annotations: {}, dekSourceType: DekSourceType.hkdfSha256XnonceAesGcmSeed }).toString('base64'));
    await assert.rejects(t.storage.get('/registry/core/secrets/default/a'), /the stored EncryptedObject is not valid: encrypted data is empty/);
  } finally {
    await t.close();
  }
});

test('the start stops when a plugin does not answer, is unhealthy or speaks another version', async () => {
  const missing = configFor(join(dir, 'nobody-listens.sock'));
  await assert.rejects(openKmsPlugins(kmsProviders(missing)), /kms provider test-plugin: Status: (UNAVAILABLE|DEADLINE_EXCEEDED)/);
  for (const [field, value, want] of [['healthz', 'kek unreachable', /the plugin is not healthy: kek unreachable/], ['version', 'v1beta1', /the plugin speaks KMS API "v1beta1", not v2/], ['keyId', '', /the plugin's Status: keyID is empty/]] as const) {
    const plugin = new TestPlugin();
    plugin[field] = value;
    const socket = join(dir, `kms-${++n}.sock`);
    await plugin.listen(socket);
    try {
      await assert.rejects(openKmsPlugins(kmsProviders(configFor(socket))), want);
    } finally {
      plugin.stop();
    }
  }
});
