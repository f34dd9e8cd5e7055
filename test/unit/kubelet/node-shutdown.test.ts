// The node's shutdown without --keep-pods: the plan (which pods in which step, with what grace period), the two
// steps in order within the budget, a step that hangs given up after its period, and the clean-up that removes
// every sandbox of this node (known or not) and leaves other nodes' alone; the flags and the bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import { isCriticalPod, planShutdown, shutDownNode, type NodeShutdownDeps } from '../../../src/kubelet/node-shutdown.js';
import { nodeLabel, type PodRecord } from '../../../src/kubelet/pod-sync.js';
import type { ContainerStatus, PodSandboxStatus } from '../../../src/kubelet/runtime/types.js';
import { cleanupSeconds, killMarginSeconds, parseShutdownGracePeriodFlags, shutdownBoundMs } from '../../../src/kubelet/shutdown-periods.js';

function pod(name: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', uid: `u-${name}`, ...metadata }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }], ...spec } } as KubeObject;
}

const periods = { totalSeconds: 30, criticalPodsSeconds: 10 };

test('the plan: regular pods within the budget less the critical part, critical pods last within theirs, each capped by its own grace period', () => {
  const steps = planShutdown(
    [
      { key: 'ns/default-grace', pod: pod('default-grace') },
      { key: 'ns/short', pod: pod('short', { terminationGracePeriodSeconds: 3 }) },
      { key: 'ns/long', pod: pod('long', { terminationGracePeriodSeconds: 600 }) },
      { key: 'ns/deleting', pod: pod('deleting', { terminationGracePeriodSeconds: 600 }, { deletionGracePeriodSeconds: 1 }) },
      { key: 'ns/gone', pod: undefined },
      { key: 'kube-system/dns', pod: pod('dns', { priority: 2_000_000_000, terminationGracePeriodSeconds: 30 }) },
      { key: 'kube-system/agent', pod: pod('agent', { priorityClassName: 'system-node-critical', terminationGracePeriodSeconds: 5 }) },
    ],
    periods,
  );
  assert.deepEqual(steps, [
    {
      critical: false,
      periodSeconds: 20,
      pods: [
        { key: 'ns/default-grace', graceSeconds: 20 },
        { key: 'ns/short', graceSeconds: 3 },
        { key: 'ns/long', graceSeconds: 20 },
        { key: 'ns/deleting', graceSeconds: 1 },
        { key: 'ns/gone', graceSeconds: 0 },
      ],
    },
    { critical: true, periodSeconds: 10, pods: [{ key: 'kube-system/dns', graceSeconds: 10 }, { key: 'kube-system/agent', graceSeconds: 5 }] },
  ]);
  assert.deepEqual(planShutdown([{ key: 'ns/a', pod: pod('a') }], periods).map((s) => s.critical), [false]);
  assert.deepEqual(planShutdown([], periods), []);
});

test('critical pods: by priority when it is set, else by the system priority class names', () => {
  const cases: [string, KubeObject | undefined, boolean][] = [
    ['no priority', pod('a'), false],
    ['priority 1000', pod('a', { priority: 1000 }), false],
    ['system-cluster-critical priority', pod('a', { priority: 2_000_000_000 }), true],
    ['system-node-critical priority', pod('a', { priority: 2_000_001_000 }), true],
    ['class name only', pod('a', { priorityClassName: 'system-cluster-critical' }), true],
    ['a priority below the class name wins', pod('a', { priority: 0, priorityClassName: 'system-node-critical' }), false],
    ['no pod', undefined, false],
  ];
  for (const [name, p, want] of cases) assert.equal(isCriticalPod(p), want, name);
});

