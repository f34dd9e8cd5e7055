import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createCertificateAuthority } from '../../../src/pki/certs.js';
import { caPublicKeyHash, parseCaHash, pemCertificates } from '../../../src/pki/ca-hash.js';

test('the CA pin is sha256 of the certificate\'s own SubjectPublicKeyInfo bytes, as openssl computes it', async () => {
  const ca = await createCertificateAuthority('a-kube-ca');
  const spki = Buffer.from(new x509.X509Certificate(ca.cert).publicKey.rawData);
  const hash = caPublicKeyHash(ca.cert);
  assert.equal(hash, `sha256:${createHash('sha256').update(spki).digest('hex')}`);
  const pub = execFileSync('openssl', ['x509', '-pubkey', '-noout'], { input: ca.cert });
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
  assert.equal(hash, `sha256:${createHash('sha256').update(der).digest('hex')}`);
  assert.deepEqual(pemCertificates(`${ca.cert}${ca.cert}`).length, 2);
});

test('pins are sha256: and 64 hex digits', () => {
  assert.equal(parseCaHash(`sha256:${'AB'.repeat(32)}`), `sha256:${'ab'.repeat(32)}`);
  assert.equal(parseCaHash('sha256:abc'), undefined);
  assert.equal(parseCaHash(`md5:${'ab'.repeat(32)}`), undefined);
});
