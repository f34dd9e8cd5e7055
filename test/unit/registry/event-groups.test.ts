// core/v1 Events and events.k8s.io/v1 Events are one set of objects: the conversion both ways, and the
// in-process API server reading, listing, watching, selecting, validating and deleting through either group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, testServer } from '../apiserver/helpers.js';
import { coreEventToEventsV1, eventsV1ToCoreEvent } from '../../../src/api/event-conversion.js';
import type { KubeObject } from '../../../src/api/object.js';
import { catalog } from '../../../src/api/catalog.js';
import { conversionFor } from '../../../src/registry/conversion/index.js';

const core = '/api/v1/namespaces/default/events';
const eventsV1 = '/apis/events.k8s.io/v1/namespaces/default/events';

const metadata = { name: 'e1', namespace: 'default', uid: 'u-1', resourceVersion: '7', labels: { a: 'b' }, creationTimestamp: '2026-01-01T00:00:00Z' };
const ref = (name: string) => ({ kind: 'Pod', namespace: 'default', name, uid: 'p-1', apiVersion: 'v1', resourceVersion: '3', fieldPath: 'spec.containers{c}' });

/** Every field of a core/v1 Event set. */
const fullCore: KubeObject = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata,
  involvedObject: ref('p'),
  reason: 'Pulled',
  message: 'pulled the image',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2026-01-01T00:00:00Z',
  lastTimestamp: '2026-01-01T00:01:00Z',
  count: 3,
  type: 'Normal',
  eventTime: '2026-01-01T00:00:00.123456Z',
  series: { count: 2, lastObservedTime: '2026-01-01T00:01:00.000000Z' },
  action: 'Pulling',
  related: ref('other'),
  reportingComponent: 'kubelet',
  reportingInstance: 'node-1',
};

/** The same event as events.k8s.io/v1 shows it. */
const fullEventsV1: KubeObject = {
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata,
  regarding: ref('p'),
  reason: 'Pulled',
  note: 'pulled the image',
  deprecatedSource: { component: 'kubelet', host: 'node-1' },
  deprecatedFirstTimestamp: '2026-01-01T00:00:00Z',
  deprecatedLastTimestamp: '2026-01-01T00:01:00Z',
  deprecatedCount: 3,
  type: 'Normal',
  eventTime: '2026-01-01T00:00:00.123456Z',
  series: { count: 2, lastObservedTime: '2026-01-01T00:01:00.000000Z' },
  action: 'Pulling',
  related: ref('other'),
  reportingController: 'kubelet',
  reportingInstance: 'node-1',
};

test('every field maps between core/v1 and events.k8s.io/v1, and back unchanged', () => {
  assert.deepEqual(coreEventToEventsV1(fullCore), fullEventsV1);
  assert.deepEqual(eventsV1ToCoreEvent(fullEventsV1), fullCore);
  assert.deepEqual(eventsV1ToCoreEvent(coreEventToEventsV1(fullCore)), fullCore);
  assert.deepEqual(coreEventToEventsV1(eventsV1ToCoreEvent(fullEventsV1)), fullEventsV1);
  // absent fields stay absent; fields outside both schemas (and the other schema's names) are dropped; the input is untouched
  const sparse = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'x' }, reason: 'R', note: 'not a core field', extra: 1 } as KubeObject;
  assert.deepEqual(coreEventToEventsV1(sparse), { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'x' }, reason: 'R' });
  assert.equal((sparse as Record<string, unknown>)['note'], 'not a core field');
  const out = coreEventToEventsV1(fullCore);
  (out.metadata.labels as Record<string, string>)['a'] = 'changed';
  assert.equal(metadata.labels.a, 'b');
});

async function server() {
  const s = await testServer();
  await s.call('POST', '/api/v1/namespaces', { metadata: { name: 'default' } });
  return s;
}

const oldStyle = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'old' }, involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' }, reason: 'Started', message: 'started', source: { component: 'kubelet', host: 'n1' }, count: 1, type: 'Normal', firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:00:00Z' };
const newStyle = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'new' }, eventTime: '2026-01-01T00:00:00.000000Z', regarding: { kind: 'Deployment', name: 'd', namespace: 'default' }, reason: 'Scaled', note: 'scaled up', type: 'Normal', action: 'Scale', reportingController: 'deployment-controller', reportingInstance: 'cm-1' };

