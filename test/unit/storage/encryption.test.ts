// Encryption at rest: what lands in storage, reading back through the API server, key rotation as Kubernetes
// documents it (add the new key second, restart, make it first, rewrite every secret, drop the old key), removal of
// encryption, and the errors for a bad configuration or a value no key can read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createApiServer } from '../../../src/apiserver/api-server.js';
import { encryptionConfigFrom, EncryptionConfigError } from '../../../src/storage/encryption/config.js';
import { encryptingStorage } from '../../../src/storage/encryption/storage.js';
import { transformerLookup } from '../../../src/storage/encryption/transformers.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { openSqliteStorage } from '../../../src/storage/sqlite.js';
import type { Storage } from '../../../src/storage/types.js';
import { collect } from '../apiserver/helpers.js';

const key1 = randomBytes(32).toString('base64');
const key2 = randomBytes(32).toString('base64');
const secretValue = 'c3VwZXItc2VjcmV0LXBhc3N3b3Jk'; // base64 of "super-secret-password"

function config(providers: unknown[], resources = ['secrets']) {
  return encryptionConfigFrom({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources, providers }] });
}

async function serverOn(storage: Storage) {
  const api = await createApiServer({ storage, authenticator: { authenticate: async () => ({ kind: 'ok', user: { name: 'admin', groups: ['system:masters'] } }) }, authorizer: { authorize: async () => ({ decision: 'allow', reason: '' }) } });
  const call = async (method: string, url: string, body?: unknown) => {
    const r = await collect(await api.handle({ method, url, headers: { 'content-type': 'application/json', authorization: 'Bearer x' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
    return r;
  };
  return { api, call, close: () => api.close() };
}

/**
 * A storage whose close is a no-op, so one memory store outlives several "restarts". Every method is forwarded
 * (the memory storage is a class: its methods live on the prototype, which a spread would not copy).
 */
function keep(inner: Storage): Storage {
  return {
    currentRevision: () => inner.currentRevision(),
    get: (key) => inner.get(key),
    range: (prefix, opts) => inner.range(prefix, opts),
    create: (key, value) => inner.create(key, value),
    update: (key, value, expected) => inner.update(key, value, expected),
    delete: (key, expected) => inner.delete(key, expected),
    watch: (opts) => inner.watch(opts),
    compact: (revision) => inner.compact(revision),
    compactedRevision: () => inner.compactedRevision(),
    close: async () => {},
  };
}

async function seed(call: (m: string, u: string, b?: unknown) => Promise<{ status: number; text: string }>) {
  assert.equal((await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } })).status, 201);
  const r = await call('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { password: secretValue } });
  assert.equal(r.status, 201, r.text);
  const cm = await call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'plain-config' } });
  assert.equal(cm.status, 201, cm.text);
}

test('aescbc: the stored bytes carry the provider prefix and not the value; the API reads it back; other resources stay plain', async () => {
  const inner = createMemoryStorage();
  const srv = await serverOn(encryptingStorage(keep(inner), transformerLookup(config([{ aescbc: { keys: [{ name: 'key1', secret: key1 } ] } }]))));
  try {
    await seed(srv.call);
    const raw = (await inner.get('/registry/core/secrets/default/s'))!.value;
    assert.ok(raw.startsWith('k8s:enc:aescbc:v1:key1:'), raw.slice(0, 40));
    assert.ok(!raw.includes(secretValue) && !raw.includes('super-secret') && !raw.includes('password'));
    assert.match((await inner.get('/registry/core/configmaps/default/c'))!.value, /plain-config/);
    const back = await srv.call('GET', '/api/v1/namespaces/default/secrets/s');
    assert.equal((JSON.parse(back.text) as { data: Record<string, string> }).data['password'], secretValue);
  } finally {
    await srv.close();
    await inner.close();
  }
});

test('aesgcm: authenticated by the storage key, so a value copied under another key does not decrypt', async () => {
  const inner = createMemoryStorage();
  const storage = encryptingStorage(keep(inner), transformerLookup(config([{ aesgcm: { keys: [{ name: 'k', secret: key1 }] } }])));
  await storage.create('/registry/core/secrets/ns/a', '{"v":1}');
  const raw = (await inner.get('/registry/core/secrets/ns/a'))!.value;
  assert.ok(raw.startsWith('k8s:enc:aesgcm:v1:k:'));
  assert.equal((await storage.get('/registry/core/secrets/ns/a'))!.value, '{"v":1}');
  await inner.create('/registry/core/secrets/ns/b', raw);
  await assert.rejects(storage.get('/registry/core/secrets/ns/b'), /cannot decrypt \/registry\/core\/secrets\/ns\/b: failed to decrypt with aesgcm:v1:k: /);
  await inner.close();
});

