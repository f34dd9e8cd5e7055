// A tiny extension API server over HTTPS for aggregation tests: serves the discovery of wardle.example.com/v1alpha1
// and flunders (list, get, a watch that streams), requires a client certificate of the front-proxy CA and records
// the identity headers of every request it sees.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { createCertificateAuthority, issueCertificate, type KeyPairPem } from '../../../../src/pki/certs.js';

export interface SeenRequest {
  method: string;
  url: string;
  user: string | undefined;
  groups: string[];
  extra: Record<string, string | string[] | undefined>;
  authorization: string | undefined;
  clientCN: string | undefined;
}

export interface TestBackend {
  port: number;
  caBundle: string;
  seen: SeenRequest[];
  /** Sends one more watch event to every open watch. */
  pushWatchEvent(name: string): void;
  /** The APIGroupDiscoveryList /apis answers to a client asking for aggregated discovery, or none (legacy only). */
  setAggregated(doc: unknown): void;
  close(): Promise<void>;
}

export const discovery = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'wardle.example.com/v1alpha1',
  resources: [
    { name: 'flunders', singularName: 'flunder', namespaced: true, kind: 'Flunder', verbs: ['get', 'list', 'watch'], shortNames: ['fl'] },
    { name: 'flunders/status', singularName: '', namespaced: true, kind: 'Flunder', verbs: ['get'] },
    { name: '__proto__', singularName: '', namespaced: true, kind: 'Bad', verbs: ['get'] },
  ],
};

const gvk = [{ group: 'wardle.example.com', version: 'v1alpha1', kind: 'Flunder' }];
const flunderSchema = (metaRef: string) => ({
  description: 'Flunder is a test kind served by the extension server.',
  type: 'object',
  properties: {
    apiVersion: { description: 'APIVersion of the flunder.', type: 'string' },
    kind: { description: 'Kind of the flunder.', type: 'string' },
    metadata: { $ref: metaRef },
    spec: { description: 'What the flunder should be.', type: 'object', properties: { reference: { description: 'The name of the fischer this flunder refers to.', type: 'string' } } },
  },
  'x-kubernetes-group-version-kind': gvk,
});

/**
 * The backend's /openapi/v2: its own path and definition, an ObjectMeta that differs from the API server's (as an
 * older apimachinery's would), and a path outside its group/version that must not be merged.
 */
