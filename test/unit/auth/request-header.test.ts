// Request-header authentication: a front proxy's client certificate (request-header CA, allowed name) makes the
// X-Remote-* headers the user; anything else is not believed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createCertificateAuthority, issueCertificate } from '../../../src/pki/certs.js';
import { defaultRequestHeaderNames, requestHeaderAuthenticator } from '../../../src/auth/authn/request-header.js';
import { unionAuthenticator } from '../../../src/auth/authn/union.js';
import { x509Authenticator } from '../../../src/auth/authn/x509.js';

const der = (pem: string) => Buffer.from(new X509Certificate(pem).raw);

test('request headers: the user, groups line by line, extra keys lower-cased and unescaped, uid; only from an allowed proxy', async () => {
  const frontProxyCa = await createCertificateAuthority('front-proxy-ca');
  const clusterCa = await createCertificateAuthority('cluster-ca');
  const proxy = await issueCertificate(frontProxyCa, { commonName: 'front-proxy-client', usage: 'client', validDays: 1 });
  const otherName = await issueCertificate(frontProxyCa, { commonName: 'someone-else', usage: 'client', validDays: 1 });
  const admin = await issueCertificate(clusterCa, { commonName: 'admin', organizations: ['system:masters'], usage: 'client', validDays: 1 });
  const authn = requestHeaderAuthenticator({ clientCA: frontProxyCa.cert, ...defaultRequestHeaderNames, uidHeaders: ['X-Remote-Uid'] });
  const headers = {
    'x-remote-user': ['alice', 'ignored'],
    'x-remote-group': ['dev', 'ops, qa'],
    'x-remote-extra-scopes': ['a', 'b'],
    'x-remote-extra-example.com%2fteam': 'blue',
    'x-remote-extra-__proto__': 'p',
    'x-remote-uid': '42',
  };
  const r = await authn.authenticate({ headers, peerCertificates: [der(proxy.cert)] });
  assert.equal(r.kind, 'ok');
  if (r.kind === 'ok') {
    assert.equal(r.user.name, 'alice');
    assert.equal(r.user.uid, '42');
    assert.deepEqual(r.user.groups, ['dev', 'ops, qa']);
    assert.deepEqual(Object.entries(r.user.extra ?? {}), [['scopes', ['a', 'b']], ['example.com/team', ['blue']], ['__proto__', ['p']]]);
  }
  // no username header: not this kind of credential
  assert.deepEqual(await authn.authenticate({ headers: { 'x-remote-group': 'dev' }, peerCertificates: [der(proxy.cert)] }), { kind: 'skip' });
  // headers without a certificate, or from another CA, or from a name not allowed, are not believed
  assert.deepEqual(await authn.authenticate({ headers }), { kind: 'skip' });
  assert.deepEqual(await authn.authenticate({ headers, peerCertificates: [der(admin.cert)] }), { kind: 'fail', reason: 'x509: certificate signed by unknown authority' });
  assert.deepEqual(await authn.authenticate({ headers, peerCertificates: [der(otherName.cert)] }), { kind: 'fail', reason: 'x509: subject with cn=someone-else is not in the allowed list' });
  // an empty allowed list accepts any certificate of the CA
  const anyName = requestHeaderAuthenticator({ clientCA: frontProxyCa.cert, ...defaultRequestHeaderNames, allowedNames: [] });
  assert.equal((await anyName.authenticate({ headers, peerCertificates: [der(otherName.cert)] })).kind, 'ok');

  // in the union (kube-apiserver's order): a user's own certificate with X-Remote-User is that user, not the header's
  const union = unionAuthenticator([authn, x509Authenticator(clusterCa.cert)], { anonymous: true });
  const asAdmin = await union.authenticate({ headers, peerCertificates: [der(admin.cert)] });
  assert.equal(asAdmin.kind === 'ok' ? asAdmin.user.name : asAdmin.kind, 'admin');
  const viaProxy = await union.authenticate({ headers, peerCertificates: [der(proxy.cert)] });
  assert.deepEqual(viaProxy.kind === 'ok' ? viaProxy.user.groups : viaProxy.kind, ['dev', 'ops, qa', 'system:authenticated']);
  // the proxy's certificate alone (no header) is no user of the cluster CA: refused
  assert.equal((await union.authenticate({ headers: {}, peerCertificates: [der(proxy.cert)] })).kind, 'fail');
});
