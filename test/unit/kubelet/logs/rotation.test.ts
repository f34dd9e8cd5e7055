// The container log manager's policy with a fake runtime (containers, log paths, ReopenContainerLog that writes a
// new file as containerd does, or fails) and a fake clock, on log files in a temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FakeClock } from '../../../../src/client/workqueue.js';
import { rotateContainerLogs, runContainerLogManager, type ContainerLogRuntime } from '../../../../src/kubelet/logs/manager.js';
import { defaultLogRotationPolicy, parseLogRotationFlags } from '../../../../src/kubelet/logs/policy.js';
import { rotationStamp } from '../../../../src/kubelet/logs/rotate.js';
import type { ContainerState, ContainerStatus } from '../../../../src/kubelet/runtime/types.js';

interface FakeContainer {
  id: string;
  state: ContainerState;
  logPath: string;
}

/** A runtime whose ReopenContainerLog creates an empty file at the log path (as containerd does) unless told to fail. */
class FakeRuntime implements ContainerLogRuntime {
  containers: FakeContainer[] = [];
  reopened: string[] = [];
  failReopen = false;
  async listContainers(): Promise<ContainerStatus[]> {
    return this.containers.map((c) => ({ id: c.id, sandboxId: 's', name: c.id, attempt: 0, state: c.state, createdAt: 0, image: '', imageRef: '' }));
  }
  async containerStatus(id: string): Promise<ContainerStatus> {
    const c = this.containers.find((x) => x.id === id);
    if (!c) throw new Error(`no container ${id}`);
    return { id, sandboxId: 's', name: id, attempt: 0, state: c.state, createdAt: 0, image: '', imageRef: '', logPath: c.logPath };
  }
  async reopenContainerLog(id: string): Promise<void> {
    this.reopened.push(id);
    if (this.failReopen) throw new Error('rpc error: code = Unknown desc = failed to create and open log file');
    const c = this.containers.find((x) => x.id === id);
    if (!c) throw new Error(`no container ${id}`);
    writeFileSync(c.logPath, '', { flag: 'a' });
  }
}

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'akube-logrotate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'main'));
  const logPath = join(dir, 'main', '0.log');
  const runtime = new FakeRuntime();
  runtime.containers.push({ id: 'c1', state: 'running', logPath });
  const clock = new FakeClock(Date.parse('2026-12-03T07:15:00Z'));
  const lines: string[] = [];
  return { dir, logPath, runtime, clock, lines, log: (l: string) => lines.push(l) };
}

const line = (n: number) => `2026-12-03T07:15:00.000000000Z stdout F line ${n} ${'x'.repeat(40)}\n`;
const files = (dir: string) => readdirSync(join(dir, 'main')).sort();

test('parseLogRotationFlags: the kubelet\'s defaults, sizes as quantities, at least two files', () => {
  assert.deepEqual(parseLogRotationFlags(undefined, undefined), { maxSizeBytes: 10 * 1024 * 1024, maxFiles: 5 });
  assert.deepEqual(defaultLogRotationPolicy, { maxSizeBytes: 10 * 1024 * 1024, maxFiles: 5 });
  assert.deepEqual(parseLogRotationFlags('500Ki', '2'), { maxSizeBytes: 500 * 1024, maxFiles: 2 });
  assert.deepEqual(parseLogRotationFlags('1M', undefined), { maxSizeBytes: 1_000_000, maxFiles: 5 });
  for (const [size, count] of [['0', undefined], ['-1Mi', undefined], ['10Mx', undefined], ['', undefined], [undefined, '1'], [undefined, '0'], [undefined, '2.5'], [undefined, 'five'], [undefined, '-3']] as const) {
    const r = parseLogRotationFlags(size, count);
    assert.ok('error' in r, `${String(size)} ${String(count)} should be refused`);
    assert.match(r.error, size !== undefined ? /^invalid --container-log-max-size "/ : /^invalid --container-log-max-files "/);
  }
});