/** A runtime holding sandboxes and containers in memory; stops and removals are recorded. */
class RecordingRuntime {
  sandboxes: PodSandboxStatus[] = [];
  containers: ContainerStatus[] = [];
  calls: string[] = [];
  async listPodSandboxes(): Promise<PodSandboxStatus[]> {
    return this.sandboxes;
  }
  async listContainers(f: { sandboxId?: string } = {}): Promise<ContainerStatus[]> {
    return this.containers.filter((c) => !f.sandboxId || c.sandboxId === f.sandboxId);
  }
  async stopContainer(id: string, timeout: number): Promise<void> {
    this.calls.push(`stopContainer ${id} ${timeout}`);
    for (const c of this.containers) if (c.id === id) c.state = 'exited';
  }
  async stopPodSandbox(id: string): Promise<void> {
    this.calls.push(`stopPodSandbox ${id}`);
  }
  async removePodSandbox(id: string): Promise<void> {
    this.calls.push(`removePodSandbox ${id}`);
    this.sandboxes = this.sandboxes.filter((s) => s.id !== id);
    this.containers = this.containers.filter((c) => c.sandboxId !== id);
  }
  add(name: string, node: string): PodRecord {
    const config = { name, namespace: 'ns', uid: `u-${name}`, attempt: 0, hostname: name, labels: { [nodeLabel]: node }, annotations: {} };
    this.sandboxes.push({ id: `sb-${name}`, state: 'ready', ip: '', createdAt: 0, config });
    this.containers.push({ id: `c-${name}`, sandboxId: `sb-${name}`, name: 'c', attempt: 0, state: 'running', createdAt: 0, image: 'busybox', imageRef: 'busybox' });
    return { uid: `u-${name}`, sandboxId: `sb-${name}`, sandboxConfig: config, startTime: 0, containers: new Map(), init: new Map() };
  }
}

function deps(runtime: RecordingRuntime, clock: FakeClock, pods: KubeObject[], stopContainers: NodeShutdownDeps['stopContainers']): NodeShutdownDeps & { lines: string[]; removedFiles: string[] } {
  const lines: string[] = [];
  const removedFiles: string[] = [];
  const records = new Map<string, PodRecord>();
  for (const p of pods) records.set(`ns/${p.metadata.name}`, runtime.add(p.metadata.name ?? '', 'node-1'));
  const byKey = new Map(pods.map((p) => [`ns/${p.metadata.name}`, p]));
  return { nodeName: 'node-1', runtime, records, pods: { get: (k) => byKey.get(k) }, stopContainers, removeFiles: (p) => removedFiles.push(p.uid), clock, log: (l) => lines.push(l), lines, removedFiles };
}

/** Lets pending promise callbacks run (the fake clock fires timers only when advanced). */
const settle = () => new Promise((r) => setImmediate(r));

test('regular pods are stopped first, critical ones after them, each with its grace period; then every sandbox goes', async () => {
  const runtime = new RecordingRuntime();
  const clock = new FakeClock();
  const order: string[] = [];
  const d = deps(runtime, clock, [pod('web', { terminationGracePeriodSeconds: 60 }), pod('dns', { priority: 2_000_000_000 })], async (rec, grace) => {
    order.push(`${rec.sandboxConfig.name} ${grace}`);
    await runtime.stopContainer(`c-${rec.sandboxConfig.name}`, grace);
  });
  const r = await shutDownNode(d, periods);
  assert.deepEqual(order, ['web 20', 'dns 10']);
  assert.deepEqual(r, { removed: 2, left: [] });
  assert.deepEqual(runtime.sandboxes, []);
  assert.equal(d.records.size, 0);
  assert.deepEqual(d.removedFiles.sort(), ['u-dns', 'u-web']);
  assert.match(d.lines[0] ?? '', /^node node-1: stopping 2 pods \(1 pod within 20s, then 1 critical pod within 10s; budget 30s\)$/);
  assert.match(d.lines.at(-1) ?? '', /removed 2 sandboxes with their volumes and logs$/);
});

test('a step whose stops hang is given up after its period and the margin; the sandboxes are removed all the same', async () => {
  const runtime = new RecordingRuntime();
  const clock = new FakeClock();
  const d = deps(runtime, clock, [pod('stuck')], () => new Promise<void>(() => {}));
  let done = false;
  const shutdown = shutDownNode(d, { totalSeconds: 6, criticalPodsSeconds: 2 }).then((r) => {
    done = true;
    return r;
  });
  await settle();
  clock.advance((4 + killMarginSeconds) * 1000 - 1);
  await settle();
  assert.equal(done, false, 'still inside the step\'s period and margin');
  clock.advance(1);
  const r = await shutdown;
  assert.deepEqual(r, { removed: 1, left: [] });
  assert.deepEqual(runtime.calls, ['stopPodSandbox sb-stuck', 'removePodSandbox sb-stuck']);
  assert.ok(d.lines.some((l) => /1 pod not stopped after 9\.0s; removing their sandboxes/.test(l)), d.lines.join('\n'));
});

