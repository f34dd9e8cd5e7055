import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { reconcileApproval, isKubeletClientRequest } from '../../../src/controllers/certificates/approver.js';
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

async function csr(name: string, o: { cn?: string; orgs?: string[]; user: string; groups: string[]; usages?: string[]; signer?: string }): Promise<KubeObject> {
  const req = await createCertificateRequest(o.cn ?? 'system:node:worker-1', o.orgs ?? ['system:nodes']);
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

const deps = (api: FakeApi) => ({ client: api, csrs: api.indexer(csrs), parse: parseCertificateRequest });

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
