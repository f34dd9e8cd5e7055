// CRD conversion webhooks through the in-process API server and a real HTTPS webhook in this process (CA made by
// src/pki): the storage version is read as stored, every other version through one ConversionReview per read,
// list page and watch batch, writes are converted to the storage version; kube-apiserver's checks of the answer
// and its texts for failures; the validation of spec.conversion.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer, type TestServer } from '../apiserver/helpers.js';
import { startWebhookServer, type WebhookServer } from '../admission/webhook/fixture.js';

type Review = Record<string, any>;

let hook: WebhookServer;
let s: TestServer;

/** v1 keeps `spec.cronSpec`, v2 calls it `spec.schedule`. */
function convertObject(o: Record<string, any>, to: string): Record<string, any> {
  const out = structuredClone(o);
  out.apiVersion = to;
  const spec = out.spec ?? {};
  if (to.endsWith('/v2') && 'cronSpec' in spec) {
    spec.schedule = spec.cronSpec;
    delete spec.cronSpec;
  } else if (to.endsWith('/v1') && 'schedule' in spec) {
    spec.cronSpec = spec.schedule;
    delete spec.schedule;
  }
  return out;
}

function converted(review: Review, mutate: (objs: Record<string, any>[]) => void = () => undefined, uid?: string): unknown {
  const objs = (review.request.objects as Record<string, any>[]).map((o) => convertObject(o, review.request.desiredAPIVersion));
  mutate(objs);
  return {
    apiVersion: review.apiVersion,
    kind: 'ConversionReview',
    response: { uid: uid ?? review.request.uid, convertedObjects: objs, result: { status: 'Success' } },
  };
}

const schema = (field: string) => ({
  openAPIV3Schema: {
    type: 'object',
    properties: { spec: { type: 'object', properties: { [field]: { type: 'string' }, image: { type: 'string' } } } },
  },
});

function crd(url: string, caBundle: string, reviewVersions = ['v1']) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.conv.example.com' },
    spec: {
      group: 'conv.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab' },
      versions: [
        { name: 'v1', served: true, storage: true, schema: schema('cronSpec') },
        { name: 'v2', served: true, storage: false, schema: schema('schedule') },
      ],
      conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: reviewVersions, clientConfig: { url, caBundle } } },
    },
  };
}

