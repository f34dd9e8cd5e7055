import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { pendingServingRequests, reconcileApproval, isKubeletClientRequest, isKubeletServingRequest } from '../../../src/controllers/certificates/approver.js';
import { createCertificateRequest, parseCertificateRequest } from '../../../src/pki/index.js';
import { FakeApi } from './fake-client.js';

const csrs = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

/** Answers SubjectAccessReviews from a table of "user|subresource" → allowed. */
class ReviewingApi extends FakeApi {
  reviews: Record<string, unknown>[] = [];
  constructor(readonly grants: string[]) {
    super();
  }
  override async create<T>(path: string, body: unknown): Promise<T> {
    if (path === '/apis/authorization.k8s.io/v1/subjectaccessreviews') {
      const spec = (body as { spec: { user: string; groups: string[]; resourceAttributes: { subresource: string } } }).spec;
      this.reviews.push(spec as unknown as Record<string, unknown>);
      const allowed = this.grants.some((g) => g === `${spec.user}|${spec.resourceAttributes.subresource}` || spec.groups.some((grp) => g === `${grp}|${spec.resourceAttributes.subresource}`));
      return { ...(body as object), status: { allowed } } as T;
    }
    return super.create(path, body);
  }
}

async function csr(name: string, o: { cn?: string; orgs?: string[]; user: string; groups: string[]; usages?: string[]; signer?: string; dnsNames?: string[]; ipAddresses?: string[] }): Promise<KubeObject> {
  const req = await createCertificateRequest(o.cn ?? 'system:node:worker-1', o.orgs ?? ['system:nodes'], { dnsNames: o.dnsNames ?? [], ipAddresses: o.ipAddresses ?? [] });
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: Buffer.from(req.csr).toString('base64'), signerName: o.signer ?? 'kubernetes.io/kube-apiserver-client-kubelet', usages: o.usages ?? ['digital signature', 'client auth'], username: o.user, groups: o.groups },
  };
}

function approvals(api: FakeApi) {
  return api.writes('update').map((a) => [a.path.replace(`${csrs}/`, ''), ((a.body as KubeObject)['status'] as { conditions: unknown[] }).conditions]);
}

const nodes = '/api/v1/nodes';
const deps = (api: FakeApi) => ({ client: api, csrs: api.indexer(csrs), nodes: api.indexer(nodes), parse: parseCertificateRequest });

