import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapTokenAuthenticator } from '../../../src/auth/authn/bootstrap-token.js';
import { bearerAuthenticator } from '../../../src/auth/authn/token.js';
import { unionAuthenticator } from '../../../src/auth/authn/union.js';
import { staticLookup } from '../../../src/auth/lookup.js';
import { bootstrapTokenSecret, parseBootstrapToken, tokenGroups, tokenUsages, type NewTokenSecret } from '../../../src/api/bootstrap-token.js';
import type { KubeObject } from '../../../src/api/object.js';

const now = new Date('2026-12-02T12:00:00Z');
const token = { id: 'abcdef', secret: '0123456789abcdef' };
const base: NewTokenSecret = { token, expiresAt: new Date(now.getTime() + 3600_000), usages: ['authentication', 'signing'], groups: ['system:bootstrappers:kubeadm:default-node-token'] };

function authn(secrets: KubeObject[]) {
  const tokens = bootstrapTokenAuthenticator({ lookup: staticLookup(secrets), apiAudiences: ['https://kubernetes.default.svc.cluster.local'], now: () => now });
  return unionAuthenticator([bearerAuthenticator(tokens)], { anonymous: true });
}

async function who(secrets: KubeObject[], bearer: string) {
  return authn(secrets).authenticate({ headers: { authorization: `Bearer ${bearer}` } });
}

test('a valid token authenticates as system:bootstrap:<id> in system:bootstrappers and its extra groups', async () => {
  const r = await who([bootstrapTokenSecret(base)], 'abcdef.0123456789abcdef');
  assert.deepEqual(r, { kind: 'ok', user: { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'] } });
});

test('a token without expiration never expires', async () => {
  const { expiresAt: _e, ...forever } = base;
  const r = await who([bootstrapTokenSecret(forever)], 'abcdef.0123456789abcdef');
  assert.equal(r.kind, 'ok');
});

const refused: [string, (s: KubeObject) => void, string?][] = [
  ['expired', (s) => ((s['data'] as Record<string, string>)['expiration'] = Buffer.from('2026-12-02T11:59:59Z').toString('base64'))],
  ['an expiration that is not RFC 3339 counts as expired', (s) => ((s['data'] as Record<string, string>)['expiration'] = Buffer.from('tomorrow').toString('base64'))],
  ['wrong secret', () => {}, 'abcdef.0123456789abcdee'],
  ['not marked for authentication', (s) => delete (s['data'] as Record<string, string>)['usage-bootstrap-authentication']],
  ['marked other than "true"', (s) => ((s['data'] as Record<string, string>)['usage-bootstrap-authentication'] = Buffer.from('yes').toString('base64'))],
  ['another Secret type', (s) => (s['type'] = 'Opaque')],
  ['token-id differing from the name', (s) => ((s['data'] as Record<string, string>)['token-id'] = Buffer.from('zzzzzz').toString('base64'))],
  ['an extra group outside system:bootstrappers:', (s) => ((s['data'] as Record<string, string>)['auth-extra-groups'] = Buffer.from('system:masters').toString('base64'))],
  ['being deleted', (s) => (s.metadata.deletionTimestamp = '2026-12-02T11:00:00Z')],
  ['no such Secret', (s) => (s.metadata.name = 'bootstrap-token-zzzzzz')],
];

for (const [name, change, bearer] of refused) {
  test(`refused (401, never anonymous): ${name}`, async () => {
    const s = bootstrapTokenSecret(base);
    change(s);
    const r = await who([s], bearer ?? 'abcdef.0123456789abcdef');
    assert.equal(r.kind, 'fail');
  });
}

test('tokens of another shape are left to other authenticators', async () => {
  const tokens = bootstrapTokenAuthenticator({ lookup: staticLookup([bootstrapTokenSecret(base)]), apiAudiences: [] });
  for (const t of ['ABCDEF.0123456789abcdef', 'abcdef.0123456789abcde', 'abcdef0123456789abcdef', 'a.b.c']) assert.deepEqual(await tokens.authenticateToken(t), { kind: 'skip' }, t);
});

test('parsing, usages and groups', () => {
  assert.deepEqual(parseBootstrapToken('abcdef.0123456789abcdef'), token);
  assert.equal(parseBootstrapToken('abcdef.0123456789abcdef\n'), undefined);
  const s = bootstrapTokenSecret({ ...base, groups: ['system:bootstrappers:b', 'system:bootstrappers:a', 'system:bootstrappers:a'] });
  assert.deepEqual(tokenUsages(s), ['authentication', 'signing']);
  assert.deepEqual(tokenGroups(s), { groups: ['system:bootstrappers', 'system:bootstrappers:a', 'system:bootstrappers:b'] });
  const bad = bootstrapTokenSecret({ ...base, groups: ['system:bootstrappers:'] });
  assert.match((tokenGroups(bad) as { error: string }).error, /^bootstrap group "system:bootstrappers:" is invalid \(must match /);
});
