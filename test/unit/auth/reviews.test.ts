// The review, TokenRequest and discovery handlers through the assembled API server, in-process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApiServer, type ApiServer } from '../../../src/apiserver/api-server.js';
import { createClusterAuth, type ClusterAuth } from '../../../src/auth/cluster-auth.js';
import { createServiceAccountKey } from '../../../src/pki/service-account-key.js';
import { createCertificateAuthority } from '../../../src/pki/certs.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from '../../../src/auth/authz/bootstrap-policy.js';
import type { ApiResponse } from '../../../src/apiserver/types.js';

const admin = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
let api: ApiServer;
let auth: ClusterAuth;
const stop = new AbortController();
const storage = createMemoryStorage();

function json(r: ApiResponse): Record<string, unknown> {
  return JSON.parse(String(r.body)) as Record<string, unknown>;
}

function post(url: string, body: unknown, opts: { token?: string; asAdmin?: boolean } = {}): Promise<ApiResponse> {
  const req = { method: 'POST', url, headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) }, body: JSON.stringify(body) };
  return opts.asAdmin ? api.dispatch(req, admin) : api.handle(req);
}

before(async () => {
  const ca = await createCertificateAuthority('test-ca');
  auth = createClusterAuth({ clientCA: ca.cert, serviceAccountKey: createServiceAccountKey(), anonymous: true });
  api = await createApiServer({ storage, authenticator: auth.authenticator, authorizer: auth.authorizer });
  await auth.install(api, { serverUrl: 'https://127.0.0.1:1', signal: stop.signal });
  // `a-kube up` creates the bootstrap policy through the API; here it goes straight into the index.
  for (const r of bootstrapClusterRoles()) auth.index.upsert('ClusterRole', r);
  for (const b of bootstrapClusterRoleBindings()) auth.index.upsert('ClusterRoleBinding', b);
  assert.equal((await post('/api/v1/namespaces', { metadata: { name: 'ns-1' } }, { asAdmin: true })).status, 201);
  assert.equal((await post('/api/v1/namespaces/ns-1/serviceaccounts', { metadata: { name: 'k-sa-1' } }, { asAdmin: true })).status, 201);
});

after(async () => {
  stop.abort();
  await api.close();
  await storage.close();
});

