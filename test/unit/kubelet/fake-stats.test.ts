// The simulated runtime's pretend usage: half the requests (or the a-kube.io/fake-*-usage annotations), CPU time
// accruing at that rate, so the stats collector reports exactly that rate; the node's line sums its containers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/client/workqueue.js';
import { FakeRuntime, simulatedUsage } from '../../../src/kubelet/runtime/fake.js';
import { StatsCollector } from '../../../src/kubelet/stats/collector.js';

const MiB = 1024 * 1024;

test('simulatedUsage: half the requests, the annotations first, small defaults without requests', () => {
  assert.deepEqual(simulatedUsage({ annotations: {}, requests: { cpu: '200m', memory: '128Mi' } }), { nanoCores: 100_000_000, memoryBytes: 64 * MiB });
  assert.deepEqual(simulatedUsage({ annotations: { 'a-kube.io/fake-cpu-usage': '1.5', 'a-kube.io/fake-memory-usage': '1Gi' }, requests: { cpu: '200m' } }), { nanoCores: 1_500_000_000, memoryBytes: 1024 * MiB });
  assert.deepEqual(simulatedUsage({ annotations: {} }), { nanoCores: 1_000_000, memoryBytes: 8 * MiB });
  assert.deepEqual(simulatedUsage({ annotations: { 'a-kube.io/fake-cpu-usage': 'lots' }, requests: { cpu: '1' } }), { nanoCores: 500_000_000, memoryBytes: 8 * MiB }, 'a bad annotation is ignored');
});

test('containerStats and machineSample give the collector a steady rate; exited containers keep the node counter rising', async () => {
  const clock = new FakeClock(Date.UTC(2024, 4, 1));
  const rt = new FakeRuntime({ podCIDR: '10.244.0.0/24', clock, memoryBytes: 4096 * MiB });
  const sb = await rt.createPodSandbox({ name: 'web', namespace: 'ns', uid: 'u1', attempt: 0, labels: {}, annotations: {}, hostname: 'web' } as never);
  const base = { command: [], args: [], env: [], attempt: 0, labels: {}, image: 'nginx' };
  const a = await rt.createContainer(sb, { ...base, name: 'a', annotations: {}, requests: { cpu: '400m', memory: '256Mi' } });
  const b = await rt.createContainer(sb, { ...base, name: 'b', annotations: { 'a-kube.io/fake-cpu-usage': '50m' } });
  await rt.startContainer(a);
  await rt.startContainer(b);
  const collector = new StatsCollector({ nodeName: 'n', containers: () => rt.containerStats(), machine: () => rt.machineSample(), now: () => clock.now() });
  await collector.sample();
  clock.advance(10_000);
  await collector.sample();
  const s = collector.current();
  const pod = s.pods[0];
  assert.deepEqual(pod?.podRef, { name: 'web', namespace: 'ns', uid: 'u1' });
  assert.deepEqual(pod?.containers.map((c) => [c.name, c.cpu?.usageNanoCores, c.memory?.workingSetBytes]), [['a', 200_000_000, 128 * MiB], ['b', 50_000_000, 8 * MiB]]);
  assert.equal(pod?.cpu?.usageNanoCores, 250_000_000);
  // Node: containers + 100m overhead; memory containers + 256Mi.
  assert.equal(s.node.cpu?.usageNanoCores, 350_000_000);
  assert.equal(s.node.memory?.workingSetBytes, (128 + 8 + 256) * MiB);
  assert.equal(s.node.memory?.availableBytes, (4096 - 392) * MiB);

  // Epoch nanoseconds do not fit a double exactly; the rate over an odd window still comes out exact.
  clock.advance(10_007);
  await collector.sample();
  assert.equal(collector.current().pods[0]?.containers[0]?.cpu?.usageNanoCores, 200_000_000);

  await rt.stopContainer(a);
  const before = (await rt.machineSample()).cpuUsageCoreNanoSeconds;
  clock.advance(1000);
  const after = (await rt.machineSample()).cpuUsageCoreNanoSeconds;
  assert.ok(after >= before, 'the node counter never goes back when a container exits');
  assert.equal(after - before, 150_000_000, 'b (50m) and the overhead (100m) for one second');
  assert.deepEqual((await rt.containerStats()).map((c) => c.containerName), ['b'], 'only running containers are listed');
});
