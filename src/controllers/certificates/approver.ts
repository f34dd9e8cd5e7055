// The kubelet client certificate approver (kube-controller-manager's csrapproving): a pending request for
// kubernetes.io/kube-apiserver-client-kubelet that is a valid kubelet client request (O=system:nodes only,
// CN=system:node:<name>, no subjectAltNames, usages digital signature + client auth, key encipherment allowed) is
// approved when a SubjectAccessReview says its requester may create certificatesigningrequests/selfnodeclient
// (a node renewing its own certificate) or certificatesigningrequests/nodeclient (a bootstrap token; kubeadm's
// bindings grant these).
// Beyond kube-controller-manager, which leaves kubelet serving requests to a person or a third-party approver,
// a pending request for kubernetes.io/kubelet-serving is approved when it is a valid kubelet serving request
// (O=system:nodes only, CN=system:node:<name>, DNS or IP subjectAltNames and no others, usages among digital
// signature, key encipherment and server auth with server auth), the node asks for itself (the requester is
// system:node:<name> in system:nodes), and every name in it is one of that Node's addresses: IPs among its
// InternalIP/ExternalIP addresses, DNS names among its Hostname/InternalDNS/ExternalDNS ones (else it stays
// pending, and a change of that Node looks again). A node reports its own addresses, so this trusts a node not
// to claim another's address. Anything else is left for a person (`kubectl certificate approve`).
import type { KubeObject } from '../../api/object.js';
import { isConflict, isNotFound } from '../../client/api-error.js';
import { objectKey, type Indexer } from '../../client/informer.js';
import { resourcePath } from '../../client/paths.js';
import { WorkQueue } from '../../client/workqueue.js';
import { runController } from '../../client/control/run.js';
import type { ControllerClient, ControllerContext } from '../../client/control/types.js';
import { asObj, get, objects, str, strings } from '../../registry/fields.js';
import { pathFor, R } from '../../client/control/resources.js';
import type { RequestNames } from './signer.js';

