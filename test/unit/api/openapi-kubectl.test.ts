// Real kubectl against a tiny HTTPS server that serves only discovery, OpenAPI and /version.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, discoveryContentType, negotiateDiscovery } from '../../../src/api/discovery.js';
import { acceptsOpenapiV2Protobuf, openapiV2Json, openapiV2Protobuf, openapiV2ProtobufContentType, openapiV3GroupVersion, openapiV3Root } from '../../../src/api/openapi/index.js';

const binDir = '/usr/lib/google-cloud-sdk/bin';
const kubectl = (minor: number) => join(binDir, `kubectl.1.${minor}`);
const haveTools = existsSync(kubectl(27)) && existsSync(kubectl(33)) && hasOpenssl();

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function json(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  res.writeHead(code, { 'Content-Type': contentType });
  res.end(JSON.stringify(body));
}

function route(req: IncomingMessage, res: ServerResponse, address: string): void {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const path = url.pathname.replace(/\/$/, '') || '/';
  const accept = req.headers.accept;
  if (path === '/version') return json(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0', gitCommit: 'a-kube', gitTreeState: 'clean', buildDate: '2025-01-01T00:00:00Z', goVersion: 'go1.23', compiler: 'gc', platform: 'linux/amd64' });
  if (path === '/api' || path === '/apis') {
    const root = path === '/api' ? 'api' : 'apis';
    const agg = negotiateDiscovery(accept);
    if (agg) return json(res, 200, aggregatedDiscovery(root, agg), discoveryContentType(agg));
    return json(res, 200, root === 'api' ? apiVersions(address) : apiGroupList());
  }
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'api' && parts.length === 2) {
    const list = apiResourceList('', parts[1] ?? '');
    if (list) return json(res, 200, list);
  }
  if (parts[0] === 'apis' && parts.length === 2) {
    const group = apiGroup(parts[1] ?? '');
    if (group) return json(res, 200, group);
  }
  if (parts[0] === 'apis' && parts.length === 3) {
    const list = apiResourceList(parts[1] ?? '', parts[2] ?? '');
    if (list) return json(res, 200, list);
  }
  if (path === '/openapi/v2') {
    if (acceptsOpenapiV2Protobuf(accept)) {
      res.writeHead(200, { 'Content-Type': openapiV2ProtobufContentType });
      return void res.end(openapiV2Protobuf());
    }
    return json(res, 200, openapiV2Json());
  }
  if (path === '/openapi/v3') return json(res, 200, openapiV3Root());
  if (path.startsWith('/openapi/v3/')) {
    const doc = openapiV3GroupVersion(path.slice('/openapi/v3/'.length));
    if (doc) return json(res, 200, doc);
  }
  if (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') return echo(req, res, url);
  json(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 });
}

/** Writes are echoed back (the object as sent), and recorded so tests can check the query kubectl chose. */
const writes: string[] = [];

function echo(req: IncomingMessage, res: ServerResponse, url: URL): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    writes.push(`${req.method} ${url.pathname}${url.search}`);
    res.writeHead(req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json' });
    res.end(Buffer.concat(chunks));
  });
}

let dir = '';
let server: Server | undefined;
let serverUrl = '';

before(async () => {
  if (!haveTools) return;
  dir = mkdtempSync(join(tmpdir(), 'akube-openapi-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  let address = '';
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => route(req, res, address));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  serverUrl = `https://${address}`;
});

after(async () => {
  if (server) await new Promise<void>((resolve) => server?.close(() => resolve()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(minor: number, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const cacheDir = mkdtempSync(join(dir, 'cache-'));
  return new Promise((resolve) => {
    execFile(kubectl(minor), ['--server', serverUrl, '--insecure-skip-tls-verify', '--token', 'x', '--cache-dir', cacheDir, ...args], { timeout: 60_000, env: { ...process.env, HOME: dir, KUBECONFIG: join(dir, 'none') } }, (err, stdout, stderr) => {
      if (process.env['SHOW_KUBECTL']) process.stdout.write(`# kubectl.1.${minor} ${args.join(' ')}\n${stdout}${stderr}`);
      resolve({ stdout, stderr, code: err ? (typeof err.code === 'number' ? err.code : 1) : 0 });
    });
  });
}

const skip = haveTools ? false : 'kubectl.1.27/kubectl.1.33 or openssl not installed';

test('kubectl 1.33 explain pod.spec reads the OpenAPI v3 document', { skip }, async () => {
  const r = await run(33, ['explain', 'pod.spec']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /KIND:\s+Pod/);
  assert.match(r.stdout, /FIELD: spec <PodSpec>/);
  assert.match(r.stdout, /containers\s+<\[\]Container> -required-/);
});

test('kubectl 1.27 explain deployment.spec.strategy', { skip }, async () => {
  const r = await run(27, ['explain', 'deployment.spec.strategy']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /KIND:\s+Deployment/);
  assert.match(r.stdout, /rollingUpdate\s+<RollingUpdateDeployment>/);
});

test('kubectl 1.27 explain through OpenAPI v2 protobuf', { skip }, async () => {
  const r = await run(27, ['explain', 'service.spec.ports', '--output=plaintext-openapiv2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /KIND:\s+Service/);
  assert.match(r.stdout, /targetPort\s+<string>/);
});

test('kubectl 1.33 api-resources from aggregated discovery', { skip }, async () => {
  const r = await run(33, ['api-resources']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^pods\s+po\s+v1\s+true\s+Pod$/m);
  assert.match(r.stdout, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
  assert.match(r.stdout, /^clusterroles\s+rbac.authorization.k8s.io\/v1\s+false\s+ClusterRole$/m);
});

test('kubectl 1.27 api-resources from v2beta1 aggregated discovery', { skip }, async () => {
  const r = await run(27, ['api-resources', '--api-group=apps', '-o', 'name']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n').sort(), ['controllerrevisions.apps', 'daemonsets.apps', 'deployments.apps', 'replicasets.apps', 'statefulsets.apps']);
});

const configMap = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: 'b' } });

for (const minor of [27, 33]) {
  test(`kubectl 1.${minor} create -f finds fieldValidation in OpenAPI and sends Strict`, { skip }, async () => {
    const file = join(dir, `cm-${minor}.json`);
    writeFileSync(file, configMap);
    writes.length = 0;
    const r = await run(minor, ['create', '-f', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /configmap\/c created/);
    assert.deepEqual(writes, ['POST /api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Strict']);
  });
}
