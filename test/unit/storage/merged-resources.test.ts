// events.k8s.io Events an earlier a-kube kept apart in SQLite join the core Events when the store opens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventsV1ToCoreEvent } from '../../../src/api/event-conversion.js';
import type { KubeObject } from '../../../src/api/object.js';
import { openSqliteStorage } from '../../../src/storage/sqlite.js';
import { openStorageSpec } from '../../../src/storage/spec.js';

const event = (name: string): KubeObject => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name, namespace: 'default', uid: `u-${name}` },
  eventTime: '2026-01-01T00:00:00.000000Z',
  regarding: { kind: 'Pod', name: 'p', namespace: 'default' },
  note: 'pulled',
  reason: 'Pulled',
  type: 'Normal',
  action: 'Pull',
  reportingController: 'kubelet',
  reportingInstance: 'node-1',
});

test('opening a SQLite store moves events.k8s.io Events kept apart into the core Events, once; a name taken stays', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-merged-'));
  const path = join(dir, 'state.db');
  try {
    const old = openSqliteStorage(path);
    for (let i = 0; i < 3; i++) await old.create(`/registry/events.k8s.io/events/default/e${i}`, JSON.stringify(event(`e${i}`)));
    await old.create('/registry/events.k8s.io/events/default/taken', JSON.stringify(event('taken')));
    await old.create('/registry/core/events/default/taken', '{"apiVersion":"v1","kind":"Event","metadata":{"name":"taken"}}');
    await old.create('/registry/events.k8s.io/events/default/enc', 'k8s:enc:aescbc:v1:key1:not JSON');
    // a crash after the create left both keys with the same object
    await old.create('/registry/events.k8s.io/events/default/half', JSON.stringify(event('half')));
    await old.create('/registry/core/events/default/half', JSON.stringify(eventsV1ToCoreEvent(event('half'))));
    await old.close();

    // a reader (backup) leaves them
    const readerLines: string[] = [];
    await (await openStorageSpec({ kind: 'sqlite', path }, '', { log: (l) => readerLines.push(l), moveEarlierLayout: false })).close();
    assert.deepEqual(readerLines, []);

    const lines: string[] = [];
    const s = await openStorageSpec({ kind: 'sqlite', path }, '', { log: (l) => lines.push(l) });
    try {
      assert.deepEqual(lines, [
        'moved 4 events.k8s.io Events stored apart by an earlier a-kube to the core Events (both groups serve them)',
        'left /registry/events.k8s.io/events/default/enc in place: its value is not a JSON object (encrypted?)',
        'left /registry/events.k8s.io/events/default/taken in place: another Event of that name exists',
      ]);
      assert.deepEqual((await s.range('/registry/events.k8s.io/')).kvs.map((kv) => kv.key), ['/registry/events.k8s.io/events/default/enc', '/registry/events.k8s.io/events/default/taken']);
      assert.deepEqual((await s.range('/registry/core/events/')).kvs.map((kv) => kv.key), ['/registry/core/events/default/e0', '/registry/core/events/default/e1', '/registry/core/events/default/e2', '/registry/core/events/default/half', '/registry/core/events/default/taken']);
      assert.deepEqual(JSON.parse((await s.get('/registry/core/events/default/e1'))?.value ?? '{}'), eventsV1ToCoreEvent(event('e1')));
      assert.equal((await s.get('/registry/core/events/default/taken'))?.value, '{"apiVersion":"v1","kind":"Event","metadata":{"name":"taken"}}');
    } finally {
      await s.close();
    }
    const again: string[] = [];
    await (await openStorageSpec({ kind: 'sqlite', path }, '', { log: (l) => again.push(l) })).close();
    assert.deepEqual(again, lines.slice(1));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
