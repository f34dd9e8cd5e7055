import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { catalog } from '../../../src/api/catalog.js';
import { acceptsOpenapiV2Protobuf, openapiV2Json, openapiV2Protobuf, openapiV3GroupVersion, openapiV3GroupVersionBytes, openapiV3Root } from '../../../src/api/openapi/index.js';
import { ProtoWriter } from '../../../src/api/openapi/proto-writer.js';
import { toV3Schema } from '../../../src/api/openapi/v3.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `expected an object, got ${JSON.stringify(v)?.slice(0, 200)}`);
  return v as Json;
};
const arr = (v: unknown): unknown[] => {
  assert.ok(Array.isArray(v));
  return v;
};

const v2 = obj(openapiV2Json());
const v2Paths = obj(v2['paths']);
const v2Defs = obj(v2['definitions']);

function gvPathOf(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

function patchOpsFor(paths: Json, gvk: { group: string; version: string; kind: string }): Json[] {
  return Object.values(paths).map(obj).flatMap((item) => (item['patch'] ? [obj(item['patch'])] : []))
    .filter((op) => JSON.stringify(op['x-kubernetes-group-version-kind']) === JSON.stringify({ group: gvk.group, kind: gvk.kind, version: gvk.version }));
}

test('v2: Swagger 2.0 with bearer-token security', () => {
  assert.equal(v2['swagger'], '2.0');
  assert.deepEqual(v2['info'], { title: 'Kubernetes', version: 'unversioned' });
  assert.deepEqual(v2['security'], [{ BearerToken: [] }]);
});

test('v2: every served kind and list has its definition, with x-kubernetes-group-version-kind', () => {
  for (const r of catalog) {
    const d = obj(v2Defs[r.definition]);
    assert.ok(arr(d['x-kubernetes-group-version-kind']).some((g) => JSON.stringify(g) === JSON.stringify({ group: r.group, kind: r.kind, version: r.version })), r.definition);
  }
  for (const name of ['io.k8s.api.core.v1.PodList', 'io.k8s.api.apps.v1.DeploymentList', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status', 'io.k8s.api.autoscaling.v1.Scale', 'io.k8s.api.policy.v1.Eviction']) {
    assert.ok(v2Defs[name], name);
  }
});

test('v2: every $ref resolves inside the document', () => {
  const refs = JSON.stringify(v2).match(/"#\/definitions\/[^"]+"/g) ?? [];
  for (const ref of new Set(refs)) assert.ok(v2Defs[ref.slice('"#/definitions/'.length, -1)], ref);
});

const pathCases = [
  { path: '/api/v1/namespaces/{namespace}/pods', methods: ['delete', 'get', 'parameters', 'post'], actions: { get: 'list', post: 'post', delete: 'deletecollection' } },
  { path: '/api/v1/namespaces/{namespace}/pods/{name}', methods: ['delete', 'get', 'parameters', 'patch', 'put'], actions: { get: 'get', put: 'put', patch: 'patch', delete: 'delete' } },
  { path: '/api/v1/pods', methods: ['get', 'parameters'], actions: { get: 'list' } },
  { path: '/api/v1/watch/namespaces/{namespace}/pods/{name}', methods: ['get', 'parameters'], actions: { get: 'watch' } },
  { path: '/api/v1/namespaces/{namespace}/pods/{name}/exec', methods: ['get', 'parameters', 'post'], actions: { get: 'connect', post: 'connect' } },
  { path: '/api/v1/namespaces/{namespace}/pods/{name}/log', methods: ['get', 'parameters'], actions: { get: 'get' } },
  { path: '/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token', methods: ['parameters', 'post'], actions: { post: 'post' } },
  { path: '/api/v1/nodes/{name}', methods: ['delete', 'get', 'parameters', 'patch', 'put'], actions: { get: 'get' } },
  { path: '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale', methods: ['get', 'parameters', 'patch', 'put'], actions: { get: 'get', patch: 'patch' } },
  { path: '/apis/authentication.k8s.io/v1/tokenreviews', methods: ['parameters', 'post'], actions: { post: 'post' } },
  { path: '/api/v1/namespaces/{namespace}/services/{name}/proxy/{path}', methods: ['delete', 'get', 'parameters', 'patch', 'post', 'put'], actions: { get: 'connect' } },
];
for (const c of pathCases) {
  test(`v2 path ${c.path}`, () => {
    const item = obj(v2Paths[c.path]);
    assert.deepEqual(Object.keys(item).sort(), c.methods);
    for (const [method, action] of Object.entries(c.actions)) assert.equal(obj(item[method])['x-kubernetes-action'], action, method);
  });
}

test('v2: operations carry ids, tags and GVKs as Kubernetes names them', () => {
  const pods = obj(v2Paths['/api/v1/namespaces/{namespace}/pods/{name}']);
  assert.equal(obj(pods['patch'])['operationId'], 'patchCoreV1NamespacedPod');
  assert.deepEqual(obj(pods['patch'])['tags'], ['core_v1']);
  const crb = obj(v2Paths['/apis/rbac.authorization.k8s.io/v1/clusterrolebindings']);
  assert.equal(obj(crb['delete'])['operationId'], 'deleteRbacAuthorizationV1CollectionClusterRoleBinding');
  assert.deepEqual(obj(crb['delete'])['tags'], ['rbacAuthorization_v1']);
  const scale = obj(obj(v2Paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'])['put']);
  assert.deepEqual(scale['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
  assert.deepEqual(obj(obj(scale['responses'])['200'])['schema'], { $ref: '#/definitions/io.k8s.api.autoscaling.v1.Scale' });
});

test('v2: every PATCH, POST and PUT lists dryRun, fieldManager and fieldValidation', () => {
  let count = 0;
  for (const item of Object.values(v2Paths).map(obj)) {
    for (const method of ['patch', 'post', 'put']) {
      const op = item[method];
      if (!op || obj(op)['x-kubernetes-action'] === 'connect') continue;
      const names = arr(obj(op)['parameters']).map((p) => obj(p)['name']);
      for (const want of ['dryRun', 'fieldManager', 'fieldValidation']) assert.ok(names.includes(want), `${String(obj(op)['operationId'])} lacks ${want}`);
      count++;
    }
  }
  assert.ok(count > 50);
});

test('v2 and v3: each kind that can be patched has a PATCH operation with its GVK and a fieldValidation query parameter', () => {
  for (const r of catalog.filter((x) => x.verbs.includes('patch'))) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    for (const paths of [v2Paths, obj(obj(openapiV3GroupVersion(gvPathOf(r.group, r.version)))['paths'])]) {
      const ops = patchOpsFor(paths, gvk);
      assert.ok(ops.length > 0, `${r.kind}: no PATCH`);
      for (const op of ops) assert.ok(arr(op['parameters']).some((p) => obj(p)['name'] === 'fieldValidation' && obj(p)['in'] === 'query'), r.kind);
    }
  }
});

test('v3 root names one document per served group/version, with the document hash', () => {
  const root = obj(openapiV3Root());
  const paths = obj(root['paths']);
  const expected = [...new Set(catalog.map((r) => gvPathOf(r.group, r.version)))].sort();
  assert.deepEqual(Object.keys(paths).sort(), expected);
  for (const gv of expected) {
    const served = openapiV3GroupVersionBytes(gv);
    assert.ok(served);
    assert.equal(served.hash, createHash('sha512').update(served.bytes).digest('hex').toUpperCase());
    assert.deepEqual(paths[gv], { serverRelativeURL: `/openapi/v3/${gv}?hash=${served.hash}` });
    assert.deepEqual(JSON.parse(served.bytes.toString('utf8')), openapiV3GroupVersion(gv));
  }
  assert.equal(openapiV3GroupVersion('apis/apps/v2'), undefined);
});

test('v3 group/version document: only its own paths, schemas under components with v3 refs', () => {
  const doc = obj(openapiV3GroupVersion('apis/apps/v1'));
  assert.equal(doc['openapi'], '3.0.0');
  const paths = Object.keys(obj(doc['paths']));
  assert.ok(paths.every((p) => p.startsWith('/apis/apps/v1/')), paths.join());
  const schemas = obj(obj(doc['components'])['schemas']);
  assert.ok(schemas['io.k8s.api.apps.v1.Deployment']);
  assert.ok(!schemas['io.k8s.api.core.v1.Pod'], 'a core kind that apps/v1 does not reference');
  const text = JSON.stringify(doc);
  assert.ok(!text.includes('#/definitions/'));
  for (const ref of new Set(text.match(/"#\/components\/schemas\/[^"]+"/g) ?? [])) assert.ok(schemas[ref.slice('"#/components/schemas/'.length, -1)], ref);
  const patch = obj(obj(obj(doc['paths'])['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'])['patch']);
  assert.deepEqual(Object.keys(obj(obj(patch['requestBody'])['content'])), ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml', 'application/apply-patch+cbor']);
});

test('toV3Schema rewrites refs and wraps a $ref that has siblings in allOf', () => {
  assert.deepEqual(toV3Schema({ $ref: '#/definitions/a.B' }), { $ref: '#/components/schemas/a.B' });
  assert.deepEqual(toV3Schema({ properties: { x: { $ref: '#/definitions/a.B', 'x-kubernetes-patch-strategy': 'merge' } }, default: { $ref: 'kept' } }), {
    properties: { x: { allOf: [{ $ref: '#/components/schemas/a.B' }], 'x-kubernetes-patch-strategy': 'merge' } },
    default: { $ref: 'kept' },
  });
});

// ---- protobuf ----

test('ProtoWriter: varints, omitted defaults, doubles, nested messages', () => {
  assert.deepEqual([...new ProtoWriter().int64(1, 300).finish()], [0x08, 0xac, 0x02]);
  assert.deepEqual([...new ProtoWriter().string(2, '').bool(3, false).int64(4, 0).finish()], []);
  assert.deepEqual([...new ProtoWriter().string(2, 'hi').finish()], [0x12, 2, 0x68, 0x69]);
  assert.deepEqual([...new ProtoWriter().double(7, 1).finish()], [0x39, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
  assert.deepEqual([...new ProtoWriter().message(5, Buffer.alloc(0)).finish()], [0x2a, 0]);
  assert.deepEqual([...new ProtoWriter().bool(16, true).finish()], [0x80, 0x01, 1]);
});

/** A generic wire-format reader: field number → raw values (varints as numbers, length-delimited as Buffers). */
function read(buf: Buffer): Map<number, Array<number | Buffer>> {
  const out = new Map<number, Array<number | Buffer>>();
  let i = 0;
  const varint = () => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++];
      assert.ok(b !== undefined, 'truncated varint');
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value: number | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 1) { value = buf.subarray(i, i + 8); i += 8; }
    else if (wire === 2) { const len = varint(); value = buf.subarray(i, i + len); i += len; }
    else throw new Error(`unexpected wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  assert.equal(i, buf.length);
  return out;
}
const msgs = (m: Map<number, Array<number | Buffer>>, field: number): Buffer[] => (m.get(field) ?? []).map((v) => { assert.ok(Buffer.isBuffer(v)); return v; });
const one = (m: Map<number, Array<number | Buffer>>, field: number): Buffer => { const [v] = msgs(m, field); assert.ok(v, `field ${field} missing`); return v; };
const text = (m: Map<number, Array<number | Buffer>>, field: number): string => one(m, field).toString('utf8');
function namedEntry(container: Buffer, field: number, name: string): Buffer {
  for (const entry of msgs(read(container), field)) {
    const e = read(entry);
    if (text(e, 1) === name) return one(e, 2);
  }
  throw new Error(`no entry named ${name}`);
}

test('v2 protobuf: document, path, PATCH operation with fieldValidation and the GVK extension as YAML', () => {
  const doc = read(openapiV2Protobuf());
  assert.equal(text(doc, 1), '2.0');
  assert.equal(text(read(one(doc, 2)), 1), 'Kubernetes');
  const item = read(namedEntry(one(doc, 8), 2, '/api/v1/namespaces/{namespace}/pods/{name}'));
  const patch = read(one(item, 8));
  assert.equal(text(patch, 5), 'patchCoreV1NamespacedPod');
  const queryNames = msgs(patch, 8).flatMap((pi) => {
    const nonBody = read(one(read(pi), 1)).get(2);
    if (!nonBody) return [];
    const query = read(nonBody[0] as Buffer).get(3);
    return query ? [text(read(query[0] as Buffer), 4)] : [];
  });
  assert.ok(queryNames.includes('fieldValidation'), queryNames.join());
  const gvkYaml = text(read(namedEntry(patch.get(13) ? Buffer.concat(msgs(patch, 13).map((b) => Buffer.concat([Buffer.from([0x0a, ...varintBytes(b.length)]), b]))) : Buffer.alloc(0), 1, 'x-kubernetes-group-version-kind')), 2);
  assert.deepEqual(JSON.parse(gvkYaml), { group: '', kind: 'Pod', version: 'v1' });
});

function varintBytes(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) { out.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
  out.push(v);
  return out;
}

test('v2 protobuf: definitions carry properties, types, refs and required', () => {
  const doc = read(openapiV2Protobuf());
  const pod = read(namedEntry(one(doc, 9), 1, 'io.k8s.api.core.v1.Pod'));
  assert.deepEqual(msgs(read(one(pod, 22)), 1).map(String), ['object']);
  const spec = read(namedEntry(one(pod, 25), 1, 'spec'));
  assert.equal(text(spec, 1), '#/definitions/io.k8s.api.core.v1.PodSpec');
  const podSpec = read(namedEntry(one(doc, 9), 1, 'io.k8s.api.core.v1.PodSpec'));
  assert.ok(msgs(podSpec, 19).map(String).includes('containers'));
  const containers = read(namedEntry(one(podSpec, 25), 1, 'containers'));
  assert.equal(text(read(one(read(one(containers, 23)), 1)), 1), '#/definitions/io.k8s.api.core.v1.Container');
});

test('acceptsOpenapiV2Protobuf', () => {
  assert.equal(acceptsOpenapiV2Protobuf('application/com.github.proto-openapi.spec.v2@v1.0+protobuf'), true);
  assert.equal(acceptsOpenapiV2Protobuf('application/json, application/com.github.proto-openapi.spec.v2.v1.0+protobuf'), true);
  assert.equal(acceptsOpenapiV2Protobuf('application/json'), false);
  assert.equal(acceptsOpenapiV2Protobuf(undefined), false);
});
