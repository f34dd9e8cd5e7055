// Probes: exec through the runtime, httpGet and tcpSocket against a local server; schedules and thresholds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { probeContainer, runProbe, type ContainerProbes } from '../../../src/kubelet/prober.js';
import type { RuntimeService } from '../../../src/kubelet/runtime/types.js';

function runtimeWith(exitCodes: number[]): RuntimeService {
  return {
    execSync: async () => ({ exitCode: exitCodes.shift() ?? 0, stdout: Buffer.from('out'), stderr: Buffer.alloc(0) }),
  } as unknown as RuntimeService;
}

test('httpGet: 2xx/3xx pass, others fail with the kubelet\'s message; tcpSocket connects; named ports resolve', async (t) => {
  let code = 200;
  const srv = createServer((req, res) => {
    res.statusCode = req.headers['user-agent']?.startsWith('kube-probe/') ? code : 400;
    res.end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => srv.close());
  const port = (srv.address() as AddressInfo).port;
  const target = { runtime: runtimeWith([]), containerId: 'c', podIP: '127.0.0.1', container: { ports: [{ name: 'http', containerPort: port }] } };
  assert.deepEqual(await runProbe({ httpGet: { port: 'http', path: '/healthz' } }, target), { ok: true, output: '' });
  code = 503;
  assert.deepEqual(await runProbe({ httpGet: { port, path: '/healthz' } }, target), { ok: false, output: 'HTTP probe failed with statuscode: 503' });
  assert.equal((await runProbe({ tcpSocket: { port } }, target)).ok, true);
  const closed = await runProbe({ tcpSocket: { port: 1 } }, target);
  assert.equal(closed.ok, false);
  assert.match(closed.output, /^dial tcp 127\.0\.0\.1:1: /);
});

test('liveness: fails only after failureThreshold consecutive failures, each period; readiness gates Ready', async () => {
  const state: ContainerProbes = { containerId: 'c', startedAt: 0, tracks: {} };
  const container = { livenessProbe: { exec: { command: ['check'] }, periodSeconds: 5, failureThreshold: 2 }, readinessProbe: { exec: { command: ['ready'] }, initialDelaySeconds: 3, periodSeconds: 5 } };
  // Calls alternate liveness, readiness as they come due.
  const rt = runtimeWith([1, 1, 0, 1]);
  const target = { runtime: rt, containerId: 'c', podIP: '10.0.0.1', container };
  let out = await probeContainer(state, target, 0);
  assert.equal(out.restart, undefined, 'one failure is below the threshold');
  assert.equal(out.ready, false, 'not ready before the readiness probe has passed');
  assert.deepEqual(out.unhealthy, ['Liveness probe failed: out']);
  assert.equal(out.nextInMs, 3000);
  out = await probeContainer(state, target, 3000);
  assert.equal(out.ready, false);
  assert.deepEqual(out.unhealthy, ['Readiness probe failed: out']);
  out = await probeContainer(state, target, 5000);
  assert.equal(out.restart, undefined, 'liveness passed again');
  out = await probeContainer(state, target, 8000);
  assert.equal(out.ready, false);
});

test('startup probe: liveness waits for it; failing past its threshold restarts', async () => {
  const state: ContainerProbes = { containerId: 'c', startedAt: 0, tracks: {} };
  const container = { startupProbe: { exec: { command: ['s'] }, periodSeconds: 1, failureThreshold: 2 }, livenessProbe: { exec: { command: ['l'] } } };
  const target = { runtime: runtimeWith([1, 1]), containerId: 'c', podIP: '', container };
  let out = await probeContainer(state, target, 0);
  assert.equal(out.started, false);
  assert.equal(out.restart, undefined);
  out = await probeContainer(state, target, 1000);
  assert.deepEqual(out.restart?.kind, 'startup');
});
