// Prototype keys ("__proto__", "constructor", "prototype") in client data, through every verb, patch type and
// content type of an in-process API server. Each request must leave Object.prototype as it was, keep the server
// ready, leave anonymous callers anonymous, and treat the keys as the plain data they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify as toYaml } from 'yaml';
import { encodeKubernetesProtobuf } from '../../../src/api/protobuf/index.js';
import { selfSubjectReviewHandler } from '../../../src/auth/reviews/authn-reviews.js';
import { collect, testServer, type Reply, type TestServer } from '../apiserver/helpers.js';

const cms = '/api/v1/namespaces/default/configmaps';
const merge = { 'content-type': 'application/merge-patch+json' };
const strategic = { 'content-type': 'application/strategic-merge-patch+json' };
const jsonPatch = { 'content-type': 'application/json-patch+json' };
const yaml = { 'content-type': 'application/yaml' };
const protobuf = { 'content-type': 'application/vnd.kubernetes.protobuf' };

/** What an attacker would like every object to inherit. */
const escalation = { user: { name: 'x', groups: ['system:masters'] }, polluted: 'yes', namespace: 'kube-system' };
const protoKeys = ['__proto__', 'constructor', 'prototype'] as const;

const prototypeNames = () => [...Object.getOwnPropertyNames(Object.prototype), ...Object.getOwnPropertyNames(Array.prototype)].sort();
const pristine = prototypeNames();

function assertPrototypesUntouched(label: string): void {
  const probe: Record<string, unknown> = {};
  assert.equal(probe['user'], undefined, `${label}: Object.prototype.user`);
  assert.equal(probe['polluted'], undefined, `${label}: Object.prototype.polluted`);
  assert.equal(probe['namespace'], undefined, `${label}: Object.prototype.namespace`);
  assert.deepEqual(prototypeNames(), pristine, `${label}: Object/Array prototypes gained members`);
}

async function whoami(s: TestServer): Promise<unknown> {
  const r = await collect(
    await s.api.handle({
      method: 'POST',
      url: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
    }),
  );
  assert.equal(r.status, 201, r.text);
  return (r.json()['status'] as Record<string, unknown>)['userInfo'];
}

async function server(): Promise<TestServer> {
  const s = await testServer();
  s.api.registerResource('authentication.k8s.io', 'selfsubjectreviews', selfSubjectReviewHandler);
  assert.equal((await s.call('POST', '/api/v1/namespaces', { metadata: { name: 'default' } })).status, 201);
  return s;
}

/** After each hostile request: no prototype changed, the server answers /readyz, anonymous is still anonymous. */
async function checkAfter(s: TestServer, label: string, r: Reply): Promise<void> {
  assert.ok(r.status < 500, `${label}: ${r.status} ${r.text}`);
  assertPrototypesUntouched(label);
  assert.equal((await s.call('GET', '/readyz')).status, 200, `${label}: /readyz`);
  assert.deepEqual(await whoami(s), { username: 'system:anonymous', groups: ['system:unauthenticated'] }, `${label}: anonymous`);
}

