import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateRequest, parseCertificateRequest } from '../../../../src/pki/index.js';
import { signingApi } from './signing-api.js';
import { rotationDeadline, runCertificateRotation } from '../../../../src/kubelet/join/rotation.js';
import { certificateInfo, loadNodeCredentials, storeNodeCredentials } from '../../../../src/kubelet/join/credentials.js';
import { digestedRequestName, requestNodeClientCertificate } from '../../../../src/kubelet/join/client-certificate.js';

test('renewal falls between 70% and 90% of the lifetime', () => {
  assert.equal(rotationDeadline(1000, 2000, () => 0), 1700);
  assert.equal(rotationDeadline(1000, 2000, () => 1), 1900);
  assert.equal(rotationDeadline(1000, 2000, () => 0.5), 1800);
});

test('a bootstrap request is named node-csr-<digest>, asks for a kubelet client certificate and returns it with its key', async () => {
  const { api } = await signingApi(3600_000);
  const got = await requestNodeClientCertificate(api, { nodeName: 'worker-1', naming: 'digest' });
  const sent = api.created[0] as { metadata: { name: string }; spec: { signerName: string; usages: string[]; request: string } };
  assert.match(sent.metadata.name, /^node-csr-[A-Za-z0-9_-]{43}$/);
  assert.equal(sent.spec.signerName, 'kubernetes.io/kube-apiserver-client-kubelet');
  assert.deepEqual(sent.spec.usages, ['digital signature', 'client auth']);
  const names = parseCertificateRequest(Buffer.from(sent.spec.request, 'base64').toString('latin1'));
  assert.deepEqual([names.commonName, names.organizations], ['system:node:worker-1', ['system:nodes']]);
  assert.equal(got.requestName, sent.metadata.name);
  assert.match(certificateInfo(got.cert).subject, /CN=system:node:worker-1/);
  const req = await createCertificateRequest('system:node:a', ['system:nodes']);
  assert.equal(digestedRequestName(req.publicKeyDer, 'system:node:a', ['system:nodes'], ['digital signature', 'client auth']), digestedRequestName(req.publicKeyDer, 'system:node:a', ['system:nodes'], ['digital signature', 'client auth']));
});

test('rotation: at the deadline a new key and csr- request, stored and installed; then the next deadline', async () => {
  const { api } = await signingApi(60_000);
  const first = await requestNodeClientCertificate(api, { nodeName: 'worker-1', naming: 'digest' });
  const dir = mkdtempSync(join(tmpdir(), 'akube-rotation-'));
  try {
    storeNodeCredentials(dir, { server: 'https://x:1', caPem: 'CA\n', pair: first }, new Date('2026-01-01T00:00:00Z'));
    const { notBefore, notAfter } = certificateInfo(first.cert);
    let now = Date.now();
    const slept: number[] = [];
    const stop = new AbortController();
    const installed: string[] = [];
    await runCertificateRotation({
      what: 'client certificate',
      current: first,
      request: (signal) => requestNodeClientCertificate(api, { nodeName: 'worker-1', naming: 'generate', signal }),
      install: (pair) => {
        storeNodeCredentials(dir, { server: 'https://x:1', caPem: 'CA\n', pair }, new Date('2026-01-01T00:01:00Z'));
        installed.push(pair.cert);
        if (installed.length === 2) stop.abort();
      },
      signal: stop.signal,
      now: () => now,
      random: () => 0.5,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });
    // The first wait ends at 80% of the first certificate's lifetime.
    assert.ok(Math.abs(now - slept.slice(1).reduce((a, b) => a + b, 0) - (notBefore + 0.8 * (notAfter - notBefore))) < 5, `${slept}`);
    assert.equal(installed.length, 2);
    assert.deepEqual(api.created.map((c) => { const name = (c['metadata'] as { name: string }).name; return name.startsWith('csr-') ? 'csr-' : name; }), [(api.created[0]!['metadata'] as { name: string }).name, 'csr-', 'csr-']);
    assert.notEqual(installed[0], first.cert);
    const stored = loadNodeCredentials(dir);
    assert.equal(stored?.pair.cert, installed[1]);
    assert.match(readlinkSync(join(dir, 'pki', 'kubelet-client-current.pem')), /^kubelet-client-2026-01-01-00-01-00\.pem$/);
    assert.match(readFileSync(join(dir, 'kubelet.kubeconfig'), 'utf8'), /client-certificate: .*kubelet-client-current\.pem/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
