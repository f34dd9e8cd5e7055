import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attributes, Authenticator, Authorizer, UserInfo } from '../../../src/auth/types.js';
import { buildHandlerChain } from '../../../src/apiserver/chain.js';
import type { ApiRequest, HeaderMap } from '../../../src/apiserver/types.js';

const tokenAuthenticator: Authenticator = {
  async authenticate(req) {
    const h = req.headers['authorization'];
    if (h === undefined) return { kind: 'skip' };
    if (h === 'Bearer good') return { kind: 'ok', user: { name: 'alice', groups: ['devs'] } };
    if (h === 'Bearer admin') return { kind: 'ok', user: { name: 'root', groups: ['system:masters'] } };
    return { kind: 'fail', reason: 'bad token' };
  },
};

/** Allows system:masters everything; alice may get pods and impersonate user bob and group g1. */
const authorizer: Authorizer & { seen: Attributes[] } = {
  seen: [],
  async authorize(a) {
    this.seen.push(a);
    if (a.user.groups.includes('system:masters')) return { decision: 'allow', reason: '' };
    if (a.user.name === 'alice' && a.verb === 'impersonate' && ((a.resource === 'users' && a.name === 'bob') || (a.resource === 'groups' && a.name === 'g1'))) return { decision: 'allow', reason: '' };
    if (a.verb === 'get' && a.resource === 'pods') return { decision: 'allow', reason: '' };
    return { decision: 'no-opinion', reason: '' };
  },
};

function chain() {
  let last: { user?: UserInfo; headers?: HeaderMap; impersonator?: UserInfo } = {};
  const handle = buildHandlerChain({
    authenticator: tokenAuthenticator,
    authorizer,
    route: async (req, ctx) => {
      last = { ...(ctx.user ? { user: ctx.user } : {}), headers: req.headers, ...(ctx.impersonator ? { impersonator: ctx.impersonator } : {}) };
      ctx.warnings.push('careful');
      return { status: 200, headers: {}, body: 'ok' };
    },
  });
  return { handle, last: () => last };
}

function req(url: string, headers: HeaderMap = {}, method = 'GET'): ApiRequest {
  return { method, url, headers };
}

test('no credential → system:anonymous in system:unauthenticated', async () => {
  const c = chain();
  const r = await c.handle(req('/api/v1/namespaces/x/pods/p'));
  assert.equal(r.status, 200);
  assert.deepEqual(c.last().user, { name: 'system:anonymous', groups: ['system:unauthenticated'] });
  assert.deepEqual(r.headers['warning'], ['299 - "careful"']);
});

test('bad credential → 401 Unauthorized Status, never anonymous', async () => {
  const c = chain();
  const r = await c.handle(req('/api/v1/namespaces/x/pods/p', { authorization: 'Bearer nope' }));
  assert.equal(r.status, 401);
  assert.deepEqual(JSON.parse(String(r.body)), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
});

test('authenticated: system:authenticated added, Authorization header stripped', async () => {
  const c = chain();
  const r = await c.handle(req('/api/v1/namespaces/x/pods/p', { authorization: 'Bearer good', accept: 'application/json' }));
  assert.equal(r.status, 200);
  assert.deepEqual(c.last().user, { name: 'alice', groups: ['devs', 'system:authenticated'] });
  assert.equal(c.last().headers?.['authorization'], undefined);
  assert.equal(c.last().headers?.['accept'], 'application/json');
});

test('denied → 403 with the Kubernetes message', async () => {
  const c = chain();
  const r = await c.handle(req('/api/v1/namespaces/ns-1/pods', { authorization: 'Bearer good' }));
  assert.equal(r.status, 403);
  const body = JSON.parse(String(r.body));
  assert.equal(body.message, 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "ns-1"');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
});

test('impersonation: allowed user and group', async () => {
  const c = chain();
  const r = await c.handle(req('/api/v1/namespaces/x/pods/p', { authorization: 'Bearer good', 'impersonate-user': 'bob', 'impersonate-group': 'g1' }));
  assert.equal(r.status, 200);
  assert.deepEqual(c.last().user, { name: 'bob', groups: ['g1', 'system:authenticated'] });
  assert.equal(c.last().impersonator?.name, 'alice');
  assert.equal(c.last().headers?.['impersonate-user'], undefined);
});

test('impersonation: denied names the impersonate verb', async () => {
  const c = chain();
  const r = await c.handle(req('/api/v1/namespaces/x/pods/p', { authorization: 'Bearer good', 'impersonate-user': 'carol' }));
  assert.equal(r.status, 403);
  assert.equal(JSON.parse(String(r.body)).message, 'users "carol" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
});

test('impersonation: a service account is checked on serviceaccounts and gets its groups', async () => {
  const c = chain();
  authorizer.seen.length = 0;
  const r = await c.handle(req('/api/v1/namespaces/x/pods/p', { authorization: 'Bearer admin', 'impersonate-user': 'system:serviceaccount:ns-1:k-sa-1' }));
  assert.equal(r.status, 200);
  const check = authorizer.seen[0]!;
  assert.deepEqual([check.verb, check.resource, check.namespace, check.name], ['impersonate', 'serviceaccounts', 'ns-1', 'k-sa-1']);
  assert.deepEqual(c.last().user?.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns-1', 'system:authenticated']);
});

test('impersonation: groups without a user → 400', async () => {
  const c = chain();
  const r = await c.handle(req('/api/v1/namespaces/x/pods/p', { authorization: 'Bearer admin', 'impersonate-group': 'g1' }));
  assert.equal(r.status, 400);
});

test('loopback: a preset user skips authentication', async () => {
  const c = chain();
  const r = await c.handle(req('/api/v1/nodes', {}), { user: { name: 'system:apiserver', groups: ['system:masters'] } });
  assert.equal(r.status, 200);
  assert.equal(c.last().user?.name, 'system:apiserver');
});

test('a throwing route becomes a 500 Status and the chain keeps answering', async () => {
  const handle = buildHandlerChain({
    authenticator: tokenAuthenticator,
    authorizer,
    route: async () => {
      throw new Error('boom');
    },
  });
  const r = await handle(req('/api/v1/namespaces/x/pods/p'));
  assert.equal(r.status, 500);
  assert.equal(JSON.parse(String(r.body)).message, 'Internal error occurred: boom');
});