test('a log below the size is left alone and the runtime is not asked to reopen it', async (t) => {
  const s = setup(t);
  writeFileSync(s.logPath, line(1));
  const rotated = await rotateContainerLogs({ runtime: s.runtime, policy: { maxSizeBytes: 1024, maxFiles: 3 }, clock: s.clock, log: s.log });
  assert.deepEqual(rotated, []);
  assert.deepEqual(s.runtime.reopened, []);
  assert.deepEqual(files(s.dir), ['0.log']);
});

test('a log at the size is renamed to <log>.<UTC stamp>, and the runtime writes a new file at the path', async (t) => {
  const s = setup(t);
  const content = Array.from({ length: 30 }, (_, i) => line(i)).join('');
  writeFileSync(s.logPath, content);
  assert.deepEqual(await rotateContainerLogs({ runtime: s.runtime, policy: { maxSizeBytes: 1024, maxFiles: 3 }, clock: s.clock }), ['c1']);
  assert.deepEqual(s.runtime.reopened, ['c1']);
  assert.equal(rotationStamp(s.clock.now()), '20261203-071500');
  assert.deepEqual(files(s.dir), ['0.log', '0.log.20261203-071500']);
  assert.equal(readFileSync(`${s.logPath}.20261203-071500`, 'utf8'), content);
  assert.equal(readFileSync(s.logPath, 'utf8'), '');
});

test('over many rotations: at most maxFiles files, the newest rotated one plain, older ones gzip-compressed, the oldest removed', async (t) => {
  const s = setup(t);
  const policy = { maxSizeBytes: 512, maxFiles: 4 };
  const written: string[] = [];
  for (let round = 0; round < 6; round++) {
    const content = Array.from({ length: 12 }, (_, i) => line(round * 100 + i)).join('');
    writeFileSync(s.logPath, content, { flag: 'a' });
    written.push(content);
    assert.deepEqual(await rotateContainerLogs({ runtime: s.runtime, policy, clock: s.clock }), ['c1']);
    s.clock.advance(10_000);
  }
  // Rotated at 07:15:00, :10, :20, :30, :40, :50; kept: the file written now, :50 plain, :40 and :30 compressed.
  assert.deepEqual(files(s.dir), ['0.log', '0.log.20261203-071530.gz', '0.log.20261203-071540.gz', '0.log.20261203-071550']);
  assert.equal(gunzipSync(readFileSync(`${s.logPath}.20261203-071530.gz`)).toString(), written[3]);
  assert.equal(gunzipSync(readFileSync(`${s.logPath}.20261203-071540.gz`)).toString(), written[4]);
  assert.equal(readFileSync(`${s.logPath}.20261203-071550`, 'utf8'), written[5]);
  // With two files, only the current one and the newest rotated one remain.
  writeFileSync(s.logPath, written[0] ?? '');
  await rotateContainerLogs({ runtime: s.runtime, policy: { maxSizeBytes: 512, maxFiles: 2 }, clock: s.clock });
  assert.deepEqual(files(s.dir), ['0.log', '0.log.20261203-071600']);
});

test('a failed reopen gives the file its name back, so no line is lost and the next round tries again', async (t) => {
  const s = setup(t);
  const content = Array.from({ length: 30 }, (_, i) => line(i)).join('');
  writeFileSync(s.logPath, content);
  s.runtime.failReopen = true;
  const policy = { maxSizeBytes: 1024, maxFiles: 3 };
  assert.deepEqual(await rotateContainerLogs({ runtime: s.runtime, policy, clock: s.clock, log: s.log }), []);
  assert.deepEqual(files(s.dir), ['0.log']);
  assert.equal(readFileSync(s.logPath, 'utf8'), content);
  assert.match(s.lines.join('\n'), /container log rotation of c1: reopening the log of container c1: rpc error: code = Unknown desc = failed to create and open log file/);
  s.runtime.failReopen = false;
  s.clock.advance(10_000);
  assert.deepEqual(await rotateContainerLogs({ runtime: s.runtime, policy, clock: s.clock, log: s.log }), ['c1']);
  assert.deepEqual(files(s.dir), ['0.log', '0.log.20261203-071510']);
});