test('secretbox: written with the secretbox prefix, read back; a flipped byte is refused', async () => {
  const inner = createMemoryStorage();
  const storage = encryptingStorage(keep(inner), transformerLookup(config([{ secretbox: { keys: [{ name: 'sb', secret: key1 }] } }])));
  await storage.create('/registry/core/secrets/ns/a', '{"data":{"k":"c2VjcmV0"}}');
  const raw = (await inner.get('/registry/core/secrets/ns/a'))!.value;
  assert.ok(raw.startsWith('k8s:enc:secretbox:v1:sb:'), raw.slice(0, 40));
  assert.ok(!raw.includes('c2VjcmV0'));
  assert.equal((await storage.get('/registry/core/secrets/ns/a'))!.value, '{"data":{"k":"c2VjcmV0"}}');
  const body = Buffer.from(raw.slice('k8s:enc:secretbox:v1:sb:'.length), 'base64');
  body[body.length - 1]! ^= 1;
  await inner.create('/registry/core/secrets/ns/b', `k8s:enc:secretbox:v1:sb:${body.toString('base64')}`);
  await assert.rejects(storage.get('/registry/core/secrets/ns/b'), /cannot decrypt \/registry\/core\/secrets\/ns\/b: failed to decrypt with secretbox:v1:sb: the authentication tag does not match/);
  await inner.close();
});