const pollute = (key: string) => JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(escalation)}}`) as Record<string, unknown>;
/** A JSON text with `key` nested at `path` (JSON.stringify of an object literal cannot express "__proto__" keys). */
const nested = (path: string[], key: string) => path.reduceRight((inner, p) => `{${JSON.stringify(p)}:${inner}}`, `{${JSON.stringify(key)}:${JSON.stringify(escalation)}}`);

test('the issue reproduction: a merge patch with __proto__ does not make everyone system:masters', async () => {
  const s = await server();
  try {
    assert.equal((await s.call('POST', cms, { metadata: { name: 'c' } })).status, 201);
    const r = await s.call('PATCH', `${cms}/c`, '{"__proto__":{"user":{"name":"x","groups":["system:masters"]}}}', merge);
    assert.equal(r.status, 200, r.text);
    await checkAfter(s, 'merge __proto__', r);
    // A garbage token is still refused.
    const garbage = await collect(await s.api.handle({ method: 'GET', url: cms, headers: { authorization: 'Bearer garbage' } }));
    assert.equal(garbage.status, 401);
  } finally {
    await s.close();
  }
});

test('prototype keys through create, update and every patch type, at every level of a ConfigMap', async () => {
  const s = await server();
  try {
    assert.equal((await s.call('POST', cms, { metadata: { name: 'c', labels: { a: 'b' }, annotations: { a: 'b' } }, data: { k: 'v' } })).status, 201);
    const paths = [[], ['metadata'], ['metadata', 'labels'], ['metadata', 'annotations'], ['data']];
    let n = 0;
    for (const key of protoKeys) {
      for (const path of paths) {
        const body = nested(path, key);
        const where = `${[...path, key].join('.')}`;
        await checkAfter(s, `merge ${where}`, await s.call('PATCH', `${cms}/c`, body, merge));
        await checkAfter(s, `strategic ${where}`, await s.call('PATCH', `${cms}/c`, body, strategic));
        const pointer = `/${[...path, key].join('/')}`;
        await checkAfter(s, `json-patch add ${pointer}`, await s.call('PATCH', `${cms}/c`, JSON.stringify([{ op: 'add', path: pointer, value: escalation }]), jsonPatch));
        await checkAfter(s, `json-patch add ${pointer}/user`, await s.call('PATCH', `${cms}/c`, JSON.stringify([{ op: 'add', path: `${pointer}/user`, value: escalation.user }]), jsonPatch));
        await checkAfter(s, `json-patch replace ${pointer}`, await s.call('PATCH', `${cms}/c`, JSON.stringify([{ op: 'replace', path: pointer, value: 'x' }]), jsonPatch));
        await checkAfter(s, `json-patch copy ${pointer}`, await s.call('PATCH', `${cms}/c`, JSON.stringify([{ op: 'copy', from: '/metadata/name', path: pointer }]), jsonPatch));
        await checkAfter(s, `json-patch test ${pointer}`, await s.call('PATCH', `${cms}/c`, JSON.stringify([{ op: 'test', path: pointer, value: null }]), jsonPatch));

        const name = `p${n++}`;
        const created = JSON.parse(nested(path, key)) as Record<string, unknown>;
        const obj = { apiVersion: 'v1', kind: 'ConfigMap', ...created, metadata: { name, ...(path[0] === 'metadata' ? (created['metadata'] as object) : {}) } };
        await checkAfter(s, `create ${where}`, await s.call('POST', cms, JSON.stringify(obj)));
        await checkAfter(s, `create yaml ${where}`, await s.call('POST', cms, toYaml({ ...obj, metadata: { ...obj.metadata, name: `${name}y` } }), yaml));
        const current = await s.call('GET', `${cms}/c`);
        const replaced = { ...(JSON.parse(body) as object), apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...(current.json()['metadata'] as object) } };
        await checkAfter(s, `update ${where}`, await s.call('PUT', `${cms}/c`, JSON.stringify(replaced)));
      }
    }
    // The object never became anything but a ConfigMap in default.
    const got = (await s.call('GET', `${cms}/c`)).json();
    assert.equal((got['metadata'] as Record<string, unknown>)['namespace'], 'default');
  } finally {
    await s.close();
  }
});

test('prototype keys are plain data: a ConfigMap data key "__proto__" is stored and read back as an own key', async () => {
  const s = await server();
  try {
    assert.equal((await s.call('POST', cms, '{"metadata":{"name":"c"},"data":{"__proto__":"created","constructor":"c"}}')).status, 201);
    const data = () => s.call('GET', `${cms}/c`).then((r) => r.json()['data'] as Record<string, unknown>);
    let d = await data();
    assert.ok(Object.hasOwn(d, '__proto__'));
    assert.equal(d['__proto__'], 'created');
    assert.equal(d['constructor'], 'c');

    for (const [headers, body, want] of [
      [merge, '{"data":{"__proto__":"merged"}}', 'merged'],
      [strategic, '{"data":{"__proto__":"strategic"}}', 'strategic'],
      [jsonPatch, '[{"op":"replace","path":"/data/__proto__","value":"replaced"}]', 'replaced'],
    ] as const) {
      const r = await s.call('PATCH', `${cms}/c`, body, headers);
      assert.equal(r.status, 200, r.text);
      d = await data();
      assert.ok(Object.hasOwn(d, '__proto__'), body);
      assert.equal(d['__proto__'], want);
    }
    assert.equal((await s.call('PATCH', `${cms}/c`, '{"data":{"__proto__":null}}', merge)).status, 200);
    d = await data();
    assert.equal(Object.hasOwn(d, '__proto__'), false);
    assert.equal(d['constructor'], 'c');

    // metadata.__proto__ is an unknown field, not a way to inherit a namespace or a name.
    const r = await s.call('POST', cms, '{"metadata":{"name":"d","__proto__":{"namespace":"kube-system","labels":{"x":"y"}}}}');
    assert.equal(r.status, 201, r.text);
    const meta = r.json()['metadata'] as Record<string, unknown>;
    assert.equal(meta['namespace'], 'default');
    assert.equal(meta['labels'], undefined);
    assertPrototypesUntouched('metadata.__proto__');
  } finally {
    await s.close();
  }
});

test('prototype keys in a protobuf body (map keys) stay own keys', async () => {
  const s = await server();
  try {
    const obj: Record<string, unknown> = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pb' }, data: pollute('__proto__') };
    // pollute() gave an object value; protobuf map values are strings.
    obj['data'] = JSON.parse('{"__proto__":"pb","constructor":"c","prototype":"p"}');
    const body = encodeKubernetesProtobuf(obj);
    const r = await collect(await s.raw('POST', cms, body, protobuf));
    assert.equal(r.status, 201, r.text);
    const data = r.json()['data'] as Record<string, unknown>;
    assert.deepEqual(Object.keys(data).sort(), ['__proto__', 'constructor', 'prototype']);
    assert.equal(data['__proto__'], 'pb');
    await checkAfter(s, 'protobuf create', r);
  } finally {
    await s.close();
  }
});