test('a missing log (lost in a rotation whose reopen failed) is recovered by reopening it', async (t) => {
  const s = setup(t);
  const policy = { maxSizeBytes: 1024, maxFiles: 3 };
  s.runtime.failReopen = true;
  await rotateContainerLogs({ runtime: s.runtime, policy, clock: s.clock, log: s.log });
  assert.match(s.lines.join('\n'), /the log .*0\.log of container c1 is missing and reopening it failed/);
  assert.ok(!existsSync(s.logPath));
  s.runtime.failReopen = false;
  assert.deepEqual(await rotateContainerLogs({ runtime: s.runtime, policy, clock: s.clock, log: s.log }), []);
  assert.ok(existsSync(s.logPath));
  assert.match(s.lines.at(-1) ?? '', /container log of c1 was missing; the runtime reopened it/);
});

test('only running containers are rotated; one container\'s failure does not stop the others', async (t) => {
  const s = setup(t);
  const big = Array.from({ length: 30 }, (_, i) => line(i)).join('');
  const exited = join(s.dir, 'main', '1.log');
  writeFileSync(exited, big);
  s.runtime.containers.unshift({ id: 'gone', state: 'running', logPath: join(s.dir, 'nowhere', '0.log') });
  s.runtime.containers.push({ id: 'c0', state: 'exited', logPath: exited });
  writeFileSync(s.logPath, big);
  const origReopen = s.runtime.reopenContainerLog.bind(s.runtime);
  s.runtime.reopenContainerLog = async (id) => {
    if (id === 'gone') throw new Error('container "gone" is not running');
    return origReopen(id);
  };
  assert.deepEqual(await rotateContainerLogs({ runtime: s.runtime, policy: { maxSizeBytes: 1024, maxFiles: 3 }, clock: s.clock, log: s.log }), ['c1']);
  assert.deepEqual(files(s.dir), ['0.log', '0.log.20261203-071500', '1.log']);
  assert.match(s.lines.join('\n'), /container log rotation of gone: .*is missing and reopening it failed: container "gone" is not running/);
});

test('leftovers of an interrupted compression are removed; two rotations within a second get distinct names', async (t) => {
  const s = setup(t);
  const big = Array.from({ length: 30 }, (_, i) => line(i)).join('');
  writeFileSync(`${s.logPath}.20261203-071400`, 'plain copy of a compressed file');
  writeFileSync(`${s.logPath}.20261203-071400.gz`, 'compressed');
  writeFileSync(`${s.logPath}.20261203-071410.tmp`, 'half written');
  writeFileSync(s.logPath, big);
  const policy = { maxSizeBytes: 1024, maxFiles: 5 };
  await rotateContainerLogs({ runtime: s.runtime, policy, clock: s.clock });
  assert.deepEqual(files(s.dir), ['0.log', '0.log.20261203-071400.gz', '0.log.20261203-071500']);
  writeFileSync(s.logPath, big);
  await rotateContainerLogs({ runtime: s.runtime, policy, clock: s.clock });
  assert.deepEqual(files(s.dir), ['0.log', '0.log.20261203-071400.gz', '0.log.20261203-071500-1', '0.log.20261203-071500.gz']);
  assert.equal(gunzipSync(readFileSync(`${s.logPath}.20261203-071500.gz`)).toString(), big);
});

test('the manager looks every 10 s until its signal aborts', async (t) => {
  const s = setup(t);
  writeFileSync(s.logPath, Array.from({ length: 30 }, (_, i) => line(i)).join(''));
  const ac = new AbortController();
  const running = runContainerLogManager({ runtime: s.runtime, policy: { maxSizeBytes: 1024, maxFiles: 3 }, clock: s.clock }, ac.signal);
  const settle = () => new Promise((r) => setTimeout(r, 50));
  s.clock.advance(9_999);
  await settle();
  assert.deepEqual(s.runtime.reopened, []);
  s.clock.advance(1);
  await settle();
  assert.deepEqual(s.runtime.reopened, ['c1']);
  ac.abort();
  await running;
});