async function saToken(): Promise<string> {
  const r = await post('/api/v1/namespaces/ns-1/serviceaccounts/k-sa-1/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }, { asAdmin: true });
  assert.equal(r.status, 201, String(r.body));
  const body = json(r) as { spec: { expirationSeconds: number; audiences: string[] }; status: { token: string } };
  assert.equal(body.spec.expirationSeconds, 3600);
  assert.deepEqual(body.spec.audiences, ['https://kubernetes.default.svc.cluster.local']);
  return body.status.token;
}

test('TokenReview: a service-account token, and a bad one', async () => {
  const token = await saToken();
  const ok = json(await post('/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }, { asAdmin: true })) as { status: { authenticated: boolean; user: { username: string; groups: string[] }; audiences: string[] } };
  assert.equal(ok.status.authenticated, true);
  assert.equal(ok.status.user.username, 'system:serviceaccount:ns-1:k-sa-1');
  assert.deepEqual(ok.status.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns-1', 'system:authenticated']);
  const wrongAudience = json(await post('/apis/authentication.k8s.io/v1/tokenreviews', { kind: 'TokenReview', spec: { token, audiences: ['vault'] } }, { asAdmin: true })) as { status: { authenticated?: boolean; error?: string } };
  assert.equal(wrongAudience.status.authenticated, undefined);
  assert.match(wrongAudience.status.error ?? '', /token audiences \["https:\/\/kubernetes.default.svc.cluster.local"\] is invalid for the target audiences \["vault"\]/);
  const empty = await post('/apis/authentication.k8s.io/v1/tokenreviews', { kind: 'TokenReview', spec: {} }, { asAdmin: true });
  assert.equal(empty.status, 400);
  assert.equal(json(empty)['message'], 'token is required for TokenReview in authentication');
});

test('SelfSubjectReview in v1 and v1beta1 answers with the caller', async () => {
  const token = await saToken();
  for (const v of ['v1', 'v1beta1']) {
    const r = await post(`/apis/authentication.k8s.io/${v}/selfsubjectreviews`, { apiVersion: `authentication.k8s.io/${v}`, kind: 'SelfSubjectReview' }, { token });
    assert.equal(r.status, 201, String(r.body));
    const body = json(r) as { apiVersion: string; status: { userInfo: { username: string } } };
    assert.equal(body.apiVersion, `authentication.k8s.io/${v}`);
    assert.equal(body.status.userInfo.username, 'system:serviceaccount:ns-1:k-sa-1');
  }
});

test('SelfSubjectAccessReview needs exactly one kind of attributes', async () => {
  const r = await post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { kind: 'SelfSubjectAccessReview', spec: {} }, { asAdmin: true });
  assert.equal(r.status, 422);
  assert.equal(json(r)['message'], 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified');
  const token = await saToken();
  const allowed = json(await post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { path: '/openid/v1/jwks', verb: 'get' } } }, { token }));
  assert.deepEqual(allowed['status'], { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "system:service-account-issuer-discovery" of ClusterRole "system:service-account-issuer-discovery" to Group "system:serviceaccounts"' });
  const anonymous = await post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { kind: 'SelfSubjectAccessReview', spec: { nonResourceAttributes: { path: '/version', verb: 'get' } } });
  assert.equal(anonymous.status, 403, 'system:basic-user is for authenticated users only');
});

test('LocalSubjectAccessReview: the namespaces must agree', async () => {
  const r = await post('/apis/authorization.k8s.io/v1/namespaces/ns-1/localsubjectaccessreviews', { kind: 'LocalSubjectAccessReview', spec: { user: 'bob', resourceAttributes: { namespace: 'other', verb: 'get', resource: 'pods' } } }, { asAdmin: true });
  assert.equal(r.status, 400);
  assert.equal(json(r)['message'], 'spec.resourceAttributes.namespace must match namespace: ns-1');
  const ok = json(await post('/apis/authorization.k8s.io/v1/namespaces/ns-1/localsubjectaccessreviews', { kind: 'LocalSubjectAccessReview', spec: { user: 'bob', resourceAttributes: { namespace: 'ns-1', verb: 'get', resource: 'pods' } } }, { asAdmin: true }));
  assert.deepEqual(ok['status'], { allowed: false });
});

test('TokenRequest: too short, unknown service account, pod binding checks', async () => {
  const short = await post('/api/v1/namespaces/ns-1/serviceaccounts/k-sa-1/token', { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { expirationSeconds: 60 } }, { asAdmin: true });
  assert.equal(short.status, 422);
  assert.equal(json(short)['message'], 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
  const missing = await post('/api/v1/namespaces/ns-1/serviceaccounts/nope/token', { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: {} }, { asAdmin: true });
  assert.equal(missing.status, 404);
  assert.equal(json(missing)['message'], 'serviceaccounts "nope" not found');
  const noPod = await post('/api/v1/namespaces/ns-1/serviceaccounts/k-sa-1/token', { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } } }, { asAdmin: true });
  assert.equal(noPod.status, 404);
  const badKind = await post('/api/v1/namespaces/ns-1/serviceaccounts/k-sa-1/token', { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } } }, { asAdmin: true });
  assert.equal(badKind.status, 400);
  assert.equal(json(badKind)['message'], 'cannot bind token to object of type /v1, Kind=ConfigMap');
});

test('issuer discovery documents', async () => {
  const token = await saToken();
  const r = await api.handle({ method: 'GET', url: '/openid/v1/jwks', headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  const keys = (json(r) as { keys: { kid: string; alg: string; use: string }[] }).keys;
  assert.equal(keys[0]?.kid, auth.signer.keyId);
  assert.equal(keys[0]?.alg, 'RS256');
});
