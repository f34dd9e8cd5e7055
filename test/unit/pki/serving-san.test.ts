import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateCovers, ensureClusterPki } from '../../../src/pki/cluster-pki.js';

test('the serving certificate names the service names, 10.96.0.1 and the node address; a new address (a documentation address, on no interface of the machine) reissues it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'a-kube-pki-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = await ensureClusterPki(dir, { extraHosts: ['127.0.0.1'] });
  const names = { dnsNames: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'], ipAddresses: ['127.0.0.1', '10.96.0.1'] };
  assert.ok(certificateCovers(first.apiserver.cert, names));
  assert.ok(!certificateCovers(first.apiserver.cert, { dnsNames: [], ipAddresses: ['192.0.2.10'] }));
  const same = await ensureClusterPki(dir, { extraHosts: ['127.0.0.1'] });
  assert.equal(same.apiserver.cert, first.apiserver.cert);
  const withNode = await ensureClusterPki(dir, { extraHosts: ['127.0.0.1', '192.0.2.10'] });
  assert.notEqual(withNode.apiserver.cert, first.apiserver.cert);
  assert.ok(certificateCovers(withNode.apiserver.cert, { dnsNames: names.dnsNames, ipAddresses: [...names.ipAddresses, '192.0.2.10'] }));
  assert.equal(withNode.ca.cert, first.ca.cert);
  assert.ok(!certificateCovers('not a certificate', names));
});
