// The kubelet client certificate approver (kube-controller-manager's csrapproving): a pending request for
// kubernetes.io/kube-apiserver-client-kubelet that is a valid kubelet client request (O=system:nodes only,
// CN=system:node:<name>, no subjectAltNames, usages digital signature + client auth, key encipherment allowed) is
// approved when a SubjectAccessReview says its requester may create certificatesigningrequests/selfnodeclient
// (a node renewing its own certificate) or certificatesigningrequests/nodeclient (a bootstrap token; kubeadm's
// bindings grant these). Anything else is left for a person (`kubectl certificate approve`).
import type { KubeObject } from '../../api/object.js';
import { isConflict, isNotFound } from '../../client/api-error.js';
import { objectKey, type Indexer } from '../../client/informer.js';
import { resourcePath } from '../../client/paths.js';
import { WorkQueue } from '../../client/workqueue.js';
import { runController } from '../../client/control/run.js';
import type { ControllerClient, ControllerContext } from '../../client/control/types.js';
import { asObj, get, objects, str, strings } from '../../registry/fields.js';
import type { RequestNames } from './signer.js';

const csrResource = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };
export const kubeletClientSigner = 'kubernetes.io/kube-apiserver-client-kubelet';

interface Recognizer {
  subresource: 'selfnodeclient' | 'nodeclient';
  message: string;
  recognize(csr: KubeObject, names: RequestNames): boolean;
}

/** Whether the request is what a kubelet asks for its client certificate (upstream's IsKubeletClientCSR). */
export function isKubeletClientRequest(names: RequestNames, usages: string[]): boolean {
  if (names.organizations.length !== 1 || names.organizations[0] !== 'system:nodes') return false;
  if (names.dnsNames.length + names.emailAddresses.length + names.ipAddresses.length + names.uris.length > 0) return false;
  if (!names.commonName.startsWith('system:node:')) return false;
  const set = [...new Set(usages)].sort().join(',');
  return set === 'client auth,digital signature' || set === 'client auth,digital signature,key encipherment';
}

const isNodeClient = (csr: KubeObject, names: RequestNames) => str(get(csr, 'spec', 'signerName')) === kubeletClientSigner && isKubeletClientRequest(names, strings(get(csr, 'spec', 'usages')));

/** In upstream's order: a node's own renewal first, then a request made for a node (bootstrap). */
const recognizers: Recognizer[] = [
  {
    subresource: 'selfnodeclient',
    message: 'Auto approving self kubelet client certificate after SubjectAccessReview.',
    recognize: (csr, names) => isNodeClient(csr, names) && str(get(csr, 'spec', 'username')) === names.commonName,
  },
  {
    subresource: 'nodeclient',
    message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
    recognize: isNodeClient,
  },
];

export interface ApproverDeps {
  client: ControllerClient;
  csrs: Indexer;
  parse(pem: string): RequestNames;
}

function decided(csr: KubeObject): boolean {
  return objects(get(csr, 'status', 'conditions')).some((c) => c.type === 'Approved' || c.type === 'Denied');
}

async function allowed(d: ApproverDeps, csr: KubeObject, subresource: string): Promise<boolean> {
  const spec = asObj(csr['spec']) ?? {};
  const review = await d.client.create<KubeObject>('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: str(spec['username']),
      ...(str(spec['uid']) ? { uid: str(spec['uid']) } : {}),
      groups: strings(spec['groups']),
      ...(asObj(spec['extra']) ? { extra: structuredClone(asObj(spec['extra'])) } : {}),
      resourceAttributes: { group: 'certificates.k8s.io', version: '*', resource: 'certificatesigningrequests', subresource, verb: 'create' },
    },
  });
  return get(review, 'status', 'allowed') === true;
}

export async function reconcileApproval(key: string, d: ApproverDeps): Promise<void> {
  const csr = d.csrs.get(key);
  if (!csr || str(get(csr, 'status', 'certificate')) !== '' || decided(csr)) return;
  if (str(get(csr, 'spec', 'signerName')) !== kubeletClientSigner) return;
  let names: RequestNames;
  try {
    names = d.parse(Buffer.from(str(get(csr, 'spec', 'request')), 'base64').toString('latin1'));
  } catch (e) {
    throw new Error(`unable to parse csr "${csr.metadata.name ?? ''}": ${e instanceof Error ? e.message : String(e)}`);
  }
  for (const r of recognizers) {
    if (!r.recognize(csr, names)) continue;
    if (!(await allowed(d, csr, r.subresource))) continue;
    const status = structuredClone(asObj(csr['status']) ?? {});
    status['conditions'] = [...objects(status['conditions']), { type: 'Approved', status: 'True', reason: 'AutoApproved', message: r.message }];
    try {
      await d.client.update(`${resourcePath({ ...csrResource, name: csr.metadata.name ?? '' })}/approval`, { ...csr, status });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
    return;
  }
}

export function startCsrApprovingController(ctx: ControllerContext, parse: (pem: string) => RequestNames): Promise<void> {
  const csrs = ctx.factory.informerFor({ path: resourcePath(csrResource) });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  csrs.addEventHandler({ add: (c) => queue.add(objectKey(c)), update: (_o, c) => queue.add(objectKey(c)) });
  const deps: ApproverDeps = { client: ctx.client, csrs: csrs.store, parse };
  return runController({ name: 'csrapproving', informers: [csrs], queue, primary: { informer: csrs, resource: csrResource }, recorder: ctx.recorder, reconcile: (k) => reconcileApproval(k, deps), workers: ctx.workers ?? 1, signal: ctx.signal, log: ctx.log });
}
