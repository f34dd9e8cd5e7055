// a-kube up's audit set-up: the console's timeline is read back from the log file (every answered request is in it
// at once, and it outlives a restart); with the log on standard output or a device it is kept in memory; with no
// log, none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogFileTimeline, RecentTimeline, type AuditEvent } from '../../../src/audit/index.js';
import { setUpAudit } from '../../../src/cluster/audit.js';
import { ready } from '../../fixtures/audit-event.js';

function event(id: string): AuditEvent {
  return {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: id, stage: 'ResponseComplete', requestURI: '/api/v1/namespaces/ns-1/pods', verb: 'list',
    user: { username: 'system:serviceaccount:ns-1:k-sa-1' }, objectRef: { resource: 'pods', namespace: 'ns-1', apiVersion: 'v1' }, responseStatus: { metadata: {}, code: 403 },
    requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z', stageTimestamp: '2026-01-01T00:00:00.000100Z', annotations: { 'authorization.k8s.io/decision': 'forbid', 'authorization.k8s.io/reason': '' },
  };
}

test('the timeline is the log file read back: an event is there as soon as it is emitted, and after a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-cluster-audit-'));
  try {
    const first = await setUpAudit(dir, {}, () => {});
    assert.ok(first.timeline instanceof LogFileTimeline);
    first.auditor.emit(ready(event('a1')));
    const seen = await first.timeline.read(0, 10);
    assert.deepEqual(seen.map((e) => [e.auditID, e.user, e.code, e.decision]), [['a1', 'system:serviceaccount:ns-1:k-sa-1', 403, 'forbid']]);
    first.auditor.emit(ready(event('a2')));
    assert.deepEqual((await first.timeline.read(seen[0]!.seq, 10)).map((e) => e.auditID), ['a2']);
    await first.auditor.close();
    const again = await setUpAudit(dir, {}, () => {});
    assert.deepEqual((await again.timeline!.read(0, 10)).map((e) => e.auditID), ['a1', 'a2']);
    await again.auditor.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the log on standard output or a device keeps the timeline in memory; no log and no webhook: no timeline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-cluster-audit-'));
  try {
    const none = await setUpAudit(dir, { logPath: '' }, () => {});
    assert.equal(none.timeline, undefined);
    await none.auditor.close();
    const stdout = await setUpAudit(dir, { logPath: '-' }, () => {});
    assert.ok(stdout.timeline instanceof RecentTimeline);
    await stdout.auditor.close();
    const devNull = await setUpAudit(dir, { logPath: '/dev/null' }, () => {});
    assert.ok(devNull.timeline instanceof RecentTimeline, 'a device is not read back');
    devNull.auditor.emit(ready(event('n1')));
    assert.deepEqual((await devNull.timeline.read(0, 10)).map((e) => e.auditID), ['n1']);
    await devNull.auditor.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
