// An in-process HTTPS webhook server (HTTP/2 with HTTP/1.1 fallback) with a CA made for the test, whose answer
// each test sets; and the plugins' dependencies over fixed objects.
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority, issueCertificate } from '../../../../src/pki/certs.js';
import type { KubeObject } from '../../../../src/api/object.js';
import { staticReader } from '../../../../src/admission/reader.js';
import type { WebhookDeps } from '../../../../src/admission/webhook/dispatch.js';
import type { AdmissionRequest } from '../../../../src/admission/types.js';
import type { Attributes, Authorizer } from '../../../../src/auth/types.js';

/** An authorizer that allows what `allows` accepts (denying the rest, with a reason) and records what it was asked. */
export function recordingAuthorizer(allows: (a: Attributes) => boolean = () => false): Authorizer & { asked: Attributes[] } {
  const asked: Attributes[] = [];
  return {
    asked,
    async authorize(a) {
      asked.push(a);
      return allows(a) ? { decision: 'allow', reason: `allowed ${a.verb}` } : { decision: 'no-opinion', reason: `${a.user.name} may not ${a.verb}` };
    },
  };
}

export type Answer = (review: Record<string, any>, path: string) => { status?: number; body: unknown; delayMs?: number } | undefined;

export interface WebhookServer {
  url(path?: string): string;
  caBundle: string;
  /** Reviews received, in order. */
  received: Record<string, any>[];
  answer: Answer;
  close(): Promise<void>;
}

export async function startWebhookServer(): Promise<WebhookServer> {
  const ca = await createCertificateAuthority('webhook-test-ca', 1);
  const serving = await issueCertificate(ca, { commonName: 'webhook', dnsNames: ['localhost', 'hook.webhooks.svc'], ipAddresses: ['127.0.0.1'], usage: 'server', validDays: 1 });
  const state: WebhookServer = {
    url: (path = '/') => `https://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    caBundle: Buffer.from(ca.cert).toString('base64'),
    received: [],
    answer: (review) => ({ body: allow(review) }),
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); for (const s of sessions) s.destroy(); }),
  };
  const sessions = new Set<import('node:http2').ServerHttp2Session | import('node:net').Socket>();
  const server: Http2SecureServer = createSecureServer({ key: serving.key, cert: serving.cert, allowHTTP1: true }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      state.received.push(review);
      const a = state.answer(review, (req.url ?? '/').replace(/\?.*$/, ''));
      if (!a) return; // never answers
      const send = () => {
        res.writeHead(a.status ?? 200, { 'content-type': 'application/json' });
        res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
      };
      if (a.delayMs) setTimeout(send, a.delayMs).unref();
      else send();
    });
  });
  server.on('session', (s) => sessions.add(s));
  server.on('connection', (s: import('node:net').Socket) => sessions.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return state;
}

export function allow(review: Record<string, any>, extra: Record<string, unknown> = {}): unknown {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true, ...extra } };
}

export function deny(review: Record<string, any>, status: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: false, status, ...extra } };
}

export function jsonPatch(review: Record<string, any>, ops: unknown[], extra: Record<string, unknown> = {}): unknown {
  return allow(review, { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64'), ...extra });
}

export function hook(name: string, url: string, caBundle: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    clientConfig: { url, caBundle },
    rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], scope: '*' }],
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    namespaceSelector: {},
    objectSelector: {},
    timeoutSeconds: 2,
    ...extra,
  };
}

export function configuration(kind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration', name: string, webhooks: unknown[]): KubeObject {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind, metadata: { name }, webhooks };
}

export function deps(objects: { mutating?: KubeObject[]; validating?: KubeObject[]; namespaces?: KubeObject[]; services?: KubeObject[]; slices?: KubeObject[]; authorizer?: Authorizer }): WebhookDeps {
  const reader = staticReader({
    'mutatingwebhookconfigurations.admissionregistration.k8s.io': objects.mutating ?? [],
    'validatingwebhookconfigurations.admissionregistration.k8s.io': objects.validating ?? [],
    namespaces: objects.namespaces ?? [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns', labels: { team: 'a' } } }],
    services: objects.services ?? [],
    'endpointslices.discovery.k8s.io': objects.slices ?? [],
  });
  return {
    reader,
    async namespaceLabels(name) {
      return (await reader.get({ group: '', resource: 'namespaces' }, '', name))?.metadata.labels ?? undefined;
    },
    servedVersions: () => [],
    convert: (o) => o,
    authorizer: objects.authorizer ?? recordingAuthorizer(),
  };
}

export function configMapRequest(o: Partial<AdmissionRequest> = {}, warnings: string[] = []): AdmissionRequest {
  return {
    operation: 'CREATE',
    resource: { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap' },
    subresource: '',
    namespace: 'ns',
    name: 'cm',
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns', labels: { app: 'x' } }, data: { a: '1' } },
    user: { name: 'alice', groups: ['system:authenticated'] },
    dryRun: false,
    warn: (m) => warnings.push(m),
    ...o,
  };
}
