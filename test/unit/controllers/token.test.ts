import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { reconcileTokenSecret, type TokenDeps } from '../../../src/controllers/token.js';
import { FakeApi } from './fake-client.js';

const secrets = '/api/v1/namespaces/ns/secrets';
const sas = '/api/v1/namespaces/ns/serviceaccounts';
const b64 = (s: string) => Buffer.from(s).toString('base64');

function setup(secret: KubeObject, withSa = true) {
  const api = new FakeApi();
  api.seed(secrets, secret);
  if (withSa) api.seed(sas, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'ns', uid: 'sa-uid' } });
  const signed: string[] = [];
  const deps = (): TokenDeps => ({
    client: api,
    secrets: api.indexer(secrets),
    serviceAccounts: api.indexer(sas),
    caPem: 'CA',
    sign: async (ns, sa, name) => {
      signed.push(`${ns}/${sa.name}/${sa.uid}/${name}`);
      return 'jwt';
    },
  });
  return { api, deps, signed };
}

const tokenSecret = (extra: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/service-account-token',
  metadata: { name: 'builder-token', namespace: 'ns', uid: 's-uid', annotations: { 'kubernetes.io/service-account.name': 'builder', ...extra } },
});

test('a token Secret is filled with a signed token, the CA, the namespace and the ServiceAccount UID', async () => {
  const h = setup(tokenSecret());
  await reconcileTokenSecret('ns/builder-token', h.deps());
  const s = h.api.objects.get(`${secrets}/builder-token`) as KubeObject;
  assert.deepEqual(s['data'], { token: b64('jwt'), 'ca.crt': b64('CA'), namespace: b64('ns') });
  assert.equal(s.metadata.annotations?.['kubernetes.io/service-account.uid'], 'sa-uid');
  assert.deepEqual(h.signed, ['ns/builder/sa-uid/builder-token']);
  await reconcileTokenSecret('ns/builder-token', h.deps());
  assert.equal(h.api.writes().length, 1, 'a filled Secret is left alone');
});

test('a token Secret whose ServiceAccount is gone (or was replaced) is deleted', async () => {
  const gone = setup(tokenSecret(), false);
  await reconcileTokenSecret('ns/builder-token', gone.deps());
  assert.deepEqual(gone.api.writes().map((a) => a.verb), ['delete']);
  const replaced = setup(tokenSecret({ 'kubernetes.io/service-account.uid': 'old-uid' }));
  await reconcileTokenSecret('ns/builder-token', replaced.deps());
  assert.deepEqual(replaced.api.writes().map((a) => a.verb), ['delete']);
});

test('other Secrets are ignored', async () => {
  const h = setup({ ...tokenSecret(), type: 'Opaque' });
  await reconcileTokenSecret('ns/builder-token', h.deps());
  assert.equal(h.api.actions.length, 0);
});
