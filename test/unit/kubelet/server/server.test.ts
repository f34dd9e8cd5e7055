import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:https';
import { connect } from 'node:tls';
import { ensureClusterPki, componentCertificate, kubeletServingCertificate } from '../../../../src/pki/index.js';
import { issueCertificate } from '../../../../src/pki/certs.js';
import type { RestClient } from '../../../../src/client/rest.js';
import { FakeRuntime } from '../../../../src/kubelet/runtime/fake.js';
import { createNodeAuth, runtimeBackend, startNodeServer } from '../../../../src/kubelet/server/index.js';

interface Answer {
  status: number;
  body: string;
}

test('node server: client certificates, SubjectAccessReview, container logs, and streaming refused by the simulated runtime', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-nodesrv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = await ensureClusterPki(dir);
  const serving = await kubeletServingCertificate(pki, 'n1', ['127.0.0.1']);
  const stranger = await componentCertificate(pki, 'stranger', 'jane');
  const reviews: unknown[] = [];
  // The API server's answer to SubjectAccessReviews: only the kubelet-client user may use the node.
  const client = {
    async create(_path: string, body: { spec: { user: string } }) {
      reviews.push(body);
      return { status: { allowed: body.spec.user === 'kube-apiserver-kubelet-client' } };
    },
  } as unknown as RestClient;
  const runtime = new FakeRuntime({ podCIDR: '10.244.0.0/24' });
  const sandboxConfig = { name: 'p1', namespace: 'ns-1', uid: 'u1', attempt: 0, hostname: 'p1', labels: {}, annotations: {} };
  const sandbox = await runtime.createPodSandbox(sandboxConfig);
  const cid = await runtime.createContainer(sandbox, { name: 'web', image: 'nginx', command: [], args: [], env: [], attempt: 0, labels: {}, annotations: {} });
  await runtime.startContainer(cid);
  const logDir = join(dir, 'node-logs');
  mkdirSync(logDir);
  writeFileSync(join(logDir, 'agent.log'), 'hello from the node\n');
  const server = await startNodeServer({
    nodeName: 'n1',
    tls: { ...serving, clientCA: pki.ca.cert },
    auth: createNodeAuth({ nodeName: 'n1', client }),
    backend: runtimeBackend({ runtime, runtimeName: 'fake' }),
    host: '127.0.0.1',
    port: 0,
    logDirectory: logDir,
  });
  t.after(() => server.close());

  const get = (path: string, cred?: { cert: string; key: string }) =>
    new Promise<Answer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path, ca: pki.ca.cert, ...(cred ?? {}), agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  const upgrade = (path: string, cred: { cert: string; key: string }) =>
    new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: server.port, ca: pki.ca.cert, ...cred }, () => {
        s.write(`POST ${path} HTTP/1.1\r\nHost: n1\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nContent-Length: 0\r\n\r\n`);
      });
      let text = '';
      s.on('data', (c: Buffer) => (text += c.toString()));
      s.on('end', () => resolve(text));
      s.on('error', reject);
    });
  const apiserver = pki.kubeletClient;

  assert.deepEqual(await get('/healthz'), { status: 401, body: 'Unauthorized\n' });
  const denied = await get('/containerLogs/ns-1/p1/web', stranger);
  assert.equal(denied.status, 403);
  assert.equal(denied.body, 'Forbidden (user=jane, verb=get, resource=nodes, subresource(s)=[proxy])\n');
  assert.deepEqual((reviews[0] as { spec: unknown }).spec, {
    user: 'jane',
    groups: ['system:authenticated'],
    resourceAttributes: { verb: 'get', group: '', version: 'v1', resource: 'nodes', subresource: 'proxy', name: 'n1' },
  });

  const logs = await get('/containerLogs/ns-1/p1/web', apiserver);
  assert.equal(logs.status, 200);
  assert.match(logs.body, /^\S+Z a-kube fake runtime: started web \(docker.io\/library\/nginx:latest\)\n$/);
  const missingPod = await get('/containerLogs/ns-1/nope/web', apiserver);
  assert.equal(missingPod.status, 404);
  assert.match(missingPod.body, /pod \\"nope\\" in namespace \\"ns-1\\" does not exist on node \\"n1\\"/);
  const missingContainer = await get('/containerLogs/ns-1/p1/db', apiserver);
  assert.equal(JSON.parse(missingContainer.body).message, 'container not found ("db")');
  const badTail = await get('/containerLogs/ns-1/p1/web?tailLines=x', apiserver);
  assert.equal(badTail.status, 400);

  assert.deepEqual(await get('/logs/agent.log', apiserver), { status: 200, body: 'hello from the node\n' });
  assert.equal((await get('/logs/..%2F..%2Fetc/passwd', apiserver)).status, 404);
  assert.equal((await get('/logs/../../etc/passwd', apiserver)).status, 404);
  assert.equal((await get('/exec/ns-1/p1/web?command=true', apiserver)).status, 400);

  const refused = await upgrade('/exec/ns-1/p1/web?command=true&output=1', apiserver);
  assert.match(refused, /^HTTP\/1.1 400 /);
  assert.equal(JSON.parse(refused.slice(refused.indexOf('\r\n\r\n') + 4)).message, 'exec is not supported by the container runtime "fake" of node "n1": its containers run no processes');
  const refusedPf = await upgrade('/portForward/ns-1/p1', apiserver);
  assert.match(refusedPf, /port-forward is not supported by the container runtime \\"fake\\"/);
});

test('node server without a certificate refuses handshakes until one is given, then serves with each one given', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-nodesrv-cert-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = await ensureClusterPki(dir);
  const client = { async create() { return { status: { allowed: true } }; } } as unknown as RestClient;
  const server = await startNodeServer({
    nodeName: 'n2',
    tls: { clientCA: pki.ca.cert },
    auth: createNodeAuth({ nodeName: 'n2', client }),
    backend: runtimeBackend({ runtime: new FakeRuntime({ podCIDR: '10.244.1.0/24' }), runtimeName: 'fake' }),
    host: '127.0.0.1',
    port: 0,
  });
  t.after(() => server.close());
  /** The serving certificate's serial number, from a handshake verified against the cluster CA. */
  const served = () =>
    new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: server.port, ca: pki.ca.cert, ...pki.kubeletClient }, () => {
        const serial = s.getPeerCertificate().serialNumber;
        s.end();
        resolve(serial);
      });
      s.on('error', reject);
    });
  await assert.rejects(served(), /handshake failure|alert/);
  const issue = () => issueCertificate(pki.ca, { commonName: 'system:node:n2', organizations: ['system:nodes'], ipAddresses: ['127.0.0.1'], usage: 'server', validDays: 1 });
  server.setServingCertificate(await issue());
  const firstSerial = await served();
  server.setServingCertificate(await issue());
  const secondSerial = await served();
  assert.notEqual(secondSerial, firstSerial);
});
