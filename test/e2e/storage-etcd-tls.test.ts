// `a-kube up --storage etcd://… --etcd-cafile/--etcd-certfile/--etcd-keyfile` against an etcd that serves TLS and
// asks for client certificates (--client-cert-auth); the CA and certificates are made here. kubectl writes through
// it, etcdctl with the client certificate sees the key, and a start without the client certificate is refused with
// what to check.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createCertificateAuthority, issueCertificate } from '../../src/pki/certs.js';
import { etcdMissing, startEtcd, type RunningEtcd } from '../support/etcd.js';
import { kubectl, ok, startCluster, type Cluster } from './harness.js';

const missing = etcdMissing();
const skip = missing && process.env['CI'] !== 'true' ? `skipped: ${missing}` : false;
const dir = mkdtempSync(join(tmpdir(), 'akube-e2e-etcd-tls-'));
const files = {
  ca: join(dir, 'ca.crt'),
  serverCert: join(dir, 'server.crt'),
  serverKey: join(dir, 'server.key'),
  clientCert: join(dir, 'client.crt'),
  clientKey: join(dir, 'client.key'),
};
let etcd: RunningEtcd | undefined;
let cluster: Cluster | undefined;

before(async () => {
  if (skip) return;
  const ca = await createCertificateAuthority('etcd-ca');
  const server = await issueCertificate(ca, { commonName: 'etcd', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], usage: 'server+client', validDays: 1 });
  const client = await issueCertificate(ca, { commonName: 'a-kube', usage: 'client', validDays: 1 });
  writeFileSync(files.ca, ca.cert);
  writeFileSync(files.serverCert, server.cert);
  writeFileSync(files.serverKey, server.key, { mode: 0o600 });
  writeFileSync(files.clientCert, client.cert);
  writeFileSync(files.clientKey, client.key, { mode: 0o600 });
  etcd = await startEtcd({
    tls: { ca: files.ca, cert: files.serverCert, key: files.serverKey },
    clientTls: { ca: Buffer.from(ca.cert), cert: Buffer.from(client.cert), key: Buffer.from(client.key) },
  });
});
after(async () => {
  await cluster?.cleanup();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const storage = (): string => `etcd://${(etcd as RunningEtcd).endpoints.join(',')}`;

test('a-kube up on an etcd that asks for client certificates: kubectl writes, etcdctl with the certificate reads the key', { skip }, async () => {
  cluster = await startCluster({
    args: ['--runtime', 'fake', '--storage', storage(), '--etcd-cafile', files.ca, '--etcd-certfile', files.clientCert, '--etcd-keyfile', files.clientKey],
  });
  ok(kubectl(cluster, ['create', 'namespace', 'tls-e2e']), 'create ns');
  ok(kubectl(cluster, ['create', 'configmap', 'over-tls', '-n', 'tls-e2e', '--from-literal=k=v']), 'create cm');
  const cm = JSON.parse(ok(kubectl(cluster, ['get', 'configmap', 'over-tls', '-n', 'tls-e2e', '-o', 'json']), 'get cm'));
  const tlsArgs = ['--cacert', files.ca, '--cert', files.clientCert, '--key', files.clientKey];
  const got = spawnSync('etcdctl', ['--endpoints', (etcd as RunningEtcd).endpoints.join(','), ...tlsArgs, 'get', '/registry/configmaps/tls-e2e/over-tls', '-w', 'json'], {
    encoding: 'utf8',
    env: { ...process.env, ETCDCTL_API: '3' },
  });
  assert.equal(got.status, 0, got.stderr);
  assert.equal(String(JSON.parse(got.stdout).kvs[0].mod_revision), cm.metadata.resourceVersion);
  // Without a client certificate etcd closes the handshake: etcdctl is refused.
  const anonymous = spawnSync('etcdctl', ['--endpoints', (etcd as RunningEtcd).endpoints.join(','), '--cacert', files.ca, '--dial-timeout=2s', '--command-timeout=3s', 'get', '/registry/configmaps/tls-e2e/over-tls'], {
    encoding: 'utf8',
    env: { ...process.env, ETCDCTL_API: '3' },
  });
  assert.notEqual(anonymous.status, 0);
});

test('a-kube up without --etcd-certfile on that etcd stops at start and says what to give', { skip }, async () => {
  await assert.rejects(
    startCluster({ args: ['--runtime', 'fake', '--storage', storage(), '--etcd-cafile', files.ca], timeoutMs: 60_000 }),
    (e: Error) => {
      assert.match(e.message, /exited \(1\) before it was ready/);
      assert.match(e.message, /cannot reach etcd at 127\.0\.0\.1:\d+: [\s\S]*bad certificate[\s\S]*for a TLS etcd give --etcd-cafile \(and --etcd-certfile\/--etcd-keyfile when it asks for client certificates\)/);
      return true;
    },
  );
});
