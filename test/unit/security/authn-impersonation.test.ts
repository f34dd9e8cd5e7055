// Authentication and impersonation edge cases, read as kube-apiserver reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildHandlerChain } from '../../../src/apiserver/chain.js';
import type { ApiRequest, HeaderMap } from '../../../src/apiserver/types.js';
import { parseTokenFile, tokenFileAuthenticator } from '../../../src/auth/authn/token-file.js';
import { bearerAuthenticator, bearerToken } from '../../../src/auth/authn/token.js';
import { unionAuthenticator } from '../../../src/auth/authn/union.js';
import { splitServiceAccountUsername } from '../../../src/auth/serviceaccount/claims.js';
import type { Attributes, Authenticator, Authorizer, UserInfo } from '../../../src/auth/types.js';

const tokens = bearerAuthenticator(tokenFileAuthenticator(parseTokenFile('good,alice,uid-a,devs\nadmin,root,uid-r,system:masters\n'), ['api']));

/** A client-certificate authenticator that refuses every certificate it is shown. */
const rejectingCertificates: Authenticator = {
  async authenticate(req) {
    return req.peerCertificates?.length ? { kind: 'fail', reason: 'x509: certificate signed by unknown authority' } : { kind: 'skip' };
  },
};

const union = unionAuthenticator([rejectingCertificates, tokens], { anonymous: true });

test('bearer header parsing follows kube-apiserver: split at spaces, the second part is the token', () => {
  assert.equal(bearerToken({ authorization: 'Bearer abc' }), 'abc');
  assert.equal(bearerToken({ authorization: '  Bearer abc  ' }), 'abc');
  assert.equal(bearerToken({ authorization: 'bearer abc' }), 'abc');
  assert.equal(bearerToken({ authorization: 'Bearer abc extra' }), 'abc');
  assert.equal(bearerToken({ authorization: 'Bearer  abc' }), '');
  assert.equal(bearerToken({ authorization: 'Bearer' }), undefined);
  assert.equal(bearerToken({ authorization: 'Basic YTpi' }), undefined);
  assert.equal(bearerToken({ authorization: 'Bearer\tabc' }), undefined);
  assert.equal(bearerToken({}), undefined);
});

const authnCases: { name: string; headers: HeaderMap; certs?: boolean; want: 'fail' | string }[] = [
  { name: 'garbage token with trailing words → 401', headers: { authorization: 'Bearer garbage extra' }, want: 'fail' },
  { name: 'valid token with trailing words → the token user', headers: { authorization: 'Bearer good extra' }, want: 'alice' },
  { name: 'a space before the token (empty token) is ignored → anonymous', headers: { authorization: 'Bearer  good' }, want: 'system:anonymous' },
  { name: 'Bearer with no token → anonymous', headers: { authorization: 'Bearer' }, want: 'system:anonymous' },
  { name: 'invalid client certificate with a valid token → the token user', headers: { authorization: 'Bearer good' }, certs: true, want: 'alice' },
  { name: 'invalid client certificate alone → 401', headers: {}, certs: true, want: 'fail' },
  { name: 'invalid client certificate with a garbage token → 401', headers: { authorization: 'Bearer nope' }, certs: true, want: 'fail' },
];

for (const c of authnCases) {
  test(`authentication: ${c.name}`, async () => {
    const r = await union.authenticate({ headers: c.headers, ...(c.certs ? { peerCertificates: [Buffer.from('not a certificate')] } : {}) });
    if (c.want === 'fail') assert.equal(r.kind, 'fail');
    else {
      assert.equal(r.kind, 'ok');
      if (r.kind === 'ok') assert.equal(r.user.name, c.want);
    }
  });
}

test('service-account usernames are parsed strictly', () => {
  assert.deepEqual(splitServiceAccountUsername('system:serviceaccount:ns-1:sa.one'), { namespace: 'ns-1', name: 'sa.one' });
  for (const name of [
    'system:serviceaccount:ns',
    'system:serviceaccount:ns:',
    'system:serviceaccount::sa',
    'system:serviceaccount:ns:sa:extra',
    'system:serviceaccount:NS:sa',
    'system:serviceaccount:n.s:sa',
    'system:serviceaccount:ns:SA',
    'system:serviceaccount:ns:__proto__',
    'system:serviceaccounts:ns:sa',
    'alice',
  ]) {
    assert.equal(splitServiceAccountUsername(name), undefined, name);
  }
});

