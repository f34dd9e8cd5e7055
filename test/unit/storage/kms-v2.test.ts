// The KMS v2 provider against a KMS plugin written here: a gRPC server of kms-v2.proto on a temporary unix socket
// that encrypts DEKs with its own key-encryption key. What lands in storage is `k8s:enc:kms:v2:<name>:` and an
// EncryptedObject; secrets read back through the API server; a plugin key rotation makes old values stale; a plugin
// that does not answer, or is unhealthy, stops the start; altered data is refused.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCM, type DecipherGCM } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createApiServer } from '../../../src/apiserver/api-server.js';
import { encryptionConfigFrom, kmsProviders } from '../../../src/storage/encryption/config.js';
import { kmsV2Service } from '../../../src/storage/encryption/kms/client.js';
import { decodeEncryptedObject, encodeEncryptedObject } from '../../../src/storage/encryption/kms/encrypted-object.js';
import { openKmsPlugins } from '../../../src/storage/encryption/kms/provider.js';
import { encryptingStorage } from '../../../src/storage/encryption/storage.js';
import { transformerLookup } from '../../../src/storage/encryption/transformers.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import type { Storage } from '../../../src/storage/types.js';
import { collect } from '../apiserver/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'a-kube-kms-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A KMS v2 plugin: AES-GCM under a key-encryption key per key ID; counts its calls. */
class TestPlugin {
  readonly keks = new Map<string, Buffer>([['kek-1', randomBytes(32)]]);
  keyId = 'kek-1';
  healthz = 'ok';
  version = 'v2';
  readonly calls = { Status: 0, Encrypt: 0, Decrypt: 0 };
  readonly uids = new Set<string>();
  private server: grpc.Server | undefined;

  rotate(keyId: string): void {
    this.keks.set(keyId, randomBytes(32));
    this.keyId = keyId;
  }

  async listen(socket: string): Promise<void> {
    const server = new grpc.Server();
    type Call<T> = grpc.ServerUnaryCall<T, unknown>;
    server.addService(kmsV2Service().service, {
      Status: (_call: Call<object>, cb: grpc.sendUnaryData<object>) => {
        this.calls.Status++;
        cb(null, { version: this.version, healthz: this.healthz, key_id: this.keyId });
      },
      Encrypt: (call: Call<{ plaintext: Buffer; uid: string }>, cb: grpc.sendUnaryData<object>) => {
        this.calls.Encrypt++;
        this.uids.add(call.request.uid);
        const nonce = randomBytes(12);
        const c = createCipheriv('aes-256-gcm', this.keks.get(this.keyId)!, nonce) as CipherGCM;
        const body = Buffer.concat([c.update(call.request.plaintext), c.final()]);
        cb(null, { ciphertext: Buffer.concat([nonce, body, c.getAuthTag()]), key_id: this.keyId, annotations: { 'version.kms.example.com': Buffer.from('1') } });
      },
      Decrypt: (call: Call<{ ciphertext: Buffer; key_id: string; annotations: Record<string, Buffer> }>, cb: grpc.sendUnaryData<object>) => {
        this.calls.Decrypt++;
        const kek = this.keks.get(call.request.key_id);
        if (!kek) return cb({ code: grpc.status.NOT_FOUND, details: `unknown key ${call.request.key_id}` });
        if (call.request.annotations['version.kms.example.com']?.toString() !== '1') return cb({ code: grpc.status.INVALID_ARGUMENT, details: 'annotations lost' });
        const data = call.request.ciphertext;
        const d = createDecipheriv('aes-256-gcm', kek, data.subarray(0, 12)) as DecipherGCM;
        d.setAuthTag(data.subarray(data.length - 16));
        cb(null, { plaintext: Buffer.concat([d.update(data.subarray(12, data.length - 16)), d.final()]) });
      },
    });
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
    this.server = server;
  }

  stop(): void {
    this.server?.forceShutdown();
  }
}

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
  const api = await createApiServer({ storage, authenticator: { authenticate: async () => ({ kind: 'ok', user: { name: 'admin', groups: ['system:masters'] } }) }, authorizer: { authorize: async () => ({ decision: 'allow', reason: '' }) } });
  const call = async (method: string, url: string, body?: unknown) => collect(await api.handle({ method, url, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
  assert.equal((await call('POST', '/api/v1/namespaces', { metadata: { name: 'default' } })).status, 201);
  return {
    plugin,
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

test('each write is sealed with a fresh DEK the plugin encrypts; storage holds the EncryptedObject, the API reads the secret back', async () => {
  const t = await setUp();
  try {
    assert.equal(t.plugin.calls.Status, 1, 'the plugin is asked for its status at start');
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/secrets', secret('a', 'hunter2-password'))).status, 201);
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/secrets', secret('b', 'other-password'))).status, 201);
    assert.equal(t.plugin.calls.Encrypt, 2);
    assert.equal(t.plugin.uids.size, 2, 'every request has its own uid');
    const [a, b] = [await stored(t.inner, 'a'), await stored(t.inner, 'b')];
    assert.ok(a.startsWith(prefix) && b.startsWith(prefix), a.slice(0, 40));
    assert.ok(!a.includes(Buffer.from('hunter2-password').toString('base64')) && !a.includes('hunter2'));
    const oa = decodeEncryptedObject(Buffer.from(a.slice(prefix.length), 'base64'));
    const ob = decodeEncryptedObject(Buffer.from(b.slice(prefix.length), 'base64'));
    assert.equal(oa.keyId, 'kek-1');
    assert.deepEqual(Object.keys(oa.annotations), ['version.kms.example.com']);
    assert.notDeepEqual(oa.encryptedDek, ob.encryptedDek, 'one DEK per write');
    // ConfigMaps are not configured: stored as they are.
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'c' }, data: { k: 'plain' } })).status, 201);
    assert.ok((await t.inner.get('/registry/core/configmaps/default/c'))!.value.includes('plain'));

    const got = await t.call('GET', '/api/v1/namespaces/default/secrets/a');
    assert.equal(Buffer.from((JSON.parse(got.text) as { data: { password: string } }).data.password, 'base64').toString(), 'hunter2-password');
    // Each DEK is decrypted by the plugin once, then found in the cache.
    const decrypts = t.plugin.calls.Decrypt;
    await t.storage.get('/registry/core/secrets/default/a');
    await t.storage.get('/registry/core/secrets/default/a');
    assert.ok(t.plugin.calls.Decrypt - decrypts <= 1, `${t.plugin.calls.Decrypt - decrypts} Decrypt calls for two reads`);
  } finally {
    await t.close();
  }
});

test('after the plugin rotates its key, values under the old key still read, are stale, and an update rewrites them under the new key', async () => {
  const t = await setUp();
  try {
    assert.equal((await t.call('POST', '/api/v1/namespaces/default/secrets', secret('old', 'before-rotation'))).status, 201);
    t.plugin.rotate('kek-2');
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
    await put(prefix + encodeEncryptedObject({ encryptedData: Buffer.alloc(40), keyId: '', encryptedDek: Buffer.alloc(32), annotations: {} }).toString('base64'));
    await assert.rejects(t.storage.get('/registry/core/secrets/default/a'), /the stored EncryptedObject is not valid: keyID is empty/);
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
