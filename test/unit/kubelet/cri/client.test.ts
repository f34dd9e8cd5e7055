// The CRI client against an in-process gRPC server on a unix socket serving the same proto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CriClient, CriError, criProtoPath, isCriNotFound } from '../../../../src/kubelet/cri/client.js';

type Handler = (call: { request: Record<string, unknown> }, cb: (err: Partial<grpc.ServiceError> | null, res?: unknown) => void) => void;

async function serve(runtime: Record<string, Handler>, image: Record<string, Handler>) {
  const dir = mkdtempSync(join(tmpdir(), 'akube-cri-'));
  const sock = join(dir, 'cri.sock');
  const def = protoLoader.loadSync(criProtoPath(), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: { service: grpc.ServiceDefinition }; ImageService: { service: grpc.ServiceDefinition } } } };
  const server = new grpc.Server();
  server.addService(pkg.runtime.v1.RuntimeService.service, runtime as unknown as grpc.UntypedServiceImplementation);
  server.addService(pkg.runtime.v1.ImageService.service, image as unknown as grpc.UntypedServiceImplementation);
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${sock}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return {
    sock,
    async close() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('CRI client: typed calls, snake_case fields, 64-bit integers as strings, gRPC errors as CriError', async (t) => {
  const seen: Record<string, unknown>[] = [];
  const srv = await serve(
    {
      Version: (_call, cb) => cb(null, { version: '0.1.0', runtime_name: 'containerd', runtime_version: '1.6.20~ds1', runtime_api_version: 'v1' }),
      Status: (_call, cb) => cb(null, { status: { conditions: [{ type: 'RuntimeReady', status: true }, { type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'cni plugin not initialized' }] } }),
      RunPodSandbox: (call, cb) => {
        seen.push(call.request);
        cb(null, { pod_sandbox_id: 'sb1' });
      },
      StopContainer: (call, cb) => {
        seen.push(call.request);
        cb(null, {});
      },
      ContainerStatus: (call, cb) => {
        if (call.request['container_id'] !== 'c1') return cb({ code: grpc.status.NOT_FOUND, details: `an error occurred when try to find container "${String(call.request['container_id'])}": not found` });
        cb(null, { status: { id: 'c1', state: 'CONTAINER_EXITED', created_at: '1700000000000000000', exit_code: 3, metadata: { name: 'app', attempt: 2 } } });
      },
      Exec: (call, cb) => cb(null, { url: `http://127.0.0.1:1234/exec/${String(call.request['container_id'])}` }),
      PortForward: (call, cb) => cb(null, { url: `http://127.0.0.1:1234/portforward/${String(call.request['pod_sandbox_id'])}` }),
    },
    {
      ImageStatus: (call, cb) => cb(null, (call.request['image'] as { image: string }).image === 'present' ? { image: { id: 'sha256:abc', repo_tags: ['docker.io/library/present:latest'], size: '1024' } } : {}),
    },
  );
  t.after(() => srv.close());
  const cri = new CriClient({ endpoint: srv.sock });
  t.after(() => cri.close());

  assert.equal(cri.endpoint, `unix://${srv.sock}`);
  const v = await cri.version();
  assert.deepEqual(v, { version: '0.1.0', runtime_name: 'containerd', runtime_version: '1.6.20~ds1', runtime_api_version: 'v1' });
  const st = await cri.status();
  assert.deepEqual(
    st.status?.conditions.map((c) => [c.type, c.status, c.reason]),
    [
      ['RuntimeReady', true, ''],
      ['NetworkReady', false, 'NetworkPluginNotReady'],
    ],
  );

  assert.equal(await cri.runPodSandbox({ metadata: { name: 'p', uid: 'u', namespace: 'ns', attempt: 0 }, hostname: 'p', labels: { a: 'b' } }), 'sb1');
  const run = seen[0] as { config: { metadata: { name: string }; labels: Record<string, string>; hostname: string } };
  assert.equal(run.config.metadata.name, 'p');
  assert.deepEqual(run.config.labels, { a: 'b' });

  await cri.stopContainer('c1', 30);
  assert.equal((seen[1] as { timeout: string }).timeout, '30');

  const cs = await cri.containerStatus('c1');
  assert.equal(cs.status?.state, 'CONTAINER_EXITED');
  assert.equal(cs.status?.created_at, '1700000000000000000');
  assert.equal(cs.status?.exit_code, 3);
  assert.equal(cs.status?.started_at, '0', 'absent int64 fields arrive as "0"');

  await assert.rejects(cri.containerStatus('nope'), (e: unknown) => e instanceof CriError && e.code === 'NOT_FOUND' && isCriNotFound(e) && /ContainerStatus: .*not found/.test(e.message));
  await assert.rejects(cri.removeContainer('x'), (e: unknown) => e instanceof CriError && e.code === 'UNIMPLEMENTED');
  await assert.rejects(cri.containerStatus('nope'), (e: unknown) => e instanceof CriError && /^rpc error: code = NotFound desc = .*not found/.test(e.rpcText));
  assert.equal(new CriError('PullImage', 'DEADLINE_EXCEEDED', 'too slow').rpcText, 'rpc error: code = DeadlineExceeded desc = too slow');

  assert.deepEqual(await cri.exec({ container_id: 'c1', cmd: ['true'], stdout: true }), { url: 'http://127.0.0.1:1234/exec/c1' });
  assert.deepEqual(await cri.portForward('sb1', [80]), { url: 'http://127.0.0.1:1234/portforward/sb1' });

  assert.equal((await cri.imageStatus('present'))?.id, 'sha256:abc');
  assert.equal(await cri.imageStatus('absent'), null);
});

test('CRI client: an unreachable socket fails with UNAVAILABLE within the deadline', async () => {
  const cri = new CriClient({ endpoint: `unix://${join(tmpdir(), 'akube-no-such-socket.sock')}`, timeoutMs: 1000 });
  try {
    await assert.rejects(cri.status(), (e: unknown) => e instanceof CriError && (e.code === 'UNAVAILABLE' || e.code === 'DEADLINE_EXCEEDED'));
  } finally {
    cri.close();
  }
});
