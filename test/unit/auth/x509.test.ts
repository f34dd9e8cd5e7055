import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createCertificateAuthority, issueCertificate } from '../../../src/pki/certs.js';
import { x509Authenticator } from '../../../src/auth/authn/x509.js';

const der = (pem: string) => Buffer.from(new X509Certificate(pem).raw);

test('x509: CN is the user, O values the groups; other CAs, server-only certificates and expired certificates fail', async () => {
  const ca = await createCertificateAuthority('test-ca');
  const other = await createCertificateAuthority('other-ca');
  const alice = await issueCertificate(ca, { commonName: 'alice', organizations: ['dev', 'system:masters'], usage: 'client', validDays: 1 });
  const server = await issueCertificate(ca, { commonName: 'web', usage: 'server', validDays: 1 });
  const stranger = await issueCertificate(other, { commonName: 'mallory', usage: 'client', validDays: 1 });
  let now = new Date();
  const authn = x509Authenticator(ca.cert, () => now);

  for (let i = 0; i < 2; i++) {
    // twice: the second answer comes from the per-certificate cache and must be the same
    const r = await authn.authenticate({ headers: {}, peerCertificates: [der(alice.cert)] });
    assert.equal(r.kind, 'ok');
    if (r.kind === 'ok') {
      assert.equal(r.user.name, 'alice');
      assert.deepEqual(r.user.groups, ['dev', 'system:masters']);
      assert.match(r.user.extra?.['authentication.kubernetes.io/credential-id']?.[0] ?? '', /^X509SHA256=[0-9a-f]{64}$/);
      r.user.groups.push('mutated');
    }
  }
  assert.deepEqual(await authn.authenticate({ headers: {} }), { kind: 'skip' });
  assert.deepEqual(await authn.authenticate({ headers: {}, peerCertificates: [der(stranger.cert)] }), { kind: 'fail', reason: 'x509: certificate signed by unknown authority' });
  assert.deepEqual(await authn.authenticate({ headers: {}, peerCertificates: [der(server.cert)] }), { kind: 'fail', reason: 'x509: certificate specifies an incompatible key usage' });
  now = new Date(Date.now() + 3 * 86_400_000);
  assert.deepEqual(await authn.authenticate({ headers: {}, peerCertificates: [der(alice.cert)] }), { kind: 'fail', reason: 'x509: certificate has expired or is not yet valid' });
});
