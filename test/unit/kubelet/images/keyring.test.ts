// The kubelet's credential keyring: image references to repositories, host-label patterns, keys from docker
// config entry names, which keys match an image, and the order credentials are tried in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch } from '../../../../src/kubelet/images/glob.js';
import { buildKeyring, DockerConfigError, keyringKey, lookupCredentials, urlsMatch, type PullSecret } from '../../../../src/kubelet/images/keyring.js';
import { repositoryToPull } from '../../../../src/kubelet/images/reference.js';

test('repositoryToPull writes the repository out in full, without tag or digest', () => {
  const cases: [string, string][] = [
    ['nginx', 'docker.io/library/nginx'],
    ['nginx:1.25', 'docker.io/library/nginx'],
    ['bitnami/redis:7', 'docker.io/bitnami/redis'],
    ['docker.io/nginx', 'docker.io/library/nginx'],
    ['index.docker.io/team/app', 'docker.io/team/app'],
    ['localhost/app:v1', 'localhost/app'],
    ['localhost:5000/app', 'localhost:5000/app'],
    ['127.0.0.1:5000/team/app:v1', '127.0.0.1:5000/team/app'],
    [`registry.example/app@sha256:${'a'.repeat(64)}`, 'registry.example/app'],
    [`registry.example:443/app:v2@sha256:${'b'.repeat(64)}`, 'registry.example:443/app'],
    ['Registry/app', 'Registry/app'],
  ];
  for (const [image, want] of cases) assert.equal(repositoryToPull(image), want, image);
});

test('globMatch: filepath.Match syntax on one label', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'anything', true],
    ['*', '', true],
    ['reg*', 'registry', true],
    ['reg*', 'areg', false],
    ['*-eu', 'mirror-eu', true],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXbYbZ', false],
    ['?', 'x', true],
    ['?', 'xy', false],
    ['r[0-9]', 'r7', true],
    ['r[0-9]', 'rx', false],
    ['r[^0-9]', 'rx', true],
    ['r[^0-9]', 'r7', false],
    ['r[abc-e]', 'rd', true],
    ['\\*', '*', true],
    ['\\*', 'x', false],
    ['exact', 'exact', true],
    ['exact', 'Exact', false],
    // Malformed patterns match nothing.
    ['[', '[', false],
    ['r[]', 'r]', false],
    ['r[a-', 'ra', false],
    ['trailing\\', 'trailing\\', false],
  ];
  for (const [pattern, label, want] of cases) assert.equal(globMatch(pattern, label), want, `${pattern} ~ ${label}`);
});

test('globMatch of many stars ends quickly; nothing longer than a host name matches', () => {
  const started = Date.now();
  assert.equal(globMatch(`${'*a'.repeat(100)}b`, 'a'.repeat(253)), false);
  assert.equal(globMatch('*'.repeat(2_000_000), 'a'.repeat(2_000_000)), false);
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  assert.equal(globMatch('*', 'a'.repeat(253)), true);
  assert.equal(globMatch('*', 'a'.repeat(254)), false);
});

test('keyringKey: without scheme, /v1/ and /v2/ meaning the registry itself, other paths kept', () => {
  const cases: [string, string | undefined][] = [
    ['registry.example', 'registry.example'],
    ['https://registry.example', 'registry.example'],
    ['http://registry.example:5000/', 'registry.example:5000'],
    ['https://index.docker.io/v1/', 'index.docker.io'],
    ['registry.example/v2/team', 'registry.example/team'],
    ['registry.example/team/app', 'registry.example/team/app'],
    ['https://user@registry.example:5000/team?x=1', 'registry.example:5000/team'],
    ['*.example.com', '*.example.com'],
    ['[::1]:5000', '[::1]:5000'],
    ['registry.example:http', undefined],
  ];
  for (const [name, want] of cases) assert.equal(keyringKey(name), want, name);
});

test('urlsMatch: same port, as many labels each matching, the key\'s path a prefix of the image\'s', () => {
  const cases: [string, string, boolean][] = [
    ['registry.example', 'registry.example/app', true],
    ['registry.example', 'other.example/app', false],
    ['registry.example', 'registry.example:5000/app', false],
    ['registry.example:5000', 'registry.example/app', false],
    ['registry.example:5000', 'registry.example:5000/team/app', true],
    ['127.0.0.1:5000', '127.0.0.1:5000/app', true],
    ['*.example.com', 'registry.example.com/app', true],
    ['*.example.com', 'example.com/app', false],
    ['*.example.com', 'a.b.example.com/app', false],
    ['*.*.example.com', 'a.b.example.com/app', true],
    ['registry.*', 'registry.io/app', true],
    ['reg*.example.com', 'registry.example.com/app', true],
    ['registry.example/team', 'registry.example/team/app', true],
    ['registry.example/team', 'registry.example/other/app', false],
    // A prefix of the path as text, as the kubelet compares it.
    ['registry.example/team', 'registry.example/teamwork/app', true],
    ['[::1]:5000', '[::1]:5000/app', true],
    ['[::1]:5000', '[::1]:5001/app', false],
    ['docker.io', 'docker.io/library/nginx', true],
    ['index.docker.io', 'docker.io/library/nginx', false],
  ];
  for (const [key, repo, want] of cases) assert.equal(urlsMatch(key, repo), want, `${key} ~ ${repo}`);
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

function jsonSecret(name: string, auths: Record<string, unknown>): PullSecret {
  return { name, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) } };
}

