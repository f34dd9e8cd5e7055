// Pod garbage collection against `a-kube up --runtime fake --terminated-pod-gc-threshold 1`, with the real kubectl:
// terminated pods beyond the threshold go oldest first, and a pod bound to a node that never existed is deleted
// once the quarantine has passed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectl, hasKubectl, startCluster, type Cluster } from './harness.js';

let cluster: Cluster;

function ok(args: string[], input?: string): string {
  const r = kubectl(cluster, args, input === undefined ? {} : { input });
  assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const podNames = (selector: string) => ok(['get', 'pods', '-l', selector, '-o', 'jsonpath={.items[*].metadata.name}']).split(' ').filter(Boolean).sort();

before(async () => {
  if (!hasKubectl) return;
  cluster = await startCluster({ args: ['--runtime', 'fake', '--terminated-pod-gc-threshold', '1'] });
});

after(async () => {
  await cluster?.cleanup();
});

const opts = { skip: hasKubectl ? false : 'kubectl is not on the PATH' };

const pod = (name: string, extra: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { podgc: 'e2e' } }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra } });

test('terminated pods beyond --terminated-pod-gc-threshold are deleted, oldest first', opts, async () => {
  // Never scheduled (no node matches), then marked Succeeded through the status subresource.
  for (const name of ['done-1', 'done-2', 'done-3']) {
    ok(['create', '-f', '-'], pod(name, { nodeSelector: { 'podgc.e2e/none': 'x' } }));
    ok(['patch', 'pod', name, '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Succeeded"}}']);
    // creation timestamps have a resolution of one second
    await new Promise((r) => setTimeout(r, 1100));
  }
  await until('two terminated pods collected', () => podNames('podgc=e2e').length === 1, 60_000);
  assert.deepEqual(podNames('podgc=e2e'), ['done-3']);
  ok(['delete', 'pod', 'done-3', '--wait=false']);
});

test('a pod bound to a node that does not exist is deleted after the quarantine', opts, async () => {
  ok(['create', '-f', '-'], pod('orphan', { nodeName: 'no-such-node' }));
  assert.deepEqual(podNames('podgc=e2e'), ['orphan']);
  await until('the orphaned pod collected', () => podNames('podgc=e2e').length === 0, 120_000);
});
