// Depth and duplicate-key limits on decoded client data, and query integers: 400s with Kubernetes' texts,
// never a 500 or a stack overflow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exceedsDepth, maxJsonDepth } from '../../../src/api/json-depth.js';
import { duplicateFields } from '../../../src/api/json-duplicates.js';
import { encodeKubernetesProtobuf } from '../../../src/api/protobuf/index.js';
import { collect, testServer, type TestServer } from '../apiserver/helpers.js';

const cms = '/api/v1/namespaces/default/configmaps';
const nestedObject = (n: number) => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
const nestedArray = (n: number) => '['.repeat(n) + ']'.repeat(n);

async function server(): Promise<TestServer> {
  const s = await testServer();
  assert.equal((await s.call('POST', '/api/v1/namespaces', { metadata: { name: 'default' } })).status, 201);
  assert.equal((await s.call('POST', cms, { metadata: { name: 'c' } })).status, 201);
  return s;
}

const depthMessage = (kind: string) => new RegExp(`^the object provided is unrecognized \\(must be of type ${kind}\\): couldn't get version/kind; json parse error: exceeded max depth`);

test('exceedsDepth counts the outermost value as level 1 and handles any depth without recursion', () => {
  assert.equal(exceedsDepth(JSON.parse(nestedObject(maxJsonDepth))), false);
  assert.equal(exceedsDepth(JSON.parse(nestedObject(maxJsonDepth + 1))), true);
  assert.equal(exceedsDepth(JSON.parse(nestedArray(200_000))), true);
  assert.equal(exceedsDepth('scalar'), false);
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  assert.equal(exceedsDepth(cyclic), true);
});