/** root (system:masters) may do anything; alice may impersonate users "bob" and groups g1/g2 only. */
const authorizer: Authorizer & { seen: Attributes[] } = {
  seen: [],
  async authorize(a) {
    this.seen.push(a);
    if (a.user.groups.includes('system:masters')) return { decision: 'allow', reason: '' };
    if (a.user.name === 'alice' && a.verb === 'impersonate' && ((a.resource === 'users' && a.name === 'bob') || (a.resource === 'groups' && ['g1', 'g2'].includes(a.name)))) {
      return { decision: 'allow', reason: '' };
    }
    if (a.verb === 'get') return { decision: 'allow', reason: '' };
    return { decision: 'no-opinion', reason: '' };
  },
};

function chain() {
  let user: UserInfo | undefined;
  const handle = buildHandlerChain({
    authenticator: union,
    authorizer,
    route: async (_req, ctx) => {
      user = ctx.user;
      return { status: 200, headers: {}, body: 'ok' };
    },
  });
  const call = (headers: HeaderMap) => {
    authorizer.seen.length = 0;
    user = undefined;
    const r: ApiRequest = { method: 'GET', url: '/api/v1/namespaces/x/pods/p', headers };
    return handle(r);
  };
  return { call, user: () => user };
}

test('impersonation: a malformed service-account name is a plain user and needs impersonate on users', async () => {
  const c = chain();
  for (const name of ['system:serviceaccount:ns:sa:extra', 'system:serviceaccount:Bad:sa', 'system:serviceaccount:ns']) {
    const r = await c.call({ authorization: 'Bearer admin', 'impersonate-user': name });
    assert.equal(r.status, 200);
    const check = authorizer.seen[0]!;
    assert.deepEqual([check.resource, check.name, check.namespace], ['users', name, ''], name);
    assert.deepEqual(c.user(), { name, groups: ['system:authenticated'] });
  }
  const denied = await c.call({ authorization: 'Bearer good', 'impersonate-user': 'system:serviceaccount:ns:sa:extra' });
  assert.equal(denied.status, 403);
  assert.equal(JSON.parse(String(denied.body)).message, 'users "system:serviceaccount:ns:sa:extra" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
});

test('impersonation: repeated Impersonate-Group values are separate groups, each checked', async () => {
  const c = chain();
  const r = await c.call({ authorization: 'Bearer good', 'impersonate-user': 'bob', 'impersonate-group': ['g1', 'g2'] });
  assert.equal(r.status, 200);
  assert.deepEqual(c.user()?.groups, ['g1', 'g2', 'system:authenticated']);
  assert.deepEqual(
    authorizer.seen.filter((a) => a.resource === 'groups').map((a) => a.name),
    ['g1', 'g2'],
  );
  const joined = await c.call({ authorization: 'Bearer good', 'impersonate-user': 'bob', 'impersonate-group': ['g1', 'system:masters'] });
  assert.equal(joined.status, 403);
});

test('impersonation: an empty Impersonate-User is ignored', async () => {
  const c = chain();
  const r = await c.call({ authorization: 'Bearer good', 'impersonate-user': '' });
  assert.equal(r.status, 200);
  assert.deepEqual(c.user(), { name: 'alice', uid: 'uid-a', groups: ['devs', 'system:authenticated'] });
  const withGroup = await c.call({ authorization: 'Bearer good', 'impersonate-user': '', 'impersonate-group': 'g1' });
  assert.equal(withGroup.status, 400);
});

test('impersonation: a malformed Impersonate-Extra-%ZZ is never a 500', async () => {
  const c = chain();
  const alone = await c.call({ authorization: 'Bearer admin', 'impersonate-extra-%zz': 'v' });
  assert.equal(alone.status, 400);
  const r = await c.call({ authorization: 'Bearer admin', 'impersonate-user': 'bob', 'impersonate-extra-%zz': 'v', 'impersonate-extra-a%2fb': ['1', '2'] });
  assert.equal(r.status, 200);
  assert.deepEqual(c.user()?.extra, { '%zz': ['v'], 'a/b': ['1', '2'] });
  const denied = await c.call({ authorization: 'Bearer good', 'impersonate-user': 'bob', 'impersonate-extra-%zz': 'v' });
  assert.equal(denied.status, 403);
});

test('impersonation: prototype-named extra keys and users are plain names', async () => {
  const c = chain();
  const r = await c.call({ authorization: 'Bearer admin', 'impersonate-user': '__proto__', 'impersonate-extra-__proto__': 'x', 'impersonate-extra-constructor': 'y' });
  assert.equal(r.status, 200);
  const user = c.user()!;
  assert.equal(user.name, '__proto__');
  assert.ok(user.extra && Object.hasOwn(user.extra, '__proto__') && Object.hasOwn(user.extra, 'constructor'));
  assert.deepEqual(user.extra['constructor'], ['y']);
  assert.equal(({} as Record<string, unknown>)['x'], undefined);
});
