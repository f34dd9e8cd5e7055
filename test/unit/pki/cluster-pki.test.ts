import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { ensureClusterPki, certificateSubject, keyId } from '../../../src/pki/index.js';

test('ensureClusterPki creates a CA, serving and admin certificates once, then reuses them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-pki-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = await ensureClusterPki(dir);
  const second = await ensureClusterPki(dir);
  assert.equal(second.ca.cert, first.ca.cert);
  assert.equal(second.apiserver.cert, first.apiserver.cert);
  assert.equal(second.serviceAccount.privateKey, first.serviceAccount.privateKey);

  const serving = new X509Certificate(first.apiserver.cert);
  const ca = new X509Certificate(first.ca.cert);
  assert.ok(serving.verify(ca.publicKey), 'serving cert signed by the CA');
  assert.ok(ca.ca, 'CA has basicConstraints CA:TRUE');
  for (const name of ['DNS:localhost', 'DNS:kubernetes.default.svc.cluster.local', 'IP Address:127.0.0.1', 'IP Address:10.96.0.1']) {
    assert.ok(serving.subjectAltName?.includes(name), `SAN ${name} in ${serving.subjectAltName}`);
  }

  const admin = certificateSubject(first.admin.cert);
  assert.deepEqual(admin, { commonName: 'kubernetes-admin', organizations: ['system:masters'] });
  assert.match(keyId(first.serviceAccount.publicKey), /^[A-Za-z0-9_-]{43}$/);

  // openssl agrees that the chain verifies and the purposes are right.
  writeFileSync(join(dir, 'check-admin.crt'), first.admin.cert);
  const out = execFileSync('openssl', ['verify', '-purpose', 'sslclient', '-CAfile', join(dir, 'pki/ca.crt'), join(dir, 'check-admin.crt')]).toString();
  assert.match(out, /OK/);
  const out2 = execFileSync('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', join(dir, 'pki/ca.crt'), join(dir, 'pki/apiserver.crt')]).toString();
  assert.match(out2, /OK/);
  assert.match(readFileSync(join(dir, 'pki/admin.key'), 'utf8'), /BEGIN PRIVATE KEY/);
});
