// The live audit timeline as Server-Sent Events: a fresh connection gets the backlog, Last-Event-ID resumes after
// the last entry seen (across filters too), a reader that falls behind the bounded buffer is told how much it
// missed instead of the server queueing for it, and a revoked permission ends the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogFileTimeline, RecentTimeline, type AuditEvent } from '../../../src/audit/index.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditEventStream, resumePoint, type AuditStreamOptions } from '../../../src/console/audit-stream.js';
import { ready } from '../../fixtures/audit-event.js';

function event(user: string, verb = 'get', decision = 'allow'): AuditEvent {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `id-${user}`,
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/default/pods',
    verb,
    user: { username: user, groups: [] },
    sourceIPs: ['127.0.0.1'],
    objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: decision === 'forbid' ? 403 : 200 },
    requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z',
    stageTimestamp: '2026-01-01T00:00:00.000001Z',
    annotations: { 'authorization.k8s.io/decision': decision, 'authorization.k8s.io/reason': '' },
  } as AuditEvent;
}

interface Parsed {
  type: string;
  id: string | undefined;
  data: unknown;
}

/** Splits SSE text into events the way a browser's EventSource does (comments and retry lines skipped). */
function parse(text: string): Parsed[] {
  const out: Parsed[] = [];
  for (const block of text.split('\n\n')) {
    let type = 'message';
    let id: string | undefined;
    let data: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data = line.slice(6);
    }
    if (id !== undefined || data !== undefined) out.push({ type: data === undefined ? 'id-only' : type, id, data: data === undefined ? undefined : JSON.parse(data) });
  }
  return out;
}

function open(timeline: RecentTimeline, o: Partial<AuditStreamOptions> = {}) {
  const ac = new AbortController();
  const it = auditEventStream({ source: timeline, filter: {}, lastEventId: undefined, check: async () => undefined, signal: ac.signal, heartbeatMs: 60_000, ...o });
  /** Pulls chunks until `until` says the collected events are enough. */
  const take = async (until: (events: Parsed[]) => boolean): Promise<Parsed[]> => {
    let text = '';
    for (;;) {
      const r = await it.next();
      if (r.done) return parse(text);
      text += r.value;
      const events = parse(text);
      if (until(events)) return events;
    }
  };
  return { ac, it, take };
}

const users = (events: Parsed[]) => events.filter((e) => e.type === 'entry').map((e) => (e.data as { user: string }).user);

test('a fresh connection gets the newest matching entries, then new ones as they are written', async () => {
  const timeline = new RecentTimeline(100);
  timeline.process(['a', 'b', 'c', 'd'].map((u) => ready(event(u))));
  const s = open(timeline, { backlog: 2 });
  assert.deepEqual(users(await s.take((e) => users(e).length >= 2)), ['c', 'd']);
  const next = s.take((e) => users(e).length >= 1);
  timeline.process([event('e')].map(ready));
  const got = await next;
  assert.deepEqual(users(got), ['e']);
  assert.equal(got.find((e) => e.type === 'entry')!.id, `${timeline.epoch}:5`);
  await s.it.return();
});

test('Last-Event-ID resumes after the last entry seen; ids of another epoch or malformed start afresh', async () => {
  const timeline = new RecentTimeline(100);
  timeline.process(['a', 'b', 'c'].map((u) => ready(event(u))));
  assert.equal(resumePoint(`${timeline.epoch}:2`, timeline.epoch), 2);
  assert.equal(resumePoint('0123:2', timeline.epoch), undefined);
  assert.equal(resumePoint(`${timeline.epoch}:2\nevent: x`, timeline.epoch), undefined);
  assert.equal(resumePoint('__proto__', timeline.epoch), undefined);

  const resumed = open(timeline, { lastEventId: `${timeline.epoch}:1` });
  timeline.process([event('d')].map(ready));
  assert.deepEqual(users(await resumed.take((e) => users(e).length >= 3)), ['b', 'c', 'd']);
  await resumed.it.return();

  const foreign = open(timeline, { lastEventId: 'abcdef:2', backlog: 10 });
  assert.deepEqual(users(await foreign.take((e) => users(e).length >= 4)), ['a', 'b', 'c', 'd']);
  await foreign.it.return();

  // an id past the newest entry (the server restarted with the same epoch cannot happen; a forged one can)
  const ahead = open(timeline, { lastEventId: `${timeline.epoch}:999`, backlog: 1 });
  assert.deepEqual(users(await ahead.take((e) => users(e).length >= 1)), ['d']);
  await ahead.it.return();
});

