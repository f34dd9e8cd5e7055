import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTokenFile, tokenFileAuthenticator, TokenFileError } from '../../../src/auth/authn/token-file.js';
import { bearerAuthenticator, bearerToken } from '../../../src/auth/authn/token.js';
import { unionAuthenticator } from '../../../src/auth/authn/union.js';

const file = `token1,alice,uid-1,"devs,ops"
token2,bob,uid-2
,skipped,uid-3
token1,carol,uid-4,admins
`;

test('parses the CSV as kube-apiserver does: quoted groups, optional groups, later duplicates win, empty tokens skipped', () => {
  const users = parseTokenFile(file);
  assert.deepEqual(users.get('token1'), { name: 'carol', uid: 'uid-4', groups: ['admins'] });
  assert.deepEqual(users.get('token2'), { name: 'bob', uid: 'uid-2', groups: [] });
  assert.equal(users.size, 2);
  const quoted = parseTokenFile('t,alice,u,"a,b"\n');
  assert.deepEqual(quoted.get('t')?.groups, ['a', 'b']);
});

test('a record with fewer than 3 columns is an error', () => {
  assert.throws(() => parseTokenFile('token,alice\n', '/x.csv'), (e: unknown) => e instanceof TokenFileError && e.message === "token file '/x.csv' must have at least 3 columns (token, user name, user uid), found 2");
});

const cases: { name: string; header?: string; kind: string; user?: string }[] = [
  { name: 'known token', header: 'Bearer token2', kind: 'ok', user: 'bob' },
  { name: 'lower-case scheme', header: 'bearer token2', kind: 'ok', user: 'bob' },
  { name: 'unknown token is 401, not anonymous', header: 'Bearer nope', kind: 'fail' },
  { name: 'no header is anonymous', kind: 'ok', user: 'system:anonymous' },
  { name: 'other scheme is ignored', header: 'Basic YTpi', kind: 'ok', user: 'system:anonymous' },
];

for (const c of cases) {
  test(`chain: ${c.name}`, async () => {
    const chain = unionAuthenticator([bearerAuthenticator(tokenFileAuthenticator(parseTokenFile(file), ['api']))], { anonymous: true });
    const r = await chain.authenticate({ headers: c.header ? { authorization: c.header } : {} });
    assert.equal(r.kind, c.kind);
    if (r.kind === 'ok') assert.equal(r.user.name, c.user);
  });
}

test('static tokens are only for the API server own audiences', async () => {
  const a = tokenFileAuthenticator(parseTokenFile(file), ['api']);
  assert.equal((await a.authenticateToken('token2', ['vault'])).kind, 'fail');
  assert.deepEqual(await a.authenticateToken('token2', ['api', 'vault']), { kind: 'ok', user: { name: 'bob', uid: 'uid-2', groups: [] }, audiences: ['api'] });
});

test('bearerToken reads only the Bearer scheme', () => {
  assert.equal(bearerToken({ authorization: 'Bearer abc' }), 'abc');
  assert.equal(bearerToken({ authorization: 'Basic abc' }), undefined);
  assert.equal(bearerToken({}), undefined);
});

test('a token after an extra space is ignored with kube-apiserver\'s Warning; an empty token alone, silently', async () => {
  const chain = unionAuthenticator([bearerAuthenticator(tokenFileAuthenticator(parseTokenFile(file), ['api']))], { anonymous: true });
  for (const [header, warned] of [['Bearer  token2', true], ['Bearer  token2 more', true], ['Bearer ', false], ['Bearer token2', false]] as const) {
    const warnings: string[] = [];
    await chain.authenticate({ headers: { authorization: header }, warn: (t) => warnings.push(t) });
    assert.deepEqual(warnings, warned ? ['the provided Authorization header contains extra space before the bearer token, and is ignored'] : [], header);
  }
});