test('a bootstrap token\'s kubelet client request is approved after a nodeclient review', async () => {
  const api = new ReviewingApi(['system:bootstrappers:kubeadm:default-node-token|nodeclient']);
  api.seed(csrs, await csr('node-csr-a', { user: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'] }));
  await reconcileApproval('node-csr-a', deps(api));
  assert.deepEqual(approvals(api), [['node-csr-a/approval', [{ type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' }]]]);
  assert.deepEqual((api.reviews[0] as { resourceAttributes: unknown }).resourceAttributes, { group: 'certificates.k8s.io', version: '*', resource: 'certificatesigningrequests', subresource: 'nodeclient', verb: 'create' });
});

test('a node renewing its own certificate is approved after a selfnodeclient review', async () => {
  const api = new ReviewingApi(['system:nodes|selfnodeclient']);
  api.seed(csrs, await csr('csr-b', { user: 'system:node:worker-1', groups: ['system:nodes', 'system:authenticated'], usages: ['digital signature', 'key encipherment', 'client auth'] }));
  await reconcileApproval('csr-b', deps(api));
  assert.equal((approvals(api)[0]![1] as { message: string }[])[0]!.message, 'Auto approving self kubelet client certificate after SubjectAccessReview.');
});

test('a node asking for another node\'s certificate is not self; without nodeclient rights it stays pending', async () => {
  const api = new ReviewingApi(['system:nodes|selfnodeclient']);
  api.seed(csrs, await csr('csr-c', { cn: 'system:node:worker-2', user: 'system:node:worker-1', groups: ['system:nodes'] }));
  await reconcileApproval('csr-c', deps(api));
  assert.deepEqual(approvals(api), []);
  assert.deepEqual(api.reviews.map((r) => (r['resourceAttributes'] as { subresource: string }).subresource), ['nodeclient']);
});

test('requests that are not kubelet client requests are left for a person', async () => {
  const api = new ReviewingApi(['system:bootstrappers|nodeclient']);
  const who = { user: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'] };
  api.seed(
    csrs,
    await csr('masters', { ...who, orgs: ['system:masters'] }),
    await csr('two-orgs', { ...who, orgs: ['system:nodes', 'x'] }),
    await csr('cn', { ...who, cn: 'alice' }),
    await csr('usage', { ...who, usages: ['digital signature', 'client auth', 'server auth'] }),
    await csr('signer', { ...who, signer: 'kubernetes.io/kube-apiserver-client' }),
  );
  for (const n of ['masters', 'two-orgs', 'cn', 'usage', 'signer']) await reconcileApproval(n, deps(api));
  assert.deepEqual(approvals(api), []);
  assert.deepEqual(api.reviews, []);
});

test('kubelet client usages: digital signature + client auth, key encipherment allowed', () => {
  const names = { commonName: 'system:node:n', organizations: ['system:nodes'], dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [] };
  assert.equal(isKubeletClientRequest(names, ['client auth', 'digital signature']), true);
  assert.equal(isKubeletClientRequest(names, ['key encipherment', 'client auth', 'digital signature']), true);
  assert.equal(isKubeletClientRequest(names, ['client auth']), false);
  assert.equal(isKubeletClientRequest({ ...names, dnsNames: ['n'] }, ['client auth', 'digital signature']), false);
});

function node(name: string, addresses: [string, string][]): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { addresses: addresses.map(([type, address]) => ({ type, address })) } };
}

const serving = { signer: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] };
const worker1 = { user: 'system:node:worker-1', groups: ['system:nodes', 'system:authenticated'] };

test('a node\'s own serving request naming its own addresses is approved; no SubjectAccessReview is asked', async () => {
  const api = new ReviewingApi([]);
  api.seed(nodes, node('worker-1', [['InternalIP', '10.0.0.5'], ['ExternalIP', '192.0.2.5'], ['Hostname', 'worker-1'], ['InternalDNS', 'worker-1.lan']]));
  api.seed(csrs, await csr('csr-s1', { ...worker1, ...serving, dnsNames: ['worker-1', 'worker-1.lan'], ipAddresses: ['10.0.0.5', '192.0.2.5'] }));
  api.seed(csrs, await csr('csr-s2', { ...worker1, ...serving, usages: ['digital signature', 'key encipherment', 'server auth'], ipAddresses: ['10.0.0.5'] }));
  await reconcileApproval('csr-s1', deps(api));
  await reconcileApproval('csr-s2', deps(api));
  assert.deepEqual(approvals(api), [
    ['csr-s1/approval', [{ type: 'Approved', status: 'True', reason: 'AutoApproved', message: "Auto approving kubelet serving certificate: its names are the node's own addresses." }]],
    ['csr-s2/approval', [{ type: 'Approved', status: 'True', reason: 'AutoApproved', message: "Auto approving kubelet serving certificate: its names are the node's own addresses." }]],
  ]);
  assert.deepEqual(api.reviews, []);
});

test('serving requests with a foreign name, another requester, another node or wrong usages stay pending', async () => {
  const api = new ReviewingApi(['system:nodes|selfnodeclient', 'system:masters|nodeclient']);
  api.seed(nodes, node('worker-1', [['InternalIP', '10.0.0.5'], ['Hostname', 'worker-1']]), node('worker-2', [['InternalIP', '10.0.0.6'], ['Hostname', 'worker-2']]));
  const cases: [string, Parameters<typeof csr>[1]][] = [
    ['other-ip', { ...worker1, ...serving, ipAddresses: ['10.0.0.6'] }],
    ['ip-as-dns', { ...worker1, ...serving, dnsNames: ['10.0.0.5'] }],
    ['host-as-ip-type', { ...worker1, ...serving, dnsNames: ['worker-1', 'kubernetes.default'] }],
    ['for-other-node', { ...worker1, ...serving, cn: 'system:node:worker-2', ipAddresses: ['10.0.0.6'] }],
    ['by-admin', { user: 'admin', groups: ['system:masters'], ...serving, ipAddresses: ['10.0.0.5'] }],
    ['not-in-nodes-group', { user: 'system:node:worker-1', groups: ['system:authenticated'], ...serving, ipAddresses: ['10.0.0.5'] }],
    ['client-usage', { ...worker1, ...serving, usages: ['digital signature', 'server auth', 'client auth'], ipAddresses: ['10.0.0.5'] }],
    ['no-names', { ...worker1, ...serving }],
    ['unknown-node', { user: 'system:node:worker-9', groups: ['system:nodes'], cn: 'system:node:worker-9', ...serving, ipAddresses: ['10.0.0.9'] }],
  ];
  for (const [name, o] of cases) api.seed(csrs, await csr(name, o));
  for (const [name] of cases) await reconcileApproval(name, deps(api));
  assert.deepEqual(approvals(api), []);
  assert.deepEqual(api.reviews, []);
});

test('kubelet serving usages: server auth with digital signature and key encipherment allowed; a name is needed', () => {
  const names = { commonName: 'system:node:n', organizations: ['system:nodes'], dnsNames: ['n'], ipAddresses: [], emailAddresses: [], uris: [] };
  assert.equal(isKubeletServingRequest(names, ['digital signature', 'server auth']), true);
  assert.equal(isKubeletServingRequest(names, ['key encipherment', 'digital signature', 'server auth']), true);
  assert.equal(isKubeletServingRequest(names, ['digital signature']), false);
  assert.equal(isKubeletServingRequest(names, ['server auth', 'client auth']), false);
  assert.equal(isKubeletServingRequest({ ...names, dnsNames: [] }, ['server auth']), false);
  assert.equal(isKubeletServingRequest({ ...names, uris: ['spiffe://x'] }, ['server auth']), false);
  assert.equal(isKubeletServingRequest({ ...names, organizations: ['system:nodes', 'x'] }, ['server auth']), false);
});

test('a serving request made before its Node reported the address is approved once the Node is looked at again', async () => {
  const api = new ReviewingApi([]);
  api.seed(nodes, node('worker-1', [['Hostname', 'worker-1']]));
  api.seed(csrs, await csr('csr-early', { ...worker1, ...serving, dnsNames: ['worker-1'], ipAddresses: ['10.0.0.5'] }));
  api.seed(csrs, await csr('csr-client', worker1));
  api.seed(csrs, await csr('csr-other', { user: 'system:node:worker-2', groups: ['system:nodes'], cn: 'system:node:worker-2', ...serving, ipAddresses: ['10.0.0.6'] }));
  await reconcileApproval('csr-early', deps(api));
  assert.deepEqual(approvals(api), []);
  // The Node's change enqueues the node's own pending serving requests only.
  assert.deepEqual(pendingServingRequests(api.indexer(csrs), 'worker-1', parseCertificateRequest), ['csr-early']);
  api.seed(nodes, node('worker-1', [['InternalIP', '10.0.0.5'], ['Hostname', 'worker-1']]));
  await reconcileApproval('csr-early', deps(api));
  assert.deepEqual(approvals(api).map(([path]) => path), ['csr-early/approval']);
});
