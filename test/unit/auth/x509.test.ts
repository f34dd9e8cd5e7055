import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { createCertificateAuthority, issueCertificate } from '../../../src/pki/certs.js';
import { x509Authenticator } from '../../../src/auth/authn/x509.js';
import { signed } from '../../fixtures/cert-chain.js';

const der = (pem: string) => Buffer.from(new X509Certificate(pem).raw);

test('x509: CN is the user, O values the groups; other CAs, server-only certificates and expired certificates fail', async () => {
  const ca = await createCertificateAuthority('test-ca');
  const other = await createCertificateAuthority('other-ca');
  const alice = await issueCertificate(ca, { commonName: 'alice', organizations: ['dev', 'system:masters'], usage: 'client', validDays: 1 });
  const server = await issueCertificate(ca, { commonName: 'web', usage: 'server', validDays: 1 });
  const stranger = await issueCertificate(other, { commonName: 'mallory', usage: 'client', validDays: 1 });
  let now = new Date();
  const authn = x509Authenticator(ca.cert, () => now);

  // the server hands every request of one connection the same array of certificates
  const connection = [der(alice.cert)];
  for (let i = 0; i < 4; i++) {
    // again: later answers come from the per-certificate cache (by content, then by the connection's array) and must be the same
    const r = await authn.authenticate({ headers: {}, peerCertificates: i < 2 ? [der(alice.cert)] : connection });
    assert.equal(r.kind, 'ok');
    if (r.kind === 'ok') {
      assert.equal(r.user.name, 'alice');
      assert.deepEqual(r.user.groups, ['dev', 'system:masters']);
      assert.equal(r.user.extra?.['authentication.kubernetes.io/credential-id']?.[0], `X509SHA256=${createHash('sha256').update(der(alice.cert)).digest('hex')}`);
      r.user.groups.push('mutated');
    }
  }
  assert.deepEqual(await authn.authenticate({ headers: {} }), { kind: 'skip' });
  assert.deepEqual(await authn.authenticate({ headers: {}, peerCertificates: [der(stranger.cert)] }), { kind: 'fail', reason: 'x509: certificate signed by unknown authority' });
  assert.deepEqual(await authn.authenticate({ headers: {}, peerCertificates: [der(server.cert)] }), { kind: 'fail', reason: 'x509: certificate specifies an incompatible key usage' });
  now = new Date(Date.now() + 3 * 86_400_000);
  assert.deepEqual(await authn.authenticate({ headers: {}, peerCertificates: [der(alice.cert)] }), { kind: 'fail', reason: 'x509: certificate has expired or is not yet valid' });
  assert.deepEqual(await authn.authenticate({ headers: {}, peerCertificates: connection }), { kind: 'fail', reason: 'x509: certificate has expired or is not yet valid' });
});

test('x509: a client certificate chained through intermediates the client sends is verified along the chain', async () => {
  const root = await createCertificateAuthority('root-ca');
  const intermediate = await signed(root, 'intermediate-ca', { isCa: true });
  const second = await signed(intermediate, 'second-intermediate', { isCa: true });
  const leaf = await signed(second, 'bob', { isCa: false, ekus: ['1.3.6.1.5.5.7.3.2'], orgs: ['team'] });
  const notCa = await signed(root, 'not-a-ca', { isCa: false });
  const underNotCa = await signed(notCa, 'eve', { isCa: false, ekus: ['1.3.6.1.5.5.7.3.2'] });
  const serverOnlyIntermediate = await signed(root, 'server-only-ca', { isCa: true, ekus: ['1.3.6.1.5.5.7.3.1'] });
  const underServerOnly = await signed(serverOnlyIntermediate, 'carol', { isCa: false, ekus: ['1.3.6.1.5.5.7.3.2'] });
  const authn = x509Authenticator(root.cert);

  const ok = await authn.authenticate({ headers: {}, peerCertificates: [der(leaf.cert), der(second.cert), der(intermediate.cert), der(root.cert)] });
  assert.equal(ok.kind, 'ok');
  if (ok.kind === 'ok') assert.deepEqual([ok.user.name, ok.user.groups], ['bob', ['team']]);
  // Order of the intermediates does not matter; a missing link does.
  assert.equal((await authn.authenticate({ headers: {}, peerCertificates: [der(leaf.cert), der(intermediate.cert), der(second.cert)] })).kind, 'ok');
  assert.deepEqual(await authn.authenticate({ headers: {}, peerCertificates: [der(leaf.cert), der(second.cert)] }), { kind: 'fail', reason: 'x509: certificate signed by unknown authority' });
  assert.deepEqual(await authn.authenticate({ headers: {}, peerCertificates: [der(leaf.cert)] }), { kind: 'fail', reason: 'x509: certificate signed by unknown authority' });
  // An end-entity certificate cannot sign others.
  assert.deepEqual(await authn.authenticate({ headers: {}, peerCertificates: [der(underNotCa.cert), der(notCa.cert)] }), { kind: 'fail', reason: 'x509: certificate signed by unknown authority' });
  // An intermediate limited to server authentication does not vouch for clients.
  assert.deepEqual(await authn.authenticate({ headers: {}, peerCertificates: [der(underServerOnly.cert), der(serverOnlyIntermediate.cert)] }), { kind: 'fail', reason: 'x509: certificate specifies an incompatible key usage' });
});