test('nesting beyond the limit is a 400 for every body kind and patch type, and the server stays up', async () => {
  const s = await server();
  try {
    const deep = nestedObject(20_000);
    const managedFields = `[{"manager":"m","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":${deep}}]`;
    const requests: [string, string, string, Record<string, string>][] = [
      ['create, JSON annotation', 'POST', `{"metadata":{"name":"d1","annotations":{"x":${deep}}}}`, {}],
      ['create, JSON fieldsV1', 'POST', `{"metadata":{"name":"d2","managedFields":${managedFields}}}`, {}],
      ['create, YAML', 'POST', `metadata:\n  name: d3\n  annotations:\n    x: ${nestedObject(3000)}\n`, { 'content-type': 'application/yaml' }],
      ['merge patch', 'PATCH', `{"metadata":{"annotations":{"x":${deep}}}}`, { 'content-type': 'application/merge-patch+json' }],
      ['strategic merge patch', 'PATCH', `{"metadata":{"managedFields":${managedFields}}}`, { 'content-type': 'application/strategic-merge-patch+json' }],
      ['JSON patch value', 'PATCH', `[{"op":"add","path":"/metadata/annotations","value":{"x":${deep}}}]`, { 'content-type': 'application/json-patch+json' }],
      ['apply patch', 'PATCH', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","annotations":{"x":${deep}}}}`, { 'content-type': 'application/apply-patch+yaml' }],
    ];
    for (const [label, method, body, headers] of requests) {
      const url = method === 'POST' ? cms : `${cms}/c${label === 'apply patch' ? '?fieldManager=m' : ''}`;
      const r = await s.call(method, url, body, { 'content-type': 'application/json', ...headers });
      assert.equal(r.status, 400, `${label}: ${r.text.slice(0, 300)}`);
      assert.equal(r.json()['reason'], 'BadRequest', label);
      assert.equal((await s.call('GET', '/readyz')).status, 200, label);
    }
    const r = await s.call('POST', cms, `{"metadata":{"name":"d4","annotations":{"x":${deep}}}}`);
    assert.match(String(r.json()['message']), depthMessage('ConfigMap'));
  } finally {
    await s.close();
  }
});

test('a value just under the limit goes through every verb and output form without overflowing', async () => {
  const s = await server();
  try {
    const url = '/apis/apps/v1/namespaces/default/controllerrevisions';
    // metadata/data wrappers: the document itself is one level deeper than `data`.
    const data = nestedObject(maxJsonDepth - 2);
    const created = await s.call('POST', url, `{"metadata":{"name":"r"},"revision":1,"data":${data}}`);
    assert.equal(created.status, 201, created.text.slice(0, 200));
    for (const accept of ['application/json', 'application/yaml', 'application/json;as=Table;v=v1;g=meta.k8s.io']) {
      assert.equal((await s.call('GET', `${url}/r`, undefined, { accept })).status, 200, accept);
      assert.equal((await s.call('GET', url, undefined, { accept })).status, 200, accept);
    }
    assert.equal((await s.call('PATCH', `${url}/r`, `{"data":${data}}`, { 'content-type': 'application/merge-patch+json' })).status, 200);
    assert.equal((await s.call('PATCH', `${url}/r`, `{"data":${data}}`, { 'content-type': 'application/strategic-merge-patch+json' })).status, 200);
    assert.equal((await s.call('PATCH', `${url}/r`, `[{"op":"replace","path":"/revision","value":2}]`, { 'content-type': 'application/json-patch+json' })).status, 200);
    const current = (await s.call('GET', `${url}/r`)).json()['metadata'] as Record<string, unknown>;
    const put = await s.call('PUT', `${url}/r`, `{"metadata":{"name":"r","resourceVersion":"${String(current['resourceVersion'])}"},"revision":3,"data":${data}}`);
    assert.equal(put.status, 200, put.text.slice(0, 200));
    assert.equal((await s.call('DELETE', `${url}/r`)).status, 200);
  } finally {
    await s.close();
  }
});

test('JSON patch operations cannot build an object deeper than the limit one step at a time', async () => {
  const s = await server();
  try {
    const half = Math.ceil(maxJsonDepth / 2);
    const value = JSON.parse(nestedObject(half)) as unknown;
    // Each value is within the limit; together they are not.
    const path = `/metadata/managedFields/0/fieldsV1${'/a'.repeat(half - 1)}/b`;
    const ops = [
      { op: 'add', path: '/metadata/managedFields', value: [{ manager: 'm', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: value }] },
      { op: 'add', path, value },
    ];
    const r = await s.call('PATCH', `${cms}/c`, JSON.stringify(ops), { 'content-type': 'application/json-patch+json' });
    assert.equal(r.status, 400, r.text.slice(0, 300));
    assert.match(String(r.json()['message']), depthMessage('ConfigMap'));
  } finally {
    await s.close();
  }
});

test('a YAML document that contains itself (an alias of its own anchor) is a 400', async () => {
  const s = await server();
  try {
    const r = await s.call('POST', cms, 'metadata:\n  name: y\n  annotations: &a\n    x: *a\n', { 'content-type': 'application/yaml' });
    assert.equal(r.status, 400, r.text);
    assert.equal((await s.call('GET', '/readyz')).status, 200);
  } finally {
    await s.close();
  }
});

test('deep JSON inside a protobuf RawExtension is a 400', async () => {
  const s = await server();
  try {
    const data = JSON.parse(nestedObject(maxJsonDepth + 10)) as unknown;
    const body = encodeKubernetesProtobuf({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, data, revision: 1 });
    const r = await collect(await s.raw('POST', '/apis/apps/v1/namespaces/default/controllerrevisions', body, { 'content-type': 'application/vnd.kubernetes.protobuf' }));
    assert.equal(r.status, 400, r.text.slice(0, 300));
    assert.match(String(r.json()['message']), depthMessage('ControllerRevision'));
  } finally {
    await s.close();
  }
});

/** protobuf wire helpers: a length-delimited field. */
function field(n: number, bytes: Uint8Array): Uint8Array {
  const len: number[] = [];
  for (let v = bytes.length; ; v >>>= 7) {
    if (v < 0x80) {
      len.push(v);
      break;
    }
    len.push((v & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([(n << 3) | 2, ...len]), bytes]);
}

/** A ControllerRevision whose data (RawExtension) holds a protobuf ControllerRevision, `levels` times over. */
function nestedRevision(levels: number): Uint8Array {
  const envelope = (message: Uint8Array) =>
    Buffer.concat([Buffer.from('k8s\0', 'latin1'), field(1, Buffer.concat([field(1, Buffer.from('apps/v1')), field(2, Buffer.from('ControllerRevision'))])), field(2, message)]);
  let inner: Uint8Array = envelope(field(1, field(1, Buffer.from('r'))));
  for (let i = 0; i < levels; i++) inner = envelope(Buffer.concat([field(1, field(1, Buffer.from('r'))), field(2, field(1, inner))]));
  return inner;
}

test('protobuf objects nested inside RawExtensions beyond the limit are a 400, not a stack overflow', async () => {
  const s = await server();
  try {
    const url = '/apis/apps/v1/namespaces/default/controllerrevisions';
    const shallow = await collect(await s.raw('POST', url, nestedRevision(20), { 'content-type': 'application/vnd.kubernetes.protobuf' }));
    assert.equal(shallow.status, 201, shallow.text.slice(0, 300));
    const deepBody = await collect(await s.raw('POST', url, nestedRevision(5000), { 'content-type': 'application/vnd.kubernetes.protobuf' }));
    assert.equal(deepBody.status, 400, deepBody.text.slice(0, 300));
    assert.match(String(deepBody.json()['message']), /exceeded max depth/);
  } finally {
    await s.close();
  }
});

test('duplicateFields reports repeated keys with their paths, in document order', () => {
  assert.deepEqual(duplicateFields('{"a":1,"a":2}'), ['a']);
  assert.deepEqual(duplicateFields('{"metadata":{"name":"x","labels":{"k":"1","k":"2"},"name":"y"}}'), ['metadata.labels.k', 'metadata.name']);
  assert.deepEqual(duplicateFields('{"spec":{"containers":[{"name":"a"},{"name":"b","image":"i","image":"j"}]}}'), ['spec.containers[1].image']);
  assert.deepEqual(duplicateFields('[[{"x":1}],[{"y":1,"y":2}]]'), ['[1][0].y']);
  assert.deepEqual(duplicateFields('{"a\\"b":1,"a\\u0022b":2,"s":"\\\\","s":"{\\"q\\":1,\\"q\\":2}"}'), ['a"b', 's']);
  assert.deepEqual(duplicateFields('{"a":{"b":1},"c":{"b":1}}'), []);
  assert.deepEqual(duplicateFields('{"__proto__":1,"__proto__":2}'), ['__proto__']);
});

test('duplicate fields: a warning by default, a 400 under fieldValidation=Strict, nothing under Ignore', async () => {
  const s = await server();
  try {
    const body = '{"metadata":{"name":"dup","name":"dup"},"data":{"k":"1","k":"2"}}';
    const warned = await s.call('POST', cms, body);
    assert.equal(warned.status, 201, warned.text);
    assert.deepEqual(warned.headers['warning'], ['299 - "duplicate field \\"metadata.name\\""', '299 - "duplicate field \\"data.k\\""']);
    assert.deepEqual(warned.json()['data'], { k: '2' });

    const strict = await s.call('POST', `${cms}?fieldValidation=Strict`, body.replaceAll('dup', 'dup2'));
    assert.equal(strict.status, 400);
    assert.equal(strict.json()['message'], 'strict decoding error: duplicate field "metadata.name", duplicate field "data.k"');

    const ignored = await s.call('POST', `${cms}?fieldValidation=Ignore`, body.replaceAll('dup', 'dup3'));
    assert.equal(ignored.status, 201);
    assert.equal(ignored.headers['warning'], undefined);

    const patched = await s.call('PATCH', `${cms}/c`, '{"data":{"k":"1","k":"2"}}', { 'content-type': 'application/merge-patch+json' });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.headers['warning'], ['299 - "duplicate field \\"data.k\\""']);
    const strictPatch = await s.call('PATCH', `${cms}/c?fieldValidation=Strict`, '{"data":{"k":"1","k":"2"}}', { 'content-type': 'application/strategic-merge-patch+json' });
    assert.equal(strictPatch.status, 400);
    assert.equal(strictPatch.json()['message'], 'strict decoding error: duplicate field "data.k"');
  } finally {
    await s.close();
  }
});

test('repeated YAML keys: the last value stands, with go-yaml\'s words as a warning, or a 400 under Strict', async () => {
  const s = await server();
  try {
    const yaml = { 'content-type': 'application/yaml' };
    const body = 'metadata:\n  name: y1\ndata:\n  k: "1"\n  k: "2"\n';
    const warned = await s.call('POST', cms, body, yaml);
    assert.equal(warned.status, 201, warned.text);
    assert.deepEqual(warned.json()['data'], { k: '2' });
    assert.deepEqual(warned.headers['warning'], ['299 - "error converting YAML to JSON: yaml: unmarshal errors:\\n  line 5: key \\"k\\" already set in map"']);
    const strict = await s.call('POST', `${cms}?fieldValidation=Strict`, body.replace('y1', 'y2'), yaml);
    assert.equal(strict.status, 400);
    assert.equal(strict.json()['message'], 'strict decoding error: error converting YAML to JSON: yaml: unmarshal errors:\n  line 5: key "k" already set in map');
  } finally {
    await s.close();
  }
});

test('warnings naming non-ASCII fields are quoted to ASCII (a header value cannot carry them)', async () => {
  const s = await server();
  try {
    const r = await s.call('POST', cms, '{"metadata":{"name":"u"},"ключ":1,"data":{"a":"1","a":"2"}}');
    assert.equal(r.status, 201, r.text);
    const warnings = r.headers['warning'] as string[];
    for (const w of warnings) assert.match(w, /^[\x20-\x7e]*$/);
    assert.ok(warnings.includes('299 - "unknown field \\"\\u043a\\u043b\\u044e\\u0447\\""'), String(warnings));
  } finally {
    await s.close();
  }
});

test('integer query parameters that do not parse are 400 with strconv texts', async () => {
  const s = await server();
  try {
    for (const [url, text] of [
      [`${cms}?timeoutSeconds=abc`, 'strconv.ParseInt: parsing "abc": invalid syntax'],
      [`${cms}?watch=true&timeoutSeconds=abc`, 'strconv.ParseInt: parsing "abc": invalid syntax'],
      [`${cms}?limit=1.5`, 'strconv.ParseInt: parsing "1.5": invalid syntax'],
      [`${cms}?limit=99999999999999999999`, 'strconv.ParseInt: parsing "99999999999999999999": value out of range'],
    ] as const) {
      const r = await s.call('GET', url);
      assert.equal(r.status, 400, url);
      assert.equal(r.json()['message'], text, url);
    }
    const del = await s.call('DELETE', `${cms}/c?gracePeriodSeconds=soon`);
    assert.equal(del.status, 400);
    assert.equal(del.json()['message'], 'strconv.ParseInt: parsing "soon": invalid syntax');
    assert.equal((await s.call('GET', `${cms}?timeoutSeconds=5`)).status, 200);
  } finally {
    await s.close();
  }
});