const csrResource = { group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests' };
export const kubeletClientSigner = 'kubernetes.io/kube-apiserver-client-kubelet';
export const kubeletServingSigner = 'kubernetes.io/kubelet-serving';
const nodeUserPrefix = 'system:node:';

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

/** Whether the request is what a kubelet asks for its serving certificate (upstream's IsKubeletServingCSR). */
export function isKubeletServingRequest(names: RequestNames, usages: string[]): boolean {
  if (names.organizations.length !== 1 || names.organizations[0] !== 'system:nodes') return false;
  if (!names.commonName.startsWith(nodeUserPrefix)) return false;
  if (names.emailAddresses.length + names.uris.length > 0 || names.dnsNames.length + names.ipAddresses.length === 0) return false;
  const allowed = new Set(['digital signature', 'key encipherment', 'server auth']);
  return usages.includes('server auth') && usages.every((u) => allowed.has(u));
}

/** Whether every name of the request is one of the Node's addresses of the matching kind. */
function namesAreNodeAddresses(node: Readonly<KubeObject> | undefined, names: RequestNames): boolean {
  if (!node) return false;
  const addresses = objects(get(node, 'status', 'addresses'));
  const of = (types: string[]) => new Set(addresses.filter((a) => types.includes(str(a['type']))).map((a) => str(a['address'])));
  const ips = of(['InternalIP', 'ExternalIP']);
  const hosts = of(['Hostname', 'InternalDNS', 'ExternalDNS']);
  return names.ipAddresses.every((ip) => ips.has(ip)) && names.dnsNames.every((d) => hosts.has(d));
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
  /** The Nodes (a serving request's names are checked against its Node's addresses). */
  nodes: Indexer;
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

async function approve(d: ApproverDeps, csr: KubeObject, message: string): Promise<void> {
  const status = structuredClone(asObj(csr['status']) ?? {});
  status['conditions'] = [...objects(status['conditions']), { type: 'Approved', status: 'True', reason: 'AutoApproved', message }];
  try {
    await d.client.update(`${resourcePath({ ...csrResource, name: csr.metadata.name ?? '' })}/approval`, { ...csr, status });
  } catch (e) {
    if (!isNotFound(e) && !isConflict(e)) throw e;
  }
}

/** A node's own serving request whose names are its Node's addresses (else left pending; a Node change looks again). */
async function reconcileServing(csr: KubeObject, names: RequestNames, d: ApproverDeps): Promise<void> {
  if (!isKubeletServingRequest(names, strings(get(csr, 'spec', 'usages')))) return;
  if (str(get(csr, 'spec', 'username')) !== names.commonName || !strings(get(csr, 'spec', 'groups')).includes('system:nodes')) return;
  if (!namesAreNodeAddresses(d.nodes.get(names.commonName.slice(nodeUserPrefix.length)), names)) return;
  await approve(d, csr, "Auto approving kubelet serving certificate: its names are the node's own addresses.");
}

export async function reconcileApproval(key: string, d: ApproverDeps): Promise<void> {
  const csr = d.csrs.get(key);
  if (!csr || str(get(csr, 'status', 'certificate')) !== '' || decided(csr)) return;
  const signer = str(get(csr, 'spec', 'signerName'));
  if (signer !== kubeletClientSigner && signer !== kubeletServingSigner) return;
  let names: RequestNames;
  try {
    names = d.parse(Buffer.from(str(get(csr, 'spec', 'request')), 'base64').toString('latin1'));
  } catch (e) {
    throw new Error(`unable to parse csr "${csr.metadata.name ?? ''}": ${e instanceof Error ? e.message : String(e)}`);
  }
  if (signer === kubeletServingSigner) return reconcileServing(csr, names, d);
  for (const r of recognizers) {
    if (!r.recognize(csr, names)) continue;
    if (!(await allowed(d, csr, r.subresource))) continue;
    await approve(d, csr, r.message);
    return;
  }
}

/** The pending serving requests of a node (what to look at again when its Node changes). */
export function pendingServingRequests(csrs: Indexer, nodeName: string, parse: (pem: string) => RequestNames): string[] {
  const keys: string[] = [];
  for (const csr of csrs.list()) {
    if (str(get(csr, 'spec', 'signerName')) !== kubeletServingSigner || decided(csr) || str(get(csr, 'status', 'certificate')) !== '') continue;
    if (str(get(csr, 'spec', 'username')) !== `${nodeUserPrefix}${nodeName}`) continue;
    try {
      if (parse(Buffer.from(str(get(csr, 'spec', 'request')), 'base64').toString('latin1')).commonName === `${nodeUserPrefix}${nodeName}`) keys.push(objectKey(csr));
    } catch {
      // an unparsable request stays as it is
    }
  }
  return keys;
}

export function startCsrApprovingController(ctx: ControllerContext, parse: (pem: string) => RequestNames): Promise<void> {
  const csrs = ctx.factory.informerFor({ path: resourcePath(csrResource) });
  const nodes = ctx.factory.informerFor({ path: pathFor(R.nodes) });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  csrs.addEventHandler({ add: (c) => queue.add(objectKey(c)), update: (_o, c) => queue.add(objectKey(c)) });
  const nodeChanged = (n: KubeObject) => {
    for (const key of pendingServingRequests(csrs.store, n.metadata.name ?? '', parse)) queue.add(key);
  };
  nodes.addEventHandler({ add: nodeChanged, update: (_o, n) => nodeChanged(n) });
  const deps: ApproverDeps = { client: ctx.client, csrs: csrs.store, nodes: nodes.store, parse };
  return runController({ name: 'csrapproving', informers: [csrs, nodes], queue, primary: { informer: csrs, resource: csrResource }, recorder: ctx.recorder, reconcile: (k) => reconcileApproval(k, deps), workers: ctx.workers ?? 1, signal: ctx.signal, log: ctx.log });
}