const entry = (username: string, password: string) => ({ username, password });

test('lookup: more specific keys first, each key\'s credentials in the secrets\' order', () => {
  const keyring = buildKeyring([
    jsonSecret('wrong', { 'registry.example': entry('u1', 'bad'), 'registry.example/team': entry('t1', 'pw') }),
    jsonSecret('right', { 'https://registry.example': entry('u2', 'good') }),
    jsonSecret('wild', { '*.example': entry('w', 'pw') }),
    { name: 'legacy', type: 'kubernetes.io/dockercfg', data: { '.dockercfg': b64(JSON.stringify({ 'registry.example': { auth: b64('old:pw'), username: 'ignored' } })) } },
  ]);
  const tried = (image: string) => lookupCredentials(keyring, repositoryToPull(image)).map((c) => `${c.secret}:${c.username}:${c.password}`);
  assert.deepEqual(tried('registry.example/team/app:v1'), ['wrong:t1:pw', 'wrong:u1:bad', 'right:u2:good', 'legacy:old:pw', 'wild:w:pw']);
  assert.deepEqual(tried('registry.example/app'), ['wrong:u1:bad', 'right:u2:good', 'legacy:old:pw', 'wild:w:pw']);
  assert.deepEqual(tried('mirror.example/app'), ['wild:w:pw']);
  assert.deepEqual(tried('registry.example:5000/app'), []);
  assert.deepEqual(tried('nginx'), []);
});

test('lookup: Docker Hub images fall back to index.docker.io only when no key matched', () => {
  const hub = jsonSecret('hub', { 'https://index.docker.io/v1/': entry('hubuser', 'pw') });
  const direct = jsonSecret('direct', { 'docker.io': entry('direct', 'pw') });
  const only = buildKeyring([hub]);
  assert.deepEqual(lookupCredentials(only, repositoryToPull('nginx')).map((c) => c.username), ['hubuser']);
  assert.deepEqual(lookupCredentials(only, repositoryToPull('team/app:v1')).map((c) => c.username), ['hubuser']);
  assert.deepEqual(lookupCredentials(only, repositoryToPull('quay.io/team/app')), []);
  assert.deepEqual(lookupCredentials(buildKeyring([hub, direct]), repositoryToPull('nginx')).map((c) => c.username), ['direct']);
});

test('secrets of other types, empty values and unparsable names are passed over', () => {
  const keyring = buildKeyring([
    { name: 'opaque', type: 'Opaque', data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'registry.example': entry('x', 'y') } })) } },
    { name: 'mistyped', type: 'kubernetes.io/dockercfg', data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'registry.example': entry('x', 'y') } })) } },
    { name: 'empty', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': '' } },
    { name: 'noauths', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"credHelpers":{}}') } },
    jsonSecret('badport', { 'registry.example:http': entry('x', 'y') }),
    { name: 'proto', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":{"__proto__":{"username":"p"},"constructor":{"username":"c"}}}') } },
  ]);
  assert.deepEqual([...keyring.keys], ['constructor', '__proto__']);
  assert.deepEqual(lookupCredentials(keyring, 'registry.example/app'), []);
  assert.deepEqual(lookupCredentials(keyring, '__proto__/app').map((c) => c.username), ['p']);
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
});

test('field names are matched without regard to case, as Go\'s decoder does; null entries give empty credentials', () => {
  const keyring = buildKeyring([
    { name: 's', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ Auths: { 'a.example': { Username: 'U', PASSWORD: 'P' }, 'b.example': null } })) } },
  ]);
  assert.deepEqual(lookupCredentials(keyring, 'a.example/x'), [{ username: 'U', password: 'P', secret: 's' }]);
  assert.deepEqual(lookupCredentials(keyring, 'b.example/x'), [{ username: '', password: '', secret: 's' }]);
  const unpadded = buildKeyring([jsonSecret('raw', { 'a.example': { auth: b64('user:pass').replace(/=+$/, '') } })]);
  assert.deepEqual(lookupCredentials(unpadded, 'a.example/x').map((c) => `${c.username}:${c.password}`), ['user:pass']);
});

test('a secret that is not a docker config fails the lookup with a DockerConfigError', () => {
  const bad: [string, PullSecret][] = [
    ['not JSON', { name: 'x', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{not json') } }],
    ['not an object', { name: 'x', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('[1]') } }],
    ['auths not an object', { name: 'x', type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":"a"}') } }],
    ['entry not an object', jsonSecret('x', { 'a.example': 'user:pw' })],
    ['username not a string', jsonSecret('x', { 'a.example': { username: 1 } })],
    ['auth not base64', jsonSecret('x', { 'a.example': { auth: 'not base64!' } })],
    ['auth without a colon', jsonSecret('x', { 'a.example': { auth: b64('nocolon') } })],
  ];
  for (const [what, secret] of bad) assert.throws(() => buildKeyring([secret]), DockerConfigError, what);
});
