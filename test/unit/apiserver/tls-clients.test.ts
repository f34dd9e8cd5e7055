// Clients with small TLS stacks: busybox's wget (its own TLS 1.2, no signature_algorithms extension, when no
// openssl is on PATH to hand the connection to) completes a handshake with the API server and reads /version;
// a current client still gets TLS 1.3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { createCertificateAuthority, issueCertificate } from '../../../src/pki/certs.js';
import { startApiServer, type RunningApiServer } from '../../../src/apiserver/server.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { allowAll, testAuthenticator } from './helpers.js';

let server: RunningApiServer;
let caCert = '';

before(async () => {
  const ca = await createCertificateAuthority('test-ca');
  caCert = ca.cert;
  const serving = await issueCertificate(ca, { commonName: 'apiserver', ipAddresses: ['127.0.0.1'], usage: 'server', validDays: 1 });
  server = await startApiServer({ storage: createMemoryStorage(), tls: { cert: serving.cert, key: serving.key, clientCA: ca.cert }, authenticator: testAuthenticator, authorizer: allowAll, host: '127.0.0.1', port: 0 });
});
after(async () => server.close());

function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

test('busybox wget with its own TLS reads /version', { skip: existsSync('/bin/busybox') ? false : 'busybox-static is missing', timeout: 30_000 }, async () => {
  // PATH without openssl: wget cannot hand TLS to `openssl s_client` and speaks it itself, as in a busybox image.
  const r = await run('/bin/busybox', ['wget', '-q', '-O', '-', '--no-check-certificate', `https://127.0.0.1:${server.port}/version`], { PATH: '/nonexistent' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /"gitVersion"/);
});

test('a current client still negotiates TLS 1.3', { timeout: 10_000 }, async () => {
  const socket = tlsConnect({ host: '127.0.0.1', port: server.port, ca: caCert, ALPNProtocols: ['h2'] });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', () => resolve());
    socket.once('error', reject);
  });
  assert.equal(socket.getProtocol(), 'TLSv1.3');
  assert.equal(socket.authorized, true);
  socket.destroy();
});