test('an event written through one group is read, listed, patched and deleted through the other', async () => {
  const s = await server();
  try {
    const made = await s.call('POST', core, oldStyle);
    assert.equal(made.status, 201, made.text);
    const rv = (made.json()['metadata'] as { resourceVersion: string }).resourceVersion;
    const seen = await s.call('GET', `${eventsV1}/old`);
    assert.equal(seen.status, 200, seen.text);
    const ev = seen.json();
    assert.equal(ev['apiVersion'], 'events.k8s.io/v1');
    assert.deepEqual(ev['regarding'], { kind: 'Pod', name: 'web', namespace: 'default' });
    assert.equal(ev['note'], 'started');
    assert.deepEqual(ev['deprecatedSource'], { component: 'kubelet', host: 'n1' });
    assert.equal(ev['deprecatedCount'], 1);
    assert.equal(ev['message'], undefined);
    assert.equal((ev['metadata'] as { resourceVersion: string }).resourceVersion, rv);

    const made2 = await s.call('POST', eventsV1, newStyle);
    assert.equal(made2.status, 201, made2.text);
    const asCore = (await s.call('GET', `${core}/new`)).json();
    assert.equal(asCore['apiVersion'], 'v1');
    assert.deepEqual(asCore['involvedObject'], { kind: 'Deployment', name: 'd', namespace: 'default' });
    assert.equal(asCore['message'], 'scaled up');
    assert.equal(asCore['reportingComponent'], 'deployment-controller');

    const names = (url: string) => s.call('GET', url).then((r) => (r.json()['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name));
    assert.deepEqual(await names(core), ['new', 'old']);
    assert.deepEqual(await names(eventsV1), ['new', 'old']);

    // series may change through events.k8s.io/v1; what the event says may not
    const series = await s.call('PATCH', `${eventsV1}/new`, { series: { count: 2, lastObservedTime: '2026-01-01T00:05:00.000000Z' } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(series.status, 200, series.text);
    assert.deepEqual((await s.call('GET', `${core}/new`)).json()['series'], { count: 2, lastObservedTime: '2026-01-01T00:05:00.000000Z' });
    const note = await s.call('PATCH', `${eventsV1}/new`, { note: 'changed' }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(note.status, 422, note.text);
    assert.equal(note.json()['message'], 'Event.events.k8s.io "new" is invalid: message: Invalid value: "changed": field is immutable');
    // the core group allows it (no further validation for backwards compatibility)
    const coreNote = await s.call('PATCH', `${core}/new`, { message: 'changed' }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(coreNote.status, 200, coreNote.text);

    assert.equal((await s.call('DELETE', `${eventsV1}/old`)).status, 200);
    assert.equal((await s.call('GET', `${core}/old`)).status, 404);
    const missing = await s.call('GET', `${eventsV1}/old`);
    assert.equal(missing.json()['message'], 'events.events.k8s.io "old" not found');
  } finally {
    await s.close();
  }
});

test('each group selects by its own field names', async () => {
  const s = await server();
  try {
    assert.equal((await s.call('POST', core, oldStyle)).status, 201);
    assert.equal((await s.call('POST', eventsV1, newStyle)).status, 201);
    const names = async (url: string) => {
      const r = await s.call('GET', url);
      assert.equal(r.status, 200, r.text);
      return (r.json()['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name);
    };
    assert.deepEqual(await names(`${eventsV1}?fieldSelector=regarding.kind%3DDeployment`), ['new']);
    assert.deepEqual(await names(`${eventsV1}?fieldSelector=reportingController%3Ddeployment-controller`), ['new']);
    assert.deepEqual(await names(`${core}?fieldSelector=involvedObject.name%3Dweb`), ['old']);
    assert.deepEqual(await names(`${core}?fieldSelector=reportingComponent%3Ddeployment-controller`), ['new']);
    assert.deepEqual(await names(`${core}?fieldSelector=source%3Dkubelet`), ['old']);
    assert.equal((await s.call('GET', `${eventsV1}?fieldSelector=involvedObject.name%3Dweb`)).status, 400);
    assert.equal((await s.call('GET', `${core}?fieldSelector=regarding.name%3Dweb`)).status, 400);
  } finally {
    await s.close();
  }
});

test('events.k8s.io/v1 creates are strict; core creates of the same event are not', async () => {
  const s = await server();
  try {
    const bad = await s.call('POST', eventsV1, { metadata: { name: 'b' }, regarding: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'R', note: 'n', type: 'Normal', deprecatedCount: 2 });
    assert.equal(bad.status, 422, bad.text);
    assert.equal(bad.json()['message'], 'Event.events.k8s.io "b" is invalid: [eventTime: Required value, count: Invalid value: "": needs to be unset]');
    const noController = await s.call('POST', eventsV1, { ...newStyle, metadata: { name: 'c' }, reportingController: '' });
    assert.equal(noController.status, 422, noController.text);
    assert.match(String(noController.json()['message']), /^Event\.events\.k8s\.io "c" is invalid: \[reportingController: Required value/);
    const coreOk = await s.call('POST', core, { ...oldStyle, metadata: { name: 'no-time' } });
    assert.equal(coreOk.status, 201, coreOk.text);
    const coreNew = await s.call('POST', core, { apiVersion: 'v1', kind: 'Event', metadata: { name: 'c2' }, eventTime: '2026-01-01T00:00:00.000000Z', involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'R', action: 'A', reportingInstance: 'i' });
    assert.equal(coreNew.status, 422, coreNew.text);
    // a new-style event names its reporter in either group, by that group's field name
    assert.match(String(coreNew.json()['message']), /^Event "c2" is invalid: \[reportingComponent: Required value, reportingComponent: Invalid value: "": name part must be non-empty/);
  } finally {
    await s.close();
  }
});

test('a watch through one group sees writes through the other, in its own schema', async () => {
  const s = await server();
  const ac = new AbortController();
  try {
    const rv = ((await s.call('GET', eventsV1)).json()['metadata'] as { resourceVersion: string }).resourceVersion;
    assert.equal((await s.call('POST', core, oldStyle)).status, 201);
    assert.equal((await s.call('DELETE', `${core}/old`)).status, 200);
    const res = await s.api.handle({ method: 'GET', url: `${eventsV1}?watch=1&resourceVersion=${rv}&timeoutSeconds=1`, headers: { authorization: 'Bearer test-token' }, lifetime: ac });
    const text = (await collect(res)).text;
    const events = text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: Record<string, unknown> });
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'DELETED']);
    assert.equal(events[0]?.object['apiVersion'], 'events.k8s.io/v1');
    assert.equal(events[0]?.object['note'], 'started');
  } finally {
    ac.abort();
    await s.close();
  }
});

test('the catalog names the stored form of every resource a conversion serves from another version or group', () => {
  for (const r of catalog) {
    const storage = conversionFor(r)?.storage;
    const stored = storage && !(storage.group === r.group && storage.version === r.version) ? storage : undefined;
    assert.deepEqual(r.storedAs, stored, `${r.group}/${r.version}/${r.resource}`);
  }
});
