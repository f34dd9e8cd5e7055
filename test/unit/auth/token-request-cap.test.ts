// --service-account-max-token-expiration: a TokenRequest for longer than the cap gets the cap (in the answer's spec,
// its expiration timestamp and the JWT), shorter ones what they asked for; the 10-minute minimum is checked on the
// request as asked, before the cap.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApiServer, type ApiServer } from '../../../src/apiserver/api-server.js';
import { createClusterAuth } from '../../../src/auth/cluster-auth.js';
import { createServiceAccountKey } from '../../../src/pki/service-account-key.js';
import { createCertificateAuthority } from '../../../src/pki/certs.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';

const admin = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const cap = 1200;
let api: ApiServer;
const stop = new AbortController();
const storage = createMemoryStorage();

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const r = await api.dispatch({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, admin);
  return { status: r.status, body: JSON.parse(String(r.body)) as Record<string, any> };
}

function claims(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, any>;
}

before(async () => {
  const ca = await createCertificateAuthority('test-ca');
  const auth = createClusterAuth({ clientCA: ca.cert, serviceAccountKey: createServiceAccountKey(), anonymous: false, maxTokenExpirationSeconds: cap });
  api = await createApiServer({ storage, authenticator: auth.authenticator, authorizer: auth.authorizer });
  await auth.install(api, { serverUrl: 'https://127.0.0.1:1', signal: stop.signal });
  assert.equal((await post('/api/v1/namespaces', { metadata: { name: 'ns-1' } })).status, 201);
  assert.equal((await post('/api/v1/namespaces/ns-1/serviceaccounts', { metadata: { name: 'sa' } })).status, 201);
});

after(async () => {
  stop.abort();
  await api.close();
  await storage.close();
});

const cases = [
  { name: 'the default hour is capped', asked: undefined, given: cap },
  { name: 'the kubelet\'s 3607 s is capped (and not extended to a year)', asked: 3607, given: cap },
  { name: 'a request under the cap gets what it asked', asked: 600, given: 600 },
  { name: 'a request of exactly the cap', asked: cap, given: cap },
];

for (const c of cases) {
  test(`TokenRequest with a cap of ${cap}s: ${c.name}`, async () => {
    const r = await post('/api/v1/namespaces/ns-1/serviceaccounts/sa/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: c.asked === undefined ? {} : { expirationSeconds: c.asked } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body['spec']['expirationSeconds'], c.given);
    const jwt = claims(r.body['status']['token']);
    assert.equal(jwt['exp'] - jwt['iat'], c.given);
    // The answer's timestamp and the JWT are stamped from their own readings of the clock: the same second or the next.
    assert.ok(Math.abs(Date.parse(r.body['status']['expirationTimestamp']) / 1000 - jwt['exp']) <= 1);
  });
}

test('the 10-minute minimum applies to the request as asked, cap or not', async () => {
  const r = await post('/api/v1/namespaces/ns-1/serviceaccounts/sa/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 60 } });
  assert.equal(r.status, 422);
  assert.match(r.body['message'], /spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes/);
});
