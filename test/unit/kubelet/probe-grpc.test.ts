// gRPC probes against a real gRPC server on loopback: SERVING passes; NOT_SERVING, an unknown service, a server
// without the health service, a slow answer and a closed port fail with the kubelet's texts; the probe worker
// turns them into Unhealthy messages and a liveness restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { grpcProbe, healthService } from '../../../src/kubelet/probe-grpc.js';
import { probeContainer, runProbe, type ContainerProbes } from '../../../src/kubelet/prober.js';
import type { RuntimeService } from '../../../src/kubelet/runtime/types.js';

interface Health {
  statuses: Record<string, string>;
  delayMs: number;
  seen: { service: string; userAgent: string }[];
}

async function startServer(withHealth: Health | undefined): Promise<{ port: number; stop: () => void }> {
  const server = new grpc.Server();
  if (withHealth) {
    server.addService(healthService().service, {
      Check: (call: grpc.ServerUnaryCall<{ service: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        withHealth.seen.push({ service: call.request.service, userAgent: String(call.metadata.get('user-agent')[0] ?? '') });
        const answer = () => {
          const status = withHealth.statuses[call.request.service];
          if (status === undefined) cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
          else cb(null, { status });
        };
        if (withHealth.delayMs > 0) setTimeout(answer, withHealth.delayMs);
        else answer();
      },
      Watch: (call: grpc.ServerWritableStream<unknown, unknown>) => call.end(),
    });
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, stop: () => server.forceShutdown() };
}

test('grpc probe: SERVING passes, the service name and kube-probe user agent are sent; other answers fail with the kubelet\'s texts', async (t) => {
  const health: Health = { statuses: { '': 'SERVING', db: 'NOT_SERVING', cache: 'SERVICE_UNKNOWN' }, delayMs: 0, seen: [] };
  const srv = await startServer(health);
  t.after(srv.stop);
  // Generous deadlines where the answer is not about time: a loaded machine may take a while to connect.
  assert.deepEqual(await grpcProbe('127.0.0.1', srv.port, '', 10_000), { ok: true, output: 'service healthy' });
  assert.equal(health.seen[0]?.service, '');
  assert.match(health.seen[0]?.userAgent ?? '', /^kube-probe\/1\.32/);
  assert.deepEqual(await grpcProbe('127.0.0.1', srv.port, 'db', 10_000), { ok: false, output: 'service unhealthy (responded with "NOT_SERVING")' });
  assert.deepEqual(await grpcProbe('127.0.0.1', srv.port, 'cache', 10_000), { ok: false, output: 'service unhealthy (responded with "SERVICE_UNKNOWN")' });
  assert.deepEqual(await grpcProbe('127.0.0.1', srv.port, 'other', 10_000), {
    ok: false,
    output: 'error: health rpc probe failed: rpc error: code = NotFound desc = unknown service',
  });
  health.delayMs = 6000;
  assert.deepEqual(await grpcProbe('127.0.0.1', srv.port, '', 3000), { ok: false, output: 'timeout: health rpc did not complete within 3s' });
});

test('grpc probe: a server without the health service, and a port nobody listens on', async (t) => {
  const bare = await startServer(undefined);
  t.after(bare.stop);
  const r = await grpcProbe('127.0.0.1', bare.port, '', 10_000);
  assert.equal(r.ok, false);
  assert.match(r.output, /^error: this server does not implement the grpc health protocol \(grpc\.health\.v1\.Health\): /);
  // A port that was just freed: connection refused until the deadline.
  const gone = await startServer(undefined);
  gone.stop();
  const started = Date.now();
  const closed = await grpcProbe('127.0.0.1', gone.port, '', 1000);
  assert.deepEqual(closed, { ok: false, output: `timeout: failed to connect service "127.0.0.1:${gone.port}" within 1s: context deadline exceeded` });
  assert.ok(Date.now() - started < 3000, 'the probe ends at its deadline');
});

test('probe worker: a grpc liveness probe at the pod IP restarts the container after failureThreshold, readiness follows SERVING', async (t) => {
  const health: Health = { statuses: { '': 'SERVING', ready: 'NOT_SERVING' }, delayMs: 0, seen: [] };
  const srv = await startServer(health);
  t.after(srv.stop);
  const container = {
    livenessProbe: { grpc: { port: srv.port }, periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 10 },
    readinessProbe: { grpc: { port: srv.port, service: 'ready' }, periodSeconds: 1, timeoutSeconds: 10 },
  };
  const target = { runtime: {} as RuntimeService, containerId: 'c', podIP: '127.0.0.1', container };
  const state: ContainerProbes = { containerId: 'c', startedAt: 0, tracks: {} };
  let out = await probeContainer(state, target, 0);
  assert.equal(out.restart, undefined);
  assert.equal(out.ready, false);
  assert.deepEqual(out.unhealthy, ['Readiness probe failed: service unhealthy (responded with "NOT_SERVING")']);
  health.statuses['ready'] = 'SERVING';
  health.statuses[''] = 'NOT_SERVING';
  out = await probeContainer(state, target, 1000);
  assert.equal(out.ready, true);
  assert.equal(out.restart, undefined, 'one failure is below the threshold');
  out = await probeContainer(state, target, 2000);
  assert.deepEqual(out.restart, { kind: 'liveness', output: 'Liveness probe failed: service unhealthy (responded with "NOT_SERVING")' });
  assert.deepEqual(await runProbe({ grpc: { port: 0 } }, target), { ok: false, output: 'invalid grpc port 0' });
});