export const openapiV2 = {
  swagger: '2.0',
  info: { title: 'wardle', version: 'v1alpha1' },
  paths: {
    '/apis/wardle.example.com/v1alpha1/namespaces/{namespace}/flunders/{name}': {
      get: { operationId: 'readWardleV1alpha1NamespacedFlunder', responses: { '200': { description: 'OK', schema: { $ref: '#/definitions/com.example.wardle.v1alpha1.Flunder' } } }, 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': gvk[0] },
      parameters: [{ $ref: '#/parameters/name-flunder' }],
    },
    '/api/v1/namespaces/{namespace}/pods': { get: { operationId: 'hijackPods', responses: { '200': { description: 'OK', schema: { $ref: '#/definitions/io.k8s.api.core.v1.PodList' } } } } },
  },
  parameters: { 'name-flunder': { description: 'name of the Flunder', in: 'path', name: 'name', required: true, type: 'string', uniqueItems: true } },
  definitions: {
    'com.example.wardle.v1alpha1.Flunder': flunderSchema('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'),
    'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': { description: 'ObjectMeta as the extension server knows it.', type: 'object', properties: { name: { type: 'string' } } },
    'io.k8s.api.core.v1.PodList': { description: 'not the API server\'s', type: 'object' },
  },
};

const openapiV3 = {
  openapi: '3.0.0',
  info: { title: 'wardle', version: 'v1alpha1' },
  paths: {
    '/apis/wardle.example.com/v1alpha1/namespaces/{namespace}/flunders/{name}': {
      get: { operationId: 'readWardleV1alpha1NamespacedFlunder', responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/com.example.wardle.v1alpha1.Flunder' } } } } }, 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': gvk[0] },
    },
  },
  components: { schemas: { 'com.example.wardle.v1alpha1.Flunder': flunderSchema('#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': openapiV2.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'] } },
};

export const flunder = (name: string) => ({ apiVersion: 'wardle.example.com/v1alpha1', kind: 'Flunder', metadata: { name, namespace: 'default', resourceVersion: '1' } });

export async function makeCerts(serviceName = 'api', namespace = 'default'): Promise<{ ca: KeyPairPem; serving: KeyPairPem; frontProxyCa: KeyPairPem; frontProxyClient: KeyPairPem }> {
  const ca = await createCertificateAuthority('wardle-ca');
  const serving = await issueCertificate(ca, { commonName: `${serviceName}.${namespace}.svc`, dnsNames: [`${serviceName}.${namespace}.svc`], usage: 'server', validDays: 1 });
  const frontProxyCa = await createCertificateAuthority('front-proxy-ca');
  const frontProxyClient = await issueCertificate(frontProxyCa, { commonName: 'front-proxy-client', usage: 'client', validDays: 1 });
  return { ca, serving, frontProxyCa, frontProxyClient };
}

/**
 * Trusts identity headers only from a client certificate of `frontProxyCa` named "front-proxy-client" (what the
 * extension-apiserver-authentication ConfigMap allows); anything else is 401 before the request is looked at.
 */
export async function startTestBackend(certs: { ca: KeyPairPem; serving: KeyPairPem; frontProxyCa: Pick<KeyPairPem, 'cert'> }, port = 0, allowedNames = ['front-proxy-client']): Promise<TestBackend> {
  const seen: SeenRequest[] = [];
  const watches = new Set<ServerResponse>();
  let aggregated: unknown;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate?.();
    const groups = req.headersDistinct['x-remote-group'] ?? [];
    const extra: Record<string, string | string[] | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-remote-extra-')) extra[k] = v;
    seen.push({ method: req.method ?? '', url: req.url ?? '', user: req.headers['x-remote-user'] as string | undefined, groups, extra, authorization: req.headers.authorization, clientCN: peer && 'subject' in peer && peer.subject?.CN !== undefined ? String(peer.subject.CN) : undefined });
    const url = new URL(req.url ?? '/', 'https://x');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const cn = seen.at(-1)?.clientCN;
    if (!req.headers['x-remote-user'] || cn === undefined || !allowedNames.includes(cn)) return json(401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
    if (url.pathname === '/apis/wardle.example.com/v1alpha1') return json(200, discovery);
    if (url.pathname === '/apis') {
      if (aggregated !== undefined && /as=APIGroupDiscoveryList/.test(String(req.headers.accept))) {
        res.writeHead(200, { 'content-type': 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
        return void res.end(JSON.stringify(aggregated));
      }
      return json(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'wardle.example.com', versions: [{ groupVersion: 'wardle.example.com/v1alpha1', version: 'v1alpha1' }], preferredVersion: { groupVersion: 'wardle.example.com/v1alpha1', version: 'v1alpha1' } }] });
    }
    if (url.pathname === '/openapi/v3/apis/wardle.example.com/v1alpha1') return json(200, openapiV3);
    if (url.pathname === '/openapi/v2') return json(200, openapiV2);
    if (url.pathname === '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders') {
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`${JSON.stringify({ type: 'ADDED', object: flunder('first') })}\n`);
        watches.add(res);
        res.on('close', () => watches.delete(res));
        return;
      }
      return json(200, { kind: 'FlunderList', apiVersion: 'wardle.example.com/v1alpha1', metadata: { resourceVersion: '1' }, items: [flunder('first')] });
    }
    const m = /^\/apis\/wardle\.example\.com\/v1alpha1\/namespaces\/default\/flunders\/([a-z0-9-]+)$/.exec(url.pathname);
    if (m) return json(200, flunder(m[1] ?? ''));
    return json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' });
  };
  const server: Server = createServer({ cert: certs.serving.cert, key: certs.serving.key, ca: certs.frontProxyCa.cert, requestCert: true, rejectUnauthorized: true }, handler);
  // an upgrade answers 101 naming the user it was told of, then echoes what it is sent
  server.on('upgrade', (req: IncomingMessage, socket: import('node:stream').Duplex) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate?.();
    const cn = peer && 'subject' in peer && peer.subject?.CN !== undefined ? String(peer.subject.CN) : '';
    const user = allowedNames.includes(cn) ? String(req.headers['x-remote-user'] ?? '') : '';
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${String(req.headers.upgrade ?? '')}\r\nX-Seen-User: ${user}\r\nX-Seen-Groups: ${JSON.stringify(req.headersDistinct['x-remote-group'] ?? [])}\r\n\r\n`);
    socket.pipe(socket);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  const bound = (server.address() as { port: number }).port;
  return {
    port: bound,
    caBundle: Buffer.from(certs.ca.cert).toString('base64'),
    seen,
    pushWatchEvent(name) {
      for (const w of watches) w.write(`${JSON.stringify({ type: 'ADDED', object: flunder(name) })}\n`);
    },
    setAggregated(doc) {
      aggregated = doc;
    },
    close: () => new Promise<void>((r) => {
      for (const w of watches) w.destroy();
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
