// CertificateSigningRequest through the in-process API server: requester recorded, spec fixed after create,
// approval only through /approval, the table; and the signer's rules and signing with a real CA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { testServer } from '../apiserver/helpers.js';
import { parseCertificateRequest } from '../../../src/pki/csr.js';
import { clusterCsrSigner } from '../../../src/pki/csr-signer.js';
import { createCertificateAuthority } from '../../../src/pki/certs.js';
import { reconcileCsr, signerRefusal } from '../../../src/controllers/certificates/signer.js';
import { Indexer } from '../../../src/client/informer.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import type { KubeObject } from '../../../src/api/object.js';

const hasOpenssl = spawnSync('sh', ['-c', 'command -v openssl'], { encoding: 'utf8' }).status === 0;
const skip = hasOpenssl ? false : 'openssl is not installed';

function request(subject: string, extra: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'akube-csr-'));
  try {
    const r = spawnSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k'), '-subj', subject, ...extra, '-out', join(dir, 'r')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return readFileSync(join(dir, 'r'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const csrs = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

test('the PKCS#10 reader: subject, names, signature', { skip }, () => {
  const pem = request('/CN=alice/O=dev/O=qa', ['-addext', 'subjectAltName=DNS:a.example,IP:10.0.0.1']);
  const info = parseCertificateRequest(pem);
  assert.equal(info.commonName, 'alice');
  assert.deepEqual(info.organizations, ['dev', 'qa']);
  assert.deepEqual(info.dnsNames, ['a.example']);
  assert.deepEqual(info.ipAddresses, ['10.0.0.1']);
  // A flipped byte in the signature fails verification.
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  der[der.length - 3] = (der[der.length - 3] ?? 0) ^ 0xff;
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  assert.throws(() => parseCertificateRequest(tampered), /verification|asn1/);
  assert.throws(() => parseCertificateRequest('junk'), /PEM block type must be CERTIFICATE REQUEST/);
});

test('CSR create records the requester; spec is fixed; approval goes through /approval; table', { skip }, async () => {
  const s = await testServer();
  try {
    const body = { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'a' }, spec: { request: Buffer.from(request('/CN=a')).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], username: 'someone-else' } };
    const created = await s.call('POST', csrs, body);
    assert.equal(created.status, 201, created.text);
    const c = created.json() as { spec: { username: string; groups: string[] }; status: unknown };
    assert.equal(c.spec.username, 'tester');
    assert.deepEqual(c.spec.groups, ['system:masters', 'system:authenticated']);
    assert.deepEqual(c.status, {});

    // The main resource ignores spec and status changes.
    const put = await s.call('PUT', `${csrs}/a`, { ...created.json(), spec: { ...c.spec, usages: ['server auth'] }, status: { conditions: [{ type: 'Approved', status: 'True' }] } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual((put.json() as { spec: { usages: string[] } }).spec.usages, ['client auth']);
    assert.deepEqual((put.json() as { status: unknown }).status, {});

    const approved = await s.call('PUT', `${csrs}/a/approval`, { ...put.json(), status: { conditions: [{ type: 'Approved', status: 'True', reason: 'R', message: 'ok' }] } });
    assert.equal(approved.status, 200, approved.text);
    const cond = (approved.json() as { status: { conditions: Record<string, string>[] } }).status.conditions[0];
    assert.equal(cond?.type, 'Approved');
    assert.ok(cond?.lastUpdateTime);

    const both = await s.call('PUT', `${csrs}/a/approval`, { ...approved.json(), status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] } });
    assert.equal(both.status, 422);
    assert.match(String(both.json()['message']), /Approved and Denied conditions are mutually exclusive/);

    const table = (await s.call('GET', csrs, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json() as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    assert.deepEqual(table.columnDefinitions.map((x) => x.name), ['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition']);
    assert.deepEqual(table.rows[0]?.cells.slice(2), ['kubernetes.io/kube-apiserver-client', 'tester', '<none>', 'Approved']);

    const bad = await s.call('POST', csrs, { ...body, metadata: { name: 'b' }, spec: { ...body.spec, usages: ['client auth', 'client auth', 'flying'], signerName: 'nodomain', expirationSeconds: 10 } });
    assert.equal(bad.status, 422);
    const m = String(bad.json()['message']);
    for (const part of ['spec.usages[1]: Duplicate value: "client auth"', 'spec.usages[2]: Unsupported value: "flying"', "spec.signerName: Invalid value: \"nodomain\": must be a fully qualified domain and path of the form 'example.com/signer-name'", 'spec.expirationSeconds: Invalid value: 10: may not specify a duration less than 600 seconds (10 minutes)']) {
      assert.ok(m.includes(part), `${part}\nin ${m}`);
    }
  } finally {
    await s.close();
  }
});

test('the signers: rules per signer, and an approved request signed by the CA for the asked duration', { skip }, async () => {
  const names = { commonName: 'x', organizations: [], dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [] };
  assert.equal(signerRefusal('kubernetes.io/kube-apiserver-client', names, ['client auth', 'server auth']), 'invalid usage for client certificate: server auth');
  assert.equal(signerRefusal('kubernetes.io/kube-apiserver-client', names, ['digital signature']), 'missing required usage for client certificate: client auth');
  assert.equal(signerRefusal('kubernetes.io/kube-apiserver-client-kubelet', names, ['client auth']), 'subject organization is not system:nodes');
  assert.equal(signerRefusal('kubernetes.io/kubelet-serving', { ...names, commonName: 'system:node:n', organizations: ['system:nodes'] }, ['server auth']), 'DNS or IP subjectAltName is required');

  const ca = await createCertificateAuthority('test-ca');
  const pem = request('/CN=bob/O=devs');
  const clock = new FakeClock(Date.now());
  const csr: KubeObject = {
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'bob', resourceVersion: '1' },
    spec: { request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth', 'digital signature'], expirationSeconds: 3600 },
    status: { conditions: [{ type: 'Approved', status: 'True' }] },
  };
  const writes: { path: string; body: KubeObject }[] = [];
  const client = {
    update: async <T>(path: string, body: unknown) => { writes.push({ path, body: body as KubeObject }); return body as T; },
    get: async <T>(): Promise<T> => { throw new Error('unused'); }, list: async () => { throw new Error('unused'); },
    create: async <T>(): Promise<T> => { throw new Error('unused'); }, patch: async <T>(): Promise<T> => { throw new Error('unused'); }, delete: async () => { throw new Error('unused'); },
  };
  await reconcileCsr('bob', { client, csrs: new Indexer({}, [csr]), signer: clusterCsrSigner(ca), clock });
  assert.equal(writes[0]?.path, '/apis/certificates.k8s.io/v1/certificatesigningrequests/bob/status');
  const cert = new X509Certificate(Buffer.from(String((writes[0]?.body['status'] as { certificate: string }).certificate), 'base64'));
  assert.equal(cert.subject, 'CN=bob\nO=devs');
  assert.ok(cert.verify(new X509Certificate(ca.cert).publicKey));
  const lifetime = Date.parse(cert.validTo) - clock.now();
  assert.ok(lifetime > 3500_000 && lifetime <= 3600_000, String(lifetime));
  assert.equal(cert.keyUsage?.includes('1.3.6.1.5.5.7.3.2'), true);
});