test('a clean-up that hangs ends after its own bound and says what it left', async () => {
  const runtime = new RecordingRuntime();
  const clock = new FakeClock();
  const d = deps(runtime, clock, [pod('a')], async () => {});
  runtime.stopPodSandbox = () => new Promise<void>(() => {});
  const shutdown = shutDownNode(d, periods);
  await settle();
  clock.advance(cleanupSeconds * 1000);
  const r = await shutdown;
  assert.deepEqual(r, { removed: 0, left: [`clean-up unfinished after ${cleanupSeconds}s`] });
});

test('sandboxes of this node the agent did not know are stopped and removed; other nodes\' are left alone', async () => {
  const runtime = new RecordingRuntime();
  const clock = new FakeClock();
  const d = deps(runtime, clock, [], async () => {});
  runtime.add('late', 'node-1');
  runtime.add('elsewhere', 'node-2');
  const r = await shutDownNode(d, periods);
  assert.deepEqual(r, { removed: 1, left: [] });
  assert.deepEqual(runtime.calls, ['stopContainer c-late 0', 'stopPodSandbox sb-late', 'removePodSandbox sb-late']);
  assert.deepEqual(runtime.sandboxes.map((s) => s.id), ['sb-elsewhere']);
  assert.deepEqual(d.removedFiles, ['u-late']);
});

test('a failing removal is reported and the others go on', async () => {
  const runtime = new RecordingRuntime();
  const d = deps(runtime, new FakeClock(), [pod('a'), pod('b')], async () => {});
  const remove = runtime.removePodSandbox.bind(runtime);
  runtime.removePodSandbox = async (id) => {
    if (id === 'sb-a') throw new Error('device or resource busy');
    return remove(id);
  };
  const r = await shutDownNode(d, periods);
  assert.equal(r.removed, 1);
  assert.match(r.left.join('\n'), /^ns\/a \(sb-a\): device or resource busy/m);
});

test('the flags: durations in whole seconds, the critical part a third of the budget by default and never longer than it', () => {
  const cases: [string | undefined, string | undefined, ReturnType<typeof parseShutdownGracePeriodFlags>][] = [
    [undefined, undefined, { totalSeconds: 30, criticalPodsSeconds: 10 }],
    ['1m', undefined, { totalSeconds: 60, criticalPodsSeconds: 20 }],
    ['8s', undefined, { totalSeconds: 8, criticalPodsSeconds: 2 }],
    ['6s', '2s', { totalSeconds: 6, criticalPodsSeconds: 2 }],
    ['0s', undefined, { totalSeconds: 0, criticalPodsSeconds: 0 }],
    ['10s', '0', { totalSeconds: 10, criticalPodsSeconds: 0 }],
    ['10s', '11s', { error: 'invalid --shutdown-grace-period-critical-pods "11s": it is part of --shutdown-grace-period (10s) and may not be longer' }],
    ['1.5s', undefined, { error: 'invalid --shutdown-grace-period "1.5s": use whole seconds from 0s to 24h' }],
    ['-5s', undefined, { error: 'invalid --shutdown-grace-period "-5s": use whole seconds from 0s to 24h' }],
    ['soon', undefined, { error: 'invalid --shutdown-grace-period "soon": time: invalid duration "soon"; use a duration such as 30s or 2m' }],
  ];
  for (const [total, critical, want] of cases) assert.deepEqual(parseShutdownGracePeriodFlags(total, critical), want, `${total} ${critical}`);
  // Both steps with their margins, then the clean-up.
  assert.equal(shutdownBoundMs({ totalSeconds: 30, criticalPodsSeconds: 10 }), (30 + 2 * killMarginSeconds + cleanupSeconds) * 1000);
});