async function established(name: string): Promise<void> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const r = (await s.call('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`)).json();
    const conds = ((r['status'] as any)?.conditions ?? []) as Array<Record<string, string>>;
    if (conds.some((c) => c['type'] === 'Established' && c['status'] === 'True')) {
      // served once the discovery document lists the version
      const d = await s.call('GET', '/apis/conv.example.com/v2');
      if (d.status === 200) return;
    }
    if (Date.now() > deadline) throw new Error(`not established: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

before(async () => {
  hook = await startWebhookServer();
  s = await testServer();
  await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const r = await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd(hook.url('/convert'), hook.caBundle));
  assert.equal(r.status, 201, r.text);
  await established('crontabs.conv.example.com');
});
after(async () => {
  await s.close();
  await hook.close();
});
beforeEach(() => {
  hook.received.length = 0;
  hook.answer = (r) => ({ body: converted(r) });
});

const v1 = '/apis/conv.example.com/v1/namespaces/default/crontabs';
const v2 = '/apis/conv.example.com/v2/namespaces/default/crontabs';

test('a write to the non-storage version is converted to the storage version; reads of each version see their own form', async () => {
  const created = await s.call('POST', v2, { apiVersion: 'conv.example.com/v2', kind: 'CronTab', metadata: { name: 'a' }, spec: { schedule: '* * * * */5', image: 'img' } });
  assert.equal(created.status, 201, created.text);
  const body = created.json() as Record<string, any>;
  assert.equal(body['apiVersion'], 'conv.example.com/v2');
  assert.deepEqual(body['spec'], { schedule: '* * * * */5', image: 'img' });
  const toStorage = hook.received.find((r) => r.request.desiredAPIVersion === 'conv.example.com/v1');
  assert.ok(toStorage, 'the object was sent to be stored as v1');
  assert.equal(toStorage.apiVersion, 'apiextensions.k8s.io/v1');
  assert.equal(toStorage.kind, 'ConversionReview');
  assert.match(toStorage.request.uid, /^[0-9a-f-]{36}$/);
  assert.equal(toStorage.request.objects[0].apiVersion, 'conv.example.com/v2');

  hook.received.length = 0;
  const stored = (await s.call('GET', `${v1}/a`)).json() as Record<string, any>;
  assert.deepEqual(stored['spec'], { cronSpec: '* * * * */5', image: 'img' });
  assert.equal(hook.received.length, 0, 'the storage version is read without the webhook');
  const viaV2 = (await s.call('GET', `${v2}/a`)).json() as Record<string, any>;
  assert.deepEqual(viaV2['spec'], { schedule: '* * * * */5', image: 'img' });
  assert.equal(hook.received.length, 1);
  assert.equal(hook.received[0]!.request.desiredAPIVersion, 'conv.example.com/v2');
});

test('a list page is converted in one review; a patch of the non-storage version round-trips', async () => {
  await s.call('POST', v1, { apiVersion: 'conv.example.com/v1', kind: 'CronTab', metadata: { name: 'b' }, spec: { cronSpec: '1 * * * *' } });
  hook.received.length = 0;
  const list = (await s.call('GET', v2)).json() as Record<string, any>;
  assert.equal(list['kind'], 'CronTabList');
  assert.deepEqual(list['items'].map((i: any) => [i.metadata.name, i.apiVersion, i.spec.schedule]), [['a', 'conv.example.com/v2', '* * * * */5'], ['b', 'conv.example.com/v2', '1 * * * *']]);
  assert.equal(hook.received.length, 1);
  assert.equal(hook.received[0]!.request.objects.length, 2);

  const patched = await s.call('PATCH', `${v2}/b`, { spec: { schedule: '2 * * * *' } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.text);
  assert.equal((patched.json() as any).spec.schedule, '2 * * * *');
  assert.equal(((await s.call('GET', `${v1}/b`)).json() as any).spec.cronSpec, '2 * * * *');
});

test('a watch on the non-storage version delivers converted events', async () => {
  const ac = new AbortController();
  const res = await s.api.handle({ method: 'GET', url: `${v2}?watch=1&fieldSelector=metadata.name%3Dw`, headers: { authorization: 'Bearer test-token' }, signal: ac.signal } as never);
  assert.equal(res.status, 200);
  const it = (res.body as AsyncIterable<string | Uint8Array>)[Symbol.asyncIterator]();
  await s.call('POST', v1, { apiVersion: 'conv.example.com/v1', kind: 'CronTab', metadata: { name: 'w' }, spec: { cronSpec: '5 * * * *' } });
  let text = '';
  while (!text.includes('\n')) {
    const n = await it.next();
    if (n.done) break;
    text += typeof n.value === 'string' ? n.value : Buffer.from(n.value).toString('utf8');
  }
  ac.abort();
  await it.return?.(undefined);
  const ev = JSON.parse(text.split('\n')[0]!);
  assert.equal(ev.type, 'ADDED');
  assert.equal(ev.object.apiVersion, 'conv.example.com/v2');
  assert.equal(ev.object.spec.schedule, '5 * * * *');
});

test("the webhook's answer is checked with kube-apiserver's texts", async () => {
  const get = async () => {
    const r = await s.call('GET', `${v2}/a`);
    assert.equal(r.status, 500, r.text);
    const st = r.json();
    assert.equal(st['reason'], undefined, 'no reason: kubectl prints "Error from server: <message>"');
    return String(st['message']);
  };
  const gvk = 'conv.example.com/v1, Kind=CronTab';
  hook.answer = (r) => ({ body: converted(r, () => undefined, 'another-uid') });
  assert.match(await get(), new RegExp(`^conversion webhook for ${gvk} failed: expected response\\.uid="[0-9a-f-]{36}", got "another-uid"$`));
  hook.answer = (r) => ({ body: converted(r, (objs) => objs.push(objs[0]!)) });
  assert.equal(await get(), `conversion webhook for ${gvk} returned 2 objects, expected 1`);
  hook.answer = (r) => ({ body: converted(r, (objs) => void (objs[0]!.apiVersion = 'conv.example.com/v1')) });
  assert.equal(await get(), `conversion webhook for ${gvk} returned invalid object at index 0: invalid groupVersion (expected conv.example.com/v2, received conv.example.com/v1)`);
  hook.answer = (r) => ({ body: converted(r, (objs) => void (objs[0]!.metadata.name = 'other')) });
  assert.equal(await get(), `conversion webhook for ${gvk} returned invalid object: must have the same name: a != other`);
  hook.answer = (r) => ({ body: converted(r, (objs) => void (objs[0]!.metadata.labels = { 'bad key!': 'x' })) });
  assert.match(await get(), new RegExp(`^conversion webhook for ${gvk} returned invalid metadata: metadata.labels: Invalid value: "bad key!": `));
  hook.answer = (r) => ({ body: { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: r.request.uid, result: { status: 'Failure', message: 'cannot convert a' } } } });
  assert.equal(await get(), `conversion webhook for ${gvk} failed: cannot convert a`);
  hook.answer = () => ({ status: 500, body: 'boom' });
  assert.equal(await get(), `conversion webhook for ${gvk} failed: an error on the server ("boom") has prevented the request from succeeding`);
  hook.answer = () => ({ body: '{"apiVersion":"v1","kind":"Status"}' });
  assert.equal(await get(), `conversion webhook for ${gvk} failed: expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got v1, Kind=Status`);
});

test('only labels and annotations of the metadata may change; the rest is restored from the original', async () => {
  hook.answer = (r) => ({
    body: converted(r, (objs) => {
      objs[0]!.metadata.labels = { converted: 'yes' };
      objs[0]!.metadata.generation = 99;
      objs[0]!.metadata.creationTimestamp = '2000-01-01T00:00:00Z';
    }),
  });
  const got = (await s.call('GET', `${v2}/a`)).json() as any;
  assert.deepEqual(got.metadata.labels, { converted: 'yes' });
  assert.equal(got.metadata.generation, 1);
  assert.notEqual(got.metadata.creationTimestamp, '2000-01-01T00:00:00Z');
});

test('a webhook that cannot be reached fails reads and writes of the other version with the Go client text', async () => {
  const dead = await startWebhookServer();
  const url = dead.url('/convert');
  await dead.close();
  const r = await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    ...crd(url, dead.caBundle),
    metadata: { name: 'crontabs.dead.example.com' },
    spec: { ...crd(url, dead.caBundle).spec, group: 'dead.example.com' },
  });
  assert.equal(r.status, 201, r.text);
  const deadline = Date.now() + 3000;
  while ((await s.call('GET', '/apis/dead.example.com/v2')).status !== 200) {
    assert.ok(Date.now() < deadline, 'dead.example.com/v2 is served');
    await new Promise((res) => setTimeout(res, 10));
  }
  const port = new URL(url).port;
  await s.call('POST', '/apis/dead.example.com/v1/namespaces/default/crontabs', { apiVersion: 'dead.example.com/v1', kind: 'CronTab', metadata: { name: 'x' }, spec: { cronSpec: '1 * * * *' } });
  const got = await s.call('GET', '/apis/dead.example.com/v2/namespaces/default/crontabs/x');
  assert.equal(got.status, 500);
  assert.equal(got.json()['message'], `conversion webhook for dead.example.com/v1, Kind=CronTab failed: Post "https://127.0.0.1:${port}/convert?timeout=30s": dial tcp 127.0.0.1:${port}: connect: connection refused`);
  const created = await s.call('POST', '/apis/dead.example.com/v2/namespaces/default/crontabs', { apiVersion: 'dead.example.com/v2', kind: 'CronTab', metadata: { name: 'y' }, spec: { schedule: '1 * * * *' } });
  assert.equal(created.status, 500);
  assert.match(String(created.json()['message']), /^conversion webhook for dead\.example\.com\/v2, Kind=CronTab failed: Post /);
  assert.equal((await s.call('GET', '/apis/dead.example.com/v1/namespaces/default/crontabs/y')).status, 404, 'nothing was stored');
});

test('ConversionReview v1beta1 is sent when it comes first in conversionReviewVersions', async () => {
  const r = await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    ...crd(hook.url('/beta'), hook.caBundle, ['v1beta1', 'v1']),
    metadata: { name: 'crontabs.beta.example.com' },
    spec: { ...crd(hook.url('/beta'), hook.caBundle, ['v1beta1', 'v1']).spec, group: 'beta.example.com' },
  });
  assert.equal(r.status, 201, r.text);
  const deadline = Date.now() + 3000;
  while ((await s.call('GET', '/apis/beta.example.com/v2')).status !== 200) {
    assert.ok(Date.now() < deadline);
    await new Promise((res) => setTimeout(res, 10));
  }
  hook.received.length = 0;
  const created = await s.call('POST', '/apis/beta.example.com/v2/namespaces/default/crontabs', { apiVersion: 'beta.example.com/v2', kind: 'CronTab', metadata: { name: 'z' }, spec: { schedule: '1 * * * *' } });
  assert.equal(created.status, 201, created.text);
  assert.equal(hook.received[0]!.apiVersion, 'apiextensions.k8s.io/v1beta1');
});

test('spec.conversion is validated with kube-apiserver texts', async () => {
  const bad = async (conversion: unknown) => {
    const body = crd('https://x.example.com/', hook.caBundle);
    const r = await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { ...body, metadata: { name: 'crontabs.bad.example.com' }, spec: { ...body.spec, group: 'bad.example.com', conversion } });
    assert.equal(r.status, 422, r.text);
    return String(r.json()['message']);
  };
  assert.match(await bad({ strategy: 'Webhook' }), /spec\.conversion\.webhookClientConfig: Required value: required when strategy is set to Webhook/);
  assert.match(await bad({ strategy: 'Webhook', webhook: { conversionReviewVersions: ['v3'], clientConfig: { url: 'http://x.example.com/' } } }), /spec\.conversion\.webhookClientConfig\.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https:\/\/host\[\/path\]/);
  assert.match(await bad({ strategy: 'Webhook', webhook: { conversionReviewVersions: ['v3'], clientConfig: { url: 'https://x.example.com/' } } }), /spec\.conversion\.conversionReviewVersions: Invalid value: \[\]string\{"v3"\}: must include at least one of v1, v1beta1/);
  assert.match(await bad({ strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { service: { name: 'svc' } } } }), /spec\.conversion\.webhookClientConfig\.service\.namespace: Required value: service namespace is required/);
  assert.match(await bad({ strategy: 'None', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: 'https://x.example.com/' } } }), /spec\.conversion\.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook/);
});

test('selectors of lists and watches are evaluated on the object in the requested version', async () => {
  const base = crd(hook.url('/convert'), hook.caBundle);
  const versions = base.spec.versions.map((v) => ({ ...v, selectableFields: [{ jsonPath: v.name === 'v1' ? '.spec.cronSpec' : '.spec.schedule' }] }));
  const r = await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { ...base, metadata: { name: 'crontabs.sel.example.com' }, spec: { ...base.spec, group: 'sel.example.com', versions } });
  assert.equal(r.status, 201, r.text);
  const deadline = Date.now() + 3000;
  while ((await s.call('GET', '/apis/sel.example.com/v2')).status !== 200) {
    assert.ok(Date.now() < deadline, 'sel.example.com/v2 is served');
    await new Promise((res) => setTimeout(res, 10));
  }
  const sv1 = '/apis/sel.example.com/v1/namespaces/default/crontabs';
  const sv2 = '/apis/sel.example.com/v2/namespaces/default/crontabs';
  // the converter labels what it gives in v2
  hook.answer = (rv) => ({ body: converted(rv, (objs) => { for (const o of objs) if (String(o.apiVersion).endsWith('/v2')) o.metadata.labels = { ...(o.metadata.labels ?? {}), form: 'v2' }; }) });
  for (const [name, cron] of [['s1', 'hourly'], ['s2', 'daily'], ['s3', 'hourly'], ['s4', 'weekly'], ['s5', 'hourly']] as const) {
    assert.equal((await s.call('POST', sv1, { apiVersion: 'sel.example.com/v1', kind: 'CronTab', metadata: { name }, spec: { cronSpec: cron } })).status, 201);
  }
  const names = (body: Record<string, unknown>) => (body['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name);
  // a field of v2 (spec.schedule) selects in v2; it is not a field of v1
  assert.deepEqual(names((await s.call('GET', `${sv2}?fieldSelector=spec.schedule%3Dhourly`)).json()), ['s1', 's3', 's5']);
  const notInV1 = await s.call('GET', `${sv1}?fieldSelector=spec.schedule%3Dhourly`);
  assert.equal(notInV1.status, 400, notInV1.text);
  assert.deepEqual(names((await s.call('GET', `${sv1}?fieldSelector=spec.cronSpec%3Dhourly`)).json()), ['s1', 's3', 's5']);
  // labels the converter sets are the labels selected on
  assert.deepEqual(names((await s.call('GET', `${sv2}?labelSelector=form%3Dv2`)).json()), ['s1', 's2', 's3', 's4', 's5']);
  assert.deepEqual(names((await s.call('GET', `${sv1}?labelSelector=form%3Dv2`)).json()), []);
  // pages of `limit` matching objects, continued at the same snapshot
  const seen: string[] = [];
  let next = '';
  for (let i = 0; i < 5; i++) {
    const page = (await s.call('GET', `${sv2}?fieldSelector=spec.schedule%3Dhourly&limit=2${next ? `&continue=${encodeURIComponent(next)}` : ''}`)).json();
    seen.push(...names(page));
    next = String((page['metadata'] as { continue?: string }).continue ?? '');
    if (!next) break;
  }
  assert.deepEqual(seen, ['s1', 's3', 's5']);

  // a watch in v2: an object entering the selection is ADDED, one leaving it DELETED
  const ac = new AbortController();
  const from = String(((await s.call('GET', sv2)).json()['metadata'] as { resourceVersion: string }).resourceVersion);
  const res = await s.api.handle({ method: 'GET', url: `${sv2}?watch=1&resourceVersion=${from}&fieldSelector=spec.schedule%3Dmonthly`, headers: { authorization: 'Bearer test-token' }, signal: ac.signal } as never);
  assert.equal(res.status, 200);
  const it = (res.body as AsyncIterable<string | Uint8Array>)[Symbol.asyncIterator]();
  let text = '';
  const nextEvents = async (n: number) => {
    while (text.split('\n').filter((l) => l !== '').length < n) {
      const c = await it.next();
      if (c.done) break;
      text += typeof c.value === 'string' ? c.value : Buffer.from(c.value).toString('utf8');
    }
    return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string }; spec: Record<string, string> } });
  };
  const merge = { 'content-type': 'application/merge-patch+json' };
  assert.equal((await s.call('PATCH', `${sv1}/s2`, { spec: { cronSpec: 'monthly' } }, merge)).status, 200);
  assert.equal((await s.call('PATCH', `${sv1}/s4`, { spec: { cronSpec: 'yearly' } }, merge)).status, 200);
  assert.equal((await s.call('PATCH', `${sv1}/s2`, { spec: { cronSpec: 'never' } }, merge)).status, 200);
  const events = await nextEvents(2);
  ac.abort();
  await it.return?.(undefined);
  assert.deepEqual(events.map((e) => [e.type, e.object.metadata.name, e.object.spec['schedule']]), [['ADDED', 's2', 'monthly'], ['DELETED', 's2', 'never']]);
});