test('key rotation as documented: new key second, then first, every secret replaced, old key removed', async () => {
  const inner = createMemoryStorage();
  const start = async (providers: unknown[]) => serverOn(encryptingStorage(keep(inner), transformerLookup(config(providers))));
  const k1 = { name: 'key1', secret: key1 };
  const k2 = { name: 'key2', secret: key2 };
  let srv = await start([{ aescbc: { keys: [k1] } }]);
  await seed(srv.call);
  await srv.close();
  const prefixOf = async () => /^k8s:enc:[^:]+:v1:[^:]+:/.exec((await inner.get('/registry/core/secrets/default/s'))!.value)?.[0];

  // 1. add key2 second and restart: still written with key1
  srv = await start([{ aescbc: { keys: [k1, k2] } }]);
  assert.equal((await srv.call('GET', '/api/v1/namespaces/default/secrets/s')).status, 200);
  await srv.close();
  // 2. key2 first and restart: old data reads, new writes use key2
  srv = await start([{ aescbc: { keys: [k2, k1] } }]);
  const current = await srv.call('GET', '/api/v1/namespaces/default/secrets/s');
  assert.equal(current.status, 200);
  assert.equal(await prefixOf(), 'k8s:enc:aescbc:v1:key1:');
  // 3. replace every secret unchanged (kubectl get secrets -A -o json | kubectl replace -f -): the stale value is rewritten
  const replaced = await srv.call('PUT', '/api/v1/namespaces/default/secrets/s', JSON.parse(current.text));
  assert.equal(replaced.status, 200, replaced.text);
  assert.equal(await prefixOf(), 'k8s:enc:aescbc:v1:key2:');
  // a second replace of an up-to-date value writes nothing
  const rv = (JSON.parse(replaced.text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const again = await srv.call('PUT', '/api/v1/namespaces/default/secrets/s', JSON.parse(replaced.text));
  assert.equal((JSON.parse(again.text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion, rv);
  await srv.close();
  // 4. key1 removed: everything still reads
  srv = await start([{ aescbc: { keys: [k2] } }]);
  const after = await srv.call('GET', '/api/v1/namespaces/default/secrets/s');
  assert.equal((JSON.parse(after.text) as { data: Record<string, string> }).data['password'], secretValue);
  await srv.close();
  await inner.close();
});

test('decrypting away: identity first writes plain text, the old key still reads', async () => {
  const inner = createMemoryStorage();
  const enc = encryptingStorage(keep(inner), transformerLookup(config([{ aescbc: { keys: [{ name: 'key1', secret: key1 }] } }])));
  await enc.create('/registry/core/secrets/ns/a', '{"v":1}');
  const dec = encryptingStorage(keep(inner), transformerLookup(config([{ identity: {} }, { aescbc: { keys: [{ name: 'key1', secret: key1 }] } }])));
  const kv = (await dec.get('/registry/core/secrets/ns/a'))!;
  assert.equal(kv.value, '{"v":1}');
  assert.equal(kv.stale, true);
  await dec.update('/registry/core/secrets/ns/a', kv.value, kv.modRevision);
  assert.equal((await inner.get('/registry/core/secrets/ns/a'))!.value, '{"v":1}');
  await inner.close();
});

test('a value no configured key reads is a clear error naming the key and the object', async () => {
  const inner = createMemoryStorage();
  await encryptingStorage(keep(inner), transformerLookup(config([{ aescbc: { keys: [{ name: 'key1', secret: key1 }] } }]))).create('/registry/core/secrets/ns/a', '{}');
  const wrong = encryptingStorage(keep(inner), transformerLookup(config([{ aescbc: { keys: [{ name: 'key2', secret: key2 }] } }])));
  await assert.rejects(wrong.get('/registry/core/secrets/ns/a'), { name: 'DecryptionError', message: 'cannot decrypt /registry/core/secrets/ns/a: no matching prefix found: no key in the encryption configuration reads "k8s:enc:aescbc:v1:key1:"' });
  const sameNameOtherKey = encryptingStorage(keep(inner), transformerLookup(config([{ aescbc: { keys: [{ name: 'key1', secret: key2 }] } }])));
  await assert.rejects(sameNameOtherKey.get('/registry/core/secrets/ns/a'), /cannot decrypt \/registry\/core\/secrets\/ns\/a: failed to decrypt with aescbc:v1:key1: /);
  await inner.close();
});

test('resource patterns: "*.*" covers every resource, "*.apps" a group, "secrets" only core secrets', async () => {
  const lookupAll = transformerLookup(config([{ aesgcm: { keys: [{ name: 'k', secret: key1 }] } }], ['*.*']));
  assert.ok(lookupAll('', 'configmaps') && lookupAll('apps', 'deployments'));
  const lookupApps = transformerLookup(config([{ aesgcm: { keys: [{ name: 'k', secret: key1 }] } }], ['*.apps', 'secrets']));
  assert.ok(lookupApps('apps', 'deployments') && lookupApps('', 'secrets'));
  assert.equal(lookupApps('', 'configmaps'), undefined);
  assert.equal(lookupApps('batch', 'jobs'), undefined);
});

test('configuration errors name the field and what is wrong', () => {
  const cases: [unknown[], RegExp][] = [
    [[{ aescbc: { keys: [{ name: 'k', secret: Buffer.alloc(10).toString('base64') }] } }], /resources\[0\]\.providers\[0\]\.aescbc\.keys\[0\]\.secret: Invalid value: "REDACTED": secret is not of the expected length, got 10, expected one of \[16 24 32\]/],
    [[{ aescbc: { keys: [] } }], /aescbc\.keys: Required value: at least one keys is required/],
    [[{ aescbc: { keys: [{ name: 'k', secret: 'not base64!' }] } }], /secrets must be base64 encoded/],
    [[{ kms: { name: 'x' } }], /providers\[0\]\.kms\.apiVersion: Unsupported value: "v1": a-kube speaks KMS v2 only/],
    [[{ kms: { apiVersion: 'v2', name: 'x', endpoint: 'tcp://127.0.0.1:1' } }], /kms\.endpoint: Invalid value: "tcp:\/\/127\.0\.0\.1:1": unsupported scheme for KMS provider, only unix is supported/],
    [[{ kms: { apiVersion: 'v2', endpoint: 'unix:///tmp/k.sock' } }], /kms\.name: Required value/],
    [[{ kms: { apiVersion: 'v2', name: 'x', endpoint: 'unix:///tmp/k.sock', cachesize: 100 } }], /kms\.cachesize: Invalid value: 100: cachesize is not supported in v2/],
    [[{ kms: { apiVersion: 'v2', name: 'x', endpoint: 'unix:///tmp/k.sock', timeout: 'soon' } }], /kms\.timeout: Invalid value: "soon": timeout should be a positive value/],
    [[{ kms: { apiVersion: 'v2', name: 'x', endpoint: 'unix:///tmp/a.sock' } }, { kms: { apiVersion: 'v2', name: 'x', endpoint: 'unix:///tmp/b.sock' } }], /providers\[1\]\.kms\.name: Duplicate value: "x"/],
    [[{ secretbox: { keys: [{ name: 'k', secret: randomBytes(16).toString('base64') }] } }], /secretbox\.keys\[0\]\.secret: Invalid value: "REDACTED": secret is not of the expected length, got 16, expected one of \[32\]/],
    [[{ identity: {}, aescbc: { keys: [] } }], /resources\[0\]\.providers\[0\]: Invalid value: more than one provider specified in a single element, should split into different list elements/],
    [[], /^resources\[0\]\.providers: Required value: at least one resources\[0\]\.providers is required$/],
    [[{}], /provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity/],
    [[{ aesgcm: { keys: [{ name: '', secret: key1 }] } }], /aesgcm\.keys\[0\]\.name: Required value: name is a mandatory field for a key/],
  ];
  for (const [providers, want] of cases) assert.throws(() => config(providers), (e: unknown) => e instanceof EncryptionConfigError && want.test(e.message));
  assert.throws(() => encryptionConfigFrom({ kind: 'EncryptionConfig', apiVersion: 'v1' }), /kind: Invalid value: "EncryptionConfig": expected EncryptionConfiguration/);
});

test('SQLite: neither the kine rows nor the database files hold a secret in plain text', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-enc-'));
  try {
    const sqlite = openSqliteStorage(join(dir, 'state.db'));
    const srv = await serverOn(encryptingStorage(sqlite, transformerLookup(config([{ aesgcm: { keys: [{ name: 'key1', secret: key1 }] } }]))));
    await seed(srv.call);
    // a second revision and a deletion: every row the log keeps goes through the transformer
    const updated = 'dXBkYXRlZC1zZWNyZXQtdmFsdWU='; // base64 of "updated-secret-value"
    const cur = JSON.parse((await srv.call('GET', '/api/v1/namespaces/default/secrets/s')).text) as { data: Record<string, string> };
    cur.data['password'] = updated;
    assert.equal((await srv.call('PUT', '/api/v1/namespaces/default/secrets/s', cur)).status, 200);
    assert.equal((await srv.call('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'gone' }, stringData: { token: 'short-lived-plaintext' } })).status, 201);
    assert.equal((await srv.call('DELETE', '/api/v1/namespaces/default/secrets/gone')).status, 200);
    await srv.close();
    await sqlite.close();

    const db = new Database(join(dir, 'state.db'), { readonly: true });
    const rows = db.prepare(`SELECT name, value FROM kine WHERE name LIKE '/registry/core/secrets/%'`).all() as { name: string; value: string }[];
    const configRows = db.prepare(`SELECT value FROM kine WHERE name = '/registry/core/configmaps/default/c'`).all() as { value: string }[];
    db.close();
    assert.ok(rows.length >= 4, `rows: ${rows.length}`); // s created and updated, gone created and deleted
    for (const r of rows) assert.match(r.value, /^k8s:enc:aesgcm:v1:key1:[A-Za-z0-9+/]+=*$/, r.name);
    assert.match(configRows[0]?.value ?? '', /plain-config/); // unencrypted resources stay readable, so the search below can find text

    const plain = [secretValue, 'super-secret-password', updated, 'updated-secret-value', 'short-lived-plaintext', Buffer.from('short-lived-plaintext').toString('base64')];
    let sawConfig = false;
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, f));
      for (const p of plain) assert.equal(bytes.includes(p), false, `${f} holds ${p}`);
      sawConfig ||= bytes.includes('plain-config');
    }
    assert.ok(sawConfig, 'the raw files hold the unencrypted ConfigMap');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stored value no key reads: lists and gets answer without it (no waiting cache), a delete is a 500 naming the object', async () => {
  const inner = createMemoryStorage();
  const srv = await serverOn(encryptingStorage(keep(inner), transformerLookup(config([{ aesgcm: { keys: [{ name: 'k', secret: key1 }] } }]))));
  try {
    await seed(srv.call);
    await inner.create('/registry/core/secrets/default/lost', 'k8s:enc:aescbc:v1:gone:AAAA');
    const within = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000))]);
    const list = await within(srv.call('GET', '/api/v1/namespaces/default/secrets'));
    assert.equal(list.status, 200);
    assert.deepEqual((JSON.parse(list.text) as { items: { metadata: { name: string } }[] }).items.map((s) => s.metadata.name), ['s']);
    assert.equal((await within(srv.call('GET', '/api/v1/namespaces/default/secrets/lost'))).status, 404);
    const del = await within(srv.call('DELETE', '/api/v1/namespaces/default/secrets/lost'));
    assert.equal(del.status, 500);
    const status = JSON.parse(del.text) as { reason: string; message: string };
    assert.equal(status.reason, 'InternalError');
    assert.equal(status.message, 'Internal error occurred: cannot decrypt /registry/core/secrets/default/lost: no matching prefix found: no key in the encryption configuration reads "k8s:enc:aescbc:v1:gone:"');
  } finally {
    await srv.close();
    await inner.close();
  }
});
