// The balancer's readiness probe: GET /readyz over TLS verified against the cluster CA; ready on 200 only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readyzProbe } from '../../../../src/cluster/ha/readyz-probe.js';
import { createCertificateAuthority, issueCertificate } from '../../../../src/pki/certs.js';

test('ready when /readyz answers 200; not on 500, without the CA, with a CA that did not sign it, or when nothing listens', async (t) => {
  const ca = await createCertificateAuthority('probe-ca');
  const other = await createCertificateAuthority('other-ca');
  const serving = await issueCertificate(ca, { commonName: 'apiserver', ipAddresses: ['127.0.0.1'], usage: 'server', validDays: 1 });
  let status = 200;
  const seen: string[] = [];
  const server = createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.statusCode = req.url === '/readyz' ? status : 404;
    res.end(status === 200 ? 'ok' : '[-]etcd failed: reason withheld\nreadyz check failed');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const backend = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
  const probe = readyzProbe({ ca: () => Buffer.from(ca.cert) });

  assert.equal(await probe(backend), true);
  status = 500;
  assert.equal(await probe(backend), false);
  status = 200;
  assert.equal(await readyzProbe({ ca: () => undefined })(backend), false);
  assert.equal(await readyzProbe({ ca: () => Buffer.from(other.cert) })(backend), false);
  assert.deepEqual(seen, ['GET /readyz', 'GET /readyz']);

  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  assert.equal(await probe({ host: '127.0.0.1', port }), false);
});
