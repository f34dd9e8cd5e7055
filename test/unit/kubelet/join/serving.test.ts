import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCertificateRequest, type KeyPairPem } from '../../../../src/pki/index.js';
import { certificateCovers, servingNames } from '../../../../src/kubelet/join/serving-certificate.js';
import { runServingCertificate, usableStoredCertificate } from '../../../../src/kubelet/join/serving.js';
import { signingApi } from './signing-api.js';

const addresses = [
  { type: 'InternalIP', address: '10.1.2.3' },
  { type: 'Hostname', address: 'worker-1' },
];

test('serving names: host and DNS addresses as DNS names, IP addresses as IPs, each once, empty ones left out', () => {
  assert.deepEqual(servingNames([...addresses, { type: 'ExternalIP', address: '192.0.2.7' }, { type: 'InternalDNS', address: 'worker-1.internal' }, { type: 'Hostname', address: 'worker-1' }, { type: 'InternalIP', address: '' }, { type: 'InternalIP', address: 'not-an-ip' }]), {
    dnsNames: ['worker-1', 'worker-1.internal'],
    ipAddresses: ['10.1.2.3', '192.0.2.7'],
  });
});

/** Runs the serving-certificate loop until `stopAfter` certificates were put to use. */
async function run(dir: string, api: Awaited<ReturnType<typeof signingApi>>['api'], addrs: typeof addresses, stopAfter: number): Promise<KeyPairPem[]> {
  const used: KeyPairPem[] = [];
  const stop = new AbortController();
  await runServingCertificate({
    nodeName: 'worker-1',
    addresses: addrs,
    dataDir: dir,
    client: api,
    use: (pair) => {
      used.push(pair);
      if (used.length === stopAfter) stop.abort();
    },
    signal: stop.signal,
  });
  return used;
}

test('a node without a serving certificate asks kubernetes.io/kubelet-serving for one naming its addresses, stores and uses it', async () => {
  const { api } = await signingApi(3600_000);
  const dir = mkdtempSync(join(tmpdir(), 'akube-serving-'));
  try {
    const used = await run(dir, api, addresses, 1);
    assert.equal(api.created.length, 1);
    const sent = api.created[0] as { metadata: { generateName: string }; spec: { signerName: string; usages: string[]; request: string } };
    assert.equal(sent.metadata.generateName, 'csr-');
    assert.equal(sent.spec.signerName, 'kubernetes.io/kubelet-serving');
    assert.deepEqual(sent.spec.usages, ['digital signature', 'server auth']);
    const names = parseCertificateRequest(Buffer.from(sent.spec.request, 'base64').toString('latin1'));
    assert.deepEqual([names.commonName, names.organizations, names.dnsNames, names.ipAddresses], ['system:node:worker-1', ['system:nodes'], ['worker-1'], ['10.1.2.3']]);
    assert.equal(used.length, 1);
    assert.equal(new X509Certificate(used[0]!.cert).subjectAltName, 'DNS:worker-1, IP Address:10.1.2.3');
    assert.match(readlinkSync(join(dir, 'pki', 'kubelet-server-current.pem')), /^kubelet-server-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.pem$/);
    assert.equal(usableStoredCertificate(dir, addresses, Date.now())?.cert, used[0]!.cert);

    // A restart with the same addresses uses the stored certificate at once and asks for nothing.
    const again = await run(dir, api, addresses, 1);
    assert.equal(again[0]!.cert, used[0]!.cert);
    assert.equal(api.created.length, 1);

    // A new address: the stored certificate does not name it, so a new one is requested.
    const moved = [{ type: 'InternalIP', address: '10.9.9.9' }, addresses[1]!];
    assert.equal(usableStoredCertificate(dir, moved, Date.now()), undefined);
    const renewed = await run(dir, api, moved, 1);
    assert.equal(api.created.length, 2);
    assert.ok(certificateCovers(renewed[0]!.cert, servingNames(moved)));
    // An expired certificate is not used either.
    assert.equal(usableStoredCertificate(dir, moved, Date.now() + 2 * 3600_000), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
