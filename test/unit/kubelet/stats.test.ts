// The node's usage sampling: CPU as a rate between two samples, pods as the sum of their containers, the
// machine's counters from /proc text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuStats, StatsCollector } from '../../../src/kubelet/stats/collector.js';
import { machineMemory, parseMeminfo, parseProcStat } from '../../../src/kubelet/stats/machine-usage.js';
import type { ContainerUsageSample } from '../../../src/kubelet/runtime/types.js';

const sec = 1e9;
const sample = (id: string, pod: string, t: number, cpu: number, ws: number): ContainerUsageSample => ({
  containerId: id, containerName: id, podName: pod, podNamespace: 'ns', podUid: `uid-${pod}`, timestampNs: t * sec, cpuUsageCoreNanoSeconds: cpu, memoryWorkingSetBytes: ws,
});

test('CPU rate: Δ CPU time over Δ time, in nanocores, with the window; none from one sample or a reset counter', () => {
  assert.deepEqual(cpuStats({ older: { timestampNs: 100 * sec, cpuUsageCoreNanoSeconds: 5 * sec }, newer: { timestampNs: 110 * sec, cpuUsageCoreNanoSeconds: 7.5 * sec } }), {
    time: '1970-01-01T00:01:50Z', usageCoreNanoSeconds: 7.5 * sec, usageNanoCores: 250_000_000, windowSeconds: 10,
  });
  assert.equal(cpuStats({ newer: { timestampNs: sec, cpuUsageCoreNanoSeconds: 1 } }).usageNanoCores, undefined);
  assert.equal(cpuStats({ older: { timestampNs: sec, cpuUsageCoreNanoSeconds: 9 * sec }, newer: { timestampNs: 2 * sec, cpuUsageCoreNanoSeconds: 1 } }).usageNanoCores, undefined);
});

test('the collector: pods from their containers, rates after the second sample, vanished containers dropped', async () => {
  let now = 1000_000;
  const rounds: ContainerUsageSample[][] = [
    [sample('a', 'p1', 100, 1 * sec, 1000), sample('b', 'p1', 100, 0, 2000), sample('c', 'p2', 100, 0, 4096)],
    [sample('a', 'p1', 110, 2 * sec, 1100), sample('b', 'p1', 110, 0.5 * sec, 2100)],
  ];
  let round = 0;
  const c = new StatsCollector({
    nodeName: 'n1',
    containers: async () => rounds[round] ?? [],
    machine: async () => ({ timestampNs: (100 + round * 10) * sec, cpuUsageCoreNanoSeconds: (50 + round * 20) * sec, memoryTotalBytes: 8e9, memoryAvailableBytes: 6e9, memoryUsageBytes: 3e9, memoryWorkingSetBytes: 2e9 }),
    now: () => now,
    intervalMs: 10_000,
  });
  const first = await c.summary();
  assert.equal(first.pods.length, 2);
  assert.equal(first.pods[0]?.cpu, undefined, 'no rate from one sample');
  assert.equal(first.node.cpu?.usageNanoCores, undefined);
  round = 1;
  now += 5_000;
  assert.equal((await c.summary()).pods.length, 2, 'a summary within the interval reuses the samples');
  now += 5_000;
  const second = await c.summary();
  assert.deepEqual(second.pods.map((p) => p.podRef.name), ['p1']);
  const p1 = second.pods[0];
  assert.deepEqual(p1?.containers.map((x) => [x.name, x.cpu?.usageNanoCores, x.memory?.workingSetBytes]), [['a', 100_000_000, 1100], ['b', 50_000_000, 2100]]);
  assert.equal(p1?.cpu?.usageNanoCores, 150_000_000);
  assert.equal(p1?.memory?.workingSetBytes, 3200);
  assert.equal(second.node.cpu?.usageNanoCores, 2_000_000_000);
  assert.equal(second.node.memory?.workingSetBytes, 2e9);
});

test('/proc/stat: busy time of all CPUs in nanoseconds (idle and iowait left out)', () => {
  assert.equal(parseProcStat('cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 1 1 1 1\n'), (100 + 5 + 50 + 3 + 2 + 1) * 1e7);
  assert.equal(parseProcStat('intr 1 2\n'), undefined);
});

test('/proc/meminfo: usage is what is not free, the working set leaves inactive file pages out', () => {
  const info = parseMeminfo('MemTotal:       8000 kB\nMemFree:        1000 kB\nMemAvailable:   5000 kB\nInactive(file):  2000 kB\nHugePages_Total:       0\n');
  assert.deepEqual(machineMemory(info), { memoryTotalBytes: 8000 * 1024, memoryAvailableBytes: 5000 * 1024, memoryUsageBytes: 7000 * 1024, memoryWorkingSetBytes: 5000 * 1024 });
  assert.equal(info.get('HugePages_Total'), 0);
  assert.equal(machineMemory(new Map()), undefined);
});
