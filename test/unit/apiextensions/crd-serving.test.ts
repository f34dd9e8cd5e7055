// A CRD created through the in-process API server is established, published and served; its custom resources
// are validated, defaulted, pruned and printed as kube-apiserver does; deleting the CRD removes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer } from '../apiserver/helpers.js';
import { established } from './helpers.js';

export const cronTabCrd = (group = 'stable.example.com') => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `crontabs.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'], categories: ['all'] },
    versions: [{
      name: 'v1',
      served: true,
      storage: true,
      subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
      additionalPrinterColumns: [
        { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
        { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
      selectableFields: [{ jsonPath: '.spec.color' }],
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: {
              type: 'object',
              'x-kubernetes-validations': [{ rule: 'self.replicas <= 10', message: 'replicas must be at most 10' }],
              properties: {
                cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' },
                image: { type: 'string' },
                replicas: { type: 'integer', minimum: 1, default: 1 },
                color: { type: 'string', enum: ['red', 'blue'], default: 'red' },
                port: { 'x-kubernetes-int-or-string': true },
                extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
              required: ['cronSpec'],
            },
            status: { type: 'object', properties: { replicas: { type: 'integer' } } },
          },
        },
      },
    }],
  },
});

test('a CRD is established and its custom resources are served with schema, defaults, pruning and columns', async () => {
  const s = await testServer();
  try {
    const created = await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', cronTabCrd());
    assert.equal(created.status, 201, created.text);
    const crd = await established(s, 'crontabs.stable.example.com');
    const status = crd['status'] as Record<string, unknown>;
    assert.deepEqual(status['storedVersions'], ['v1']);
    assert.deepEqual((status['acceptedNames'] as Record<string, unknown>)['listKind'], 'CronTabList');
    const conds = status['conditions'] as Array<Record<string, string>>;
    assert.deepEqual(conds.map((c) => [c['type'], c['status'], c['reason']]), [['NamesAccepted', 'True', 'NoConflicts'], ['Established', 'True', 'InitialNamesAccepted']]);
    assert.deepEqual((crd['metadata'] as Record<string, unknown>)['finalizers'], ['customresourcecleanup.apiextensions.k8s.io']);

    // discovery, legacy and aggregated
    const list = (await s.call('GET', '/apis/stable.example.com/v1')).json();
    const names = (list['resources'] as Array<Record<string, unknown>>).map((r) => r['name']);
    assert.deepEqual(names, ['crontabs', 'crontabs/scale', 'crontabs/status']);
    const agg = await s.call('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
    assert.match(agg.text, /"resource":"crontabs"/);
    assert.ok(typeof agg.headers['etag'] === 'string');

    await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    // create: defaults, pruning with a warning, preserved unknown fields
    const cr = await s.call('POST', '/apis/stable.example.com/v1/namespaces/default/crontabs', {
      apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'my-cron' },
      spec: { cronSpec: '* * * * */5', image: 'my-image', bogus: true, port: 'http', extra: { anything: 1 } },
      status: { replicas: 9 },
    });
    assert.equal(cr.status, 201, cr.text);
    const body = cr.json();
    const spec = body['spec'] as Record<string, unknown>;
    assert.equal(spec['replicas'], 1);
    assert.equal(spec['color'], 'red');
    assert.equal(spec['bogus'], undefined);
    assert.deepEqual(spec['extra'], { anything: 1 });
    assert.equal(body['status'], undefined, 'status is reset on create with the status subresource');
    assert.equal((body['metadata'] as Record<string, unknown>)['generation'], 1);
    assert.match(String(cr.headers["warning"]), /unknown field \\"spec.bogus\\"/);

    // validation errors as Kubernetes words them
    const bad = await s.call('POST', '/apis/stable.example.com/v1/namespaces/default/crontabs', {
      apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'bad' },
      spec: { cronSpec: 'nope', replicas: 'x', color: 'pink' },
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.json()['message'], 'CronTab.stable.example.com "bad" is invalid: [spec.cronSpec: Invalid value: "nope": spec.cronSpec in body should match \'^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$\', spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string", spec.color: Unsupported value: "pink": supported values: "red", "blue"]');
    const missing = await s.call('POST', '/apis/stable.example.com/v1/namespaces/default/crontabs', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'm' }, spec: {} });
    assert.equal(missing.json()['message'], 'CronTab.stable.example.com "m" is invalid: spec.cronSpec: Required value');
    const cel = await s.call('POST', '/apis/stable.example.com/v1/namespaces/default/crontabs', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'c' }, spec: { cronSpec: '* * * * *', replicas: 11 } });
    assert.equal(cel.json()['message'], 'CronTab.stable.example.com "c" is invalid: spec: Invalid value: "object": replicas must be at most 10');

    // server-side table with printer columns
    const table = await s.call('GET', '/apis/stable.example.com/v1/namespaces/default/crontabs', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    const t = table.json();
    assert.deepEqual((t['columnDefinitions'] as Array<Record<string, unknown>>).map((c) => c['name']), ['Name', 'Spec', 'Replicas', 'Age']);
    const row = (t['rows'] as Array<Record<string, unknown>>)[0]!;
    assert.deepEqual((row['cells'] as unknown[]).slice(0, 3), ['my-cron', '* * * * */5', 1]);

    // strategic merge patch refused, merge patch works, status subresource
    const smp = await s.call('PATCH', '/apis/stable.example.com/v1/namespaces/default/crontabs/my-cron', { spec: { image: 'x' } }, { 'content-type': 'application/strategic-merge-patch+json' });
    assert.equal(smp.status, 415);
    assert.equal(smp.json()['message'], 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
    const mp = await s.call('PATCH', '/apis/stable.example.com/v1/namespaces/default/crontabs/my-cron', { spec: { image: 'new' }, status: { replicas: 3 } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(mp.status, 200, mp.text);
    assert.equal((mp.json()['metadata'] as Record<string, unknown>)['generation'], 2);
    assert.equal(mp.json()['status'], undefined);
    const st = await s.call('PATCH', '/apis/stable.example.com/v1/namespaces/default/crontabs/my-cron/status', { status: { replicas: 3 } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(st.status, 200, st.text);
    assert.deepEqual(st.json()['status'], { replicas: 3 });

    // field selectors: metadata.name and selectableFields
    const sel = await s.call('GET', '/apis/stable.example.com/v1/crontabs?fieldSelector=spec.color%3Dred');
    assert.equal((sel.json()['items'] as unknown[]).length, 1);
    const sel2 = await s.call('GET', '/apis/stable.example.com/v1/crontabs?fieldSelector=spec.color%3Dblue');
    assert.equal((sel2.json()['items'] as unknown[]).length, 0);

    // OpenAPI v3 publishes the schema
    const v3 = await s.call('GET', '/openapi/v3/apis/stable.example.com/v1');
    assert.equal(v3.status, 200);
    const schemas = ((v3.json()['components'] as Record<string, unknown>)['schemas']) as Record<string, Record<string, unknown>>;
    assert.ok(schemas['com.example.stable.v1.CronTab'], Object.keys(schemas).join(','));

    // deleting the CRD deletes its custom resources, then the CRD
    const del = await s.call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com');
    assert.equal(del.status, 200, del.text);
    const deadline = Date.now() + 3000;
    for (;;) {
      const g = await s.call('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com');
      if (g.status === 404) break;
      if (Date.now() > deadline) throw new Error(`CRD still there: ${g.text}`);
      await new Promise((res) => setTimeout(res, 20));
    }
    const gone = await s.call('GET', '/apis/stable.example.com/v1/namespaces/default/crontabs');
    assert.equal(gone.status, 404);
  } finally {
    await s.close();
  }
});

test('several versions with conversion None: stored in the storage version, served in each', async () => {
  const s = await testServer();
  try {
    const crd = cronTabCrd('multi.example.com');
    const v1 = crd.spec.versions[0]!;
    const beta = { ...v1, name: 'v1beta1', storage: false, subresources: { status: {}, scale: v1.subresources.scale } };
    (crd.spec.versions as unknown[]).push(beta);
    assert.equal((await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
    await established(s, 'crontabs.multi.example.com');
    const groups = (await s.call('GET', '/apis/multi.example.com')).json();
    assert.deepEqual(groups['preferredVersion'], { groupVersion: 'multi.example.com/v1', version: 'v1' });
    await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    const created = await s.call('POST', '/apis/multi.example.com/v1beta1/namespaces/default/crontabs', { apiVersion: 'multi.example.com/v1beta1', kind: 'CronTab', metadata: { name: 'b' }, spec: { cronSpec: '* * * * *' } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json()['apiVersion'], 'multi.example.com/v1beta1');
    const viaV1 = await s.call('GET', '/apis/multi.example.com/v1/namespaces/default/crontabs/b');
    assert.equal(viaV1.json()['apiVersion'], 'multi.example.com/v1');
    const list = await s.call('GET', '/apis/multi.example.com/v1beta1/namespaces/default/crontabs');
    assert.deepEqual((list.json()['items'] as Array<Record<string, unknown>>).map((i) => i['apiVersion']), ['multi.example.com/v1beta1']);
    const stored = await s.api.stores.storeFor(s.api.resources.find('multi.example.com', 'v1', 'crontabs')!);
    assert.equal((await stored.get('default', 'b')).apiVersion, 'multi.example.com/v1');
    const patched = await s.call('PATCH', '/apis/multi.example.com/v1beta1/namespaces/default/crontabs/b', { spec: { image: 'i' } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(patched.json()['apiVersion'], 'multi.example.com/v1beta1');
    const scale = await s.call('GET', '/apis/multi.example.com/v1beta1/namespaces/default/crontabs/b/scale');
    assert.equal(scale.status, 200, scale.text);
    assert.equal((scale.json()['spec'] as Record<string, unknown>)['replicas'], 1);
    const scaled = await s.call('PATCH', '/apis/multi.example.com/v1/namespaces/default/crontabs/b/scale', { spec: { replicas: 3 } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(scaled.status, 200, scaled.text);
    const after = (await s.call('GET', '/apis/multi.example.com/v1/namespaces/default/crontabs/b')).json();
    assert.equal((after['spec'] as Record<string, unknown>)['replicas'], 3);
  } finally {
    await s.close();
  }
});

test('pruning under x-kubernetes-preserve-unknown-fields: unknown fields stay, declared properties and embedded metadata are pruned', async () => {
  const s = await testServer();
  try {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'boxes.prune.example.com' },
      spec: {
        group: 'prune.example.com', scope: 'Namespaced', names: { plural: 'boxes', singular: 'box', kind: 'Box' },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: {
            template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
            templates: { type: 'array', items: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } },
            loose: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { a: { type: 'string' } } } } },
          } } } } },
        }],
      },
    };
    assert.equal((await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
    await established(s, 'boxes.prune.example.com');
    await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    const pod = (extra: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app: 'x' }, ...extra }, spec: { anything: [1, 2], nested: { kept: true } } });
    const box = {
      apiVersion: 'prune.example.com/v1', kind: 'Box', metadata: { name: 'b' },
      spec: { template: pod({ bogus: 1 }), templates: [pod({ other: 'x', ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'o', uid: 'u', extra: 1 }] })], loose: { free: 1, known: { a: 'ok', b: 'gone' } } },
    };
    const r = await s.call('POST', '/apis/prune.example.com/v1/namespaces/default/boxes', box);
    assert.equal(r.status, 201, r.text);
    const spec = r.json()['spec'] as Record<string, Record<string, unknown>>;
    assert.deepEqual(spec['template'], pod({}));
    assert.deepEqual(spec['templates'], [pod({ ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'o', uid: 'u' }] })]);
    assert.deepEqual(spec['loose'], { free: 1, known: { a: 'ok' } });
    const warnings = String(r.headers['warning']);
    for (const path of ['spec.template.metadata.bogus', 'spec.templates[0].metadata.other', 'spec.templates[0].metadata.ownerReferences[0].extra', 'spec.loose.known.b']) assert.ok(warnings.includes(`unknown field \\"${path}\\"`), `${path} in ${warnings}`);
    assert.ok(!warnings.includes('spec.template.spec'), warnings);
    // Strict refuses them
    const strict = await s.call('POST', '/apis/prune.example.com/v1/namespaces/default/boxes?fieldValidation=Strict', { ...box, metadata: { name: 'c' } });
    assert.equal(strict.status, 400);
    assert.match(String(strict.json()['message']), /strict decoding error: unknown field "spec.template.metadata.bogus"/);
  } finally {
    await s.close();
  }
});

test('pruning follows path steps: unknown fields under map keys with dots and slashes are removed', async () => {
  const s = await testServer();
  try {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'notes.prune.example.com' },
      spec: {
        group: 'prune.example.com', scope: 'Namespaced', names: { plural: 'notes', singular: 'note', kind: 'Note' },
        versions: [{
          name: 'v1', served: true, storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: {
            owners: { type: 'object', additionalProperties: { type: 'object', properties: { team: { type: 'string' }, tags: { type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } } } } } },
          } } } } },
        }],
      },
    };
    assert.equal((await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status, 201);
    await established(s, 'notes.prune.example.com');
    await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    const note = {
      apiVersion: 'prune.example.com/v1', kind: 'Note', metadata: { name: 'n' },
      spec: { owners: { 'example.com/x': { team: 'a', junk: 1, tags: [{ k: 'v', extra: true }] }, 'a.b[0]': { team: 'b', other: 'x' }, plain: { team: 'c', more: 2 } } },
    };
    const r = await s.call('POST', '/apis/prune.example.com/v1/namespaces/default/notes', note);
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json()['spec'], { owners: { 'example.com/x': { team: 'a', tags: [{ k: 'v' }] }, 'a.b[0]': { team: 'b' }, plain: { team: 'c' } } });
    const warnings = String(r.headers['warning']);
    for (const path of ['spec.owners.example.com/x.junk', 'spec.owners.example.com/x.tags[0].extra', 'spec.owners.a.b[0].other', 'spec.owners.plain.more']) assert.ok(warnings.includes(`unknown field \\"${path}\\"`), `${path} in ${warnings}`);
    // what is stored is pruned too
    const got = await s.call('GET', '/apis/prune.example.com/v1/namespaces/default/notes/n');
    assert.deepEqual(got.json()['spec'], r.json()['spec']);
  } finally {
    await s.close();
  }
});