test('filters apply to live entries, and a bare id moves Last-Event-ID past what they leave out', async () => {
  const timeline = new RecentTimeline(100);
  const s = open(timeline, { filter: { decision: 'forbid' } });
  const got = s.take((e) => users(e).length >= 1 && e.at(-1)!.type === 'id-only');
  timeline.process([event('x', 'get', 'forbid'), event('y'), event('z', 'list')].map(ready));
  const events = await got;
  assert.deepEqual(users(events), ['x']);
  assert.equal(events.at(-1)!.id, `${timeline.epoch}:3`, 'the cursor moved past y and z');
  await s.it.return();
});

test('a reader that stops reading holds no queue: what the bounded buffer dropped arrives as a gap', async () => {
  const timeline = new RecentTimeline(50);
  const s = open(timeline, { batch: 10 });
  await s.take((e) => e.some((x) => x.type === 'id-only')); // caught up on the (empty) backlog
  // the reader is suspended (not pulling) while 10,000 entries are written: they go to the timeline's own buffer
  for (let i = 0; i < 10_000; i++) timeline.process([event(`u${i}`)].map(ready));
  const events = parse((await s.it.next()).value as string);
  assert.deepEqual(events, [{ type: 'gap', id: undefined, data: { missed: 9950 } }]);
  assert.equal(users(parse((await s.it.next()).value as string)).length, 10, 'each chunk is one batch, read when asked for');
  const rest = await s.take((e) => users(e).length >= 40);
  assert.deepEqual(users(rest).slice(0, 2), ['u9960', 'u9961']);
  assert.equal(users(rest).at(-1), 'u9999');
  await s.it.return();
});

test('a permission taken away (or a session ended) ends the stream with the reason', async () => {
  const timeline = new RecentTimeline(10);
  let verdict: string | undefined;
  const s = open(timeline, { check: async () => verdict });
  await s.take((e) => e.some((x) => x.type === 'id-only'));
  verdict = 'User "alice" cannot get path "/console/api/audit"';
  timeline.process([event('a')].map(ready));
  const events = await s.take(() => false);
  assert.deepEqual(events.map((e) => e.type), ['end']);
  assert.deepEqual(events[0]!.data, { message: verdict });
  assert.equal((await s.it.next()).done, true);
});

test('closing the connection ends the stream and its subscription', async () => {
  const timeline = new RecentTimeline(10);
  let subscribed = 0;
  const source = Object.assign(Object.create(timeline) as RecentTimeline, {
    subscribe(l: () => void) {
      subscribed++;
      const off = timeline.subscribe(l);
      return () => {
        subscribed--;
        off();
      };
    },
  });
  const s = open(source);
  await s.take((e) => e.some((x) => x.type === 'id-only'));
  assert.equal(subscribed, 1);
  const waiting = s.it.next();
  s.ac.abort();
  assert.equal((await waiting).done, true);
  assert.equal(subscribed, 0);
});

test('a log file that cannot be read: a problem event with the reason, the stream stays open, and an empty one once reading works', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-stream-'));
  const logged: string[] = [];
  try {
    const path = join(dir, 'audit.log');
    mkdirSync(path); // reading a directory fails (EISDIR), even as root
    const source = new LogFileTimeline(path, { capacity: 100, tailMs: 10, log: (l) => logged.push(l) });
    const s = open(new RecentTimeline(1), { source });
    const failed = await s.take((e) => e.some((x) => x.type === 'problem'));
    const problem = failed.find((x) => x.type === 'problem')!.data as { message: string };
    assert.match(problem.message, new RegExp(`^cannot read the audit log ${path}: EISDIR`));
    assert.equal(source.problem(), problem.message);
    assert.deepEqual(logged, [`audit timeline: ${problem.message}; the timeline shows what was read before`]);
    const recovered = s.take((e) => users(e).length >= 1 && e.some((x) => x.type === 'problem'));
    rmSync(path, { recursive: true });
    writeFileSync(path, `${JSON.stringify(event('after'))}\n`);
    const got = await recovered;
    assert.deepEqual(users(got), ['after']);
    assert.deepEqual(got.find((x) => x.type === 'problem')!.data, { message: '' });
    assert.equal(logged.at(-1), `audit timeline: reading ${path} works again`);
    await s.it.return();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
