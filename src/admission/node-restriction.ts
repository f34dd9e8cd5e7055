// NodeRestriction: what a node credential (system:node:<name>) may write beyond what authorization allows.
// A node may create only mirror pods bound to and controlled by its own Node that reference no other object, may
// delete and evict only pods bound to itself, may change only the status of pods bound to itself (not their labels),
// may create, change and delete only its own Node — never its taints, node-restriction.kubernetes.io labels or
// kubernetes.io/k8s.io labels other than the ones a kubelet sets — may write only its own Lease in kube-node-lease
// and only the CSINode named after it, may ask for client and serving certificates only in its own name, and may
// ask for service-account tokens only when they are bound to a pod scheduled on it (checked by the TokenRequest
// handler, auth/reviews/token-request.ts). Without these limits a node could schedule a pod with a powerful service account
// onto itself and mint that account's token, lift its own taints or relabel itself to attract workloads meant for
// other nodes, or delete the pods and leases of other nodes.
import { isDeepStrictEqual } from 'node:util';
import { isRecord, type KubeObject } from '../api/object.js';
import { errors } from '../api/status.js';
import { podReferences } from '../auth/authz/pod-references.js';
import { nodeLeaseNamespace, nodeNameOfUser } from '../auth/node-identity.js';
import type { ObjectLookup } from '../auth/lookup.js';
import { parseCertificateRequest } from '../pki/csr.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

export const mirrorPodAnnotation = 'kubernetes.io/config.mirror';

const podsGR = { group: '', resource: 'pods' };
const nodesGR = { group: '', resource: 'nodes' };
const leasesGR = { group: 'coordination.k8s.io', resource: 'leases' };
const csrGR = { group: 'certificates.k8s.io', resource: 'certificatesigningrequests' };
const csiNodesGR = { group: 'storage.k8s.io', resource: 'csinodes' };

function forbidden(gr: { group: string; resource: string }, name: string, message: string): Error {
  return errors.forbidden(gr, name, message);
}

function nodeNameOfPod(pod: Readonly<KubeObject> | undefined): string {
  const spec = pod && isRecord(pod['spec']) ? pod['spec'] : {};
  return typeof spec['nodeName'] === 'string' ? spec['nodeName'] : '';
}

async function admitPodCreate(node: string, req: AdmissionRequest, lookup: ObjectLookup | undefined): Promise<void> {
  const pod = req.object;
  const annotations = isRecord(pod.metadata.annotations) ? pod.metadata.annotations : {};
  if (!Object.hasOwn(annotations, mirrorPodAnnotation)) {
    throw forbidden(podsGR, req.name, `pod does not have "${mirrorPodAnnotation}" annotation, node "${node}" can only create mirror pods`);
  }
  if (nodeNameOfPod(pod) !== node) throw forbidden(podsGR, req.name, `node "${node}" can only create pods with spec.nodeName set to itself`);
  const owners = Array.isArray(pod.metadata.ownerReferences) ? pod.metadata.ownerReferences : [];
  if (owners.length > 1) throw forbidden(podsGR, req.name, `node "${node}" can only create pods with a single owner reference set to itself`);
  const owner = owners[0];
  if (!owner || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) {
    throw forbidden(podsGR, req.name, `node "${node}" can only create pods with an owner reference set to itself`);
  }
  if (owner.controller !== true) throw forbidden(podsGR, req.name, `node "${node}" can only create pods with a controller owner reference set to itself`);
  if (owner.blockOwnerDeletion === true) throw forbidden(podsGR, req.name, `node "${node}" must not set blockOwnerDeletion on an owner reference`);
  const self = await lookup?.get('Node', '', node);
  if (!self) throw errors.notFound(nodesGR, node);
  if (owner.uid !== self.metadata.uid) throw forbidden(podsGR, req.name, `node ${node} UID mismatch: expected ${owner.uid} got ${self.metadata.uid ?? ''}`);
  const refs = podReferences(pod);
  if (refs.serviceaccounts.size > 0) throw forbidden(podsGR, req.name, `node "${node}" can not create pods that reference a service account`);
  if (refs.secrets.size > 0) throw forbidden(podsGR, req.name, `node "${node}" can not create pods that reference secrets`);
  if (refs.configmaps.size > 0) throw forbidden(podsGR, req.name, `node "${node}" can not create pods that reference configmaps`);
  if (refs.persistentvolumeclaims.size > 0) throw forbidden(podsGR, req.name, `node "${node}" can not create pods that reference persistentvolumeclaims`);
}

async function admitPod(node: string, req: AdmissionRequest, lookup: ObjectLookup | undefined): Promise<void> {
  if (req.subresource === '') {
    if (req.operation === 'CREATE') return admitPodCreate(node, req, lookup);
    if (req.operation === 'DELETE') {
      if (nodeNameOfPod(req.oldObject) !== node) throw forbidden(podsGR, req.name, `node "${node}" can only delete pods with spec.nodeName set to itself`);
      return;
    }
    throw forbidden(podsGR, req.name, `unexpected operation "${req.operation}", node "${node}" can only create and delete mirror pods`);
  }
  if (req.subresource === 'status') {
    if (req.operation !== 'UPDATE') throw forbidden(podsGR, req.name, `unexpected operation "${req.operation}"`);
    if (nodeNameOfPod(req.oldObject) !== node) throw forbidden(podsGR, req.name, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
    if (!isDeepStrictEqual(req.oldObject?.metadata.labels ?? {}, req.object.metadata.labels ?? {})) {
      throw forbidden(podsGR, req.name, `node "${node}" cannot update labels through pod status`);
    }
    return;
  }
  if (req.subresource === 'eviction') {
    if (req.operation !== 'CREATE') throw forbidden(podsGR, req.name, `unexpected operation ${req.operation}`);
    // The pod named by the URL, else by the Eviction's own name.
    const podName = req.name || (req.object.metadata.name ?? '');
    if (podName === '') throw forbidden(podsGR, req.name, 'could not determine pod from request data');
    const pod = await lookup?.get('Pod', req.namespace, podName);
    if (!pod) throw errors.notFound(podsGR, podName);
    if (nodeNameOfPod(pod) !== node) throw forbidden(podsGR, req.name, `node ${node} can only evict pods with spec.nodeName set to itself`);
    return;
  }
  throw forbidden(podsGR, req.name, `unexpected pod subresource "${req.subresource}", only 'status' and 'eviction' are allowed`);
}

function admitNode(node: string, req: AdmissionRequest): void {
  // On create the name comes from the object (the URL has none).
  const name = req.operation === 'CREATE' ? (req.object.metadata.name ?? '') : req.name;
  if (name !== node) throw forbidden(nodesGR, name, `node "${node}" is not allowed to modify node "${name}"`);
  const spec = (o: Readonly<KubeObject> | undefined): Record<string, unknown> => (o && isRecord(o['spec']) ? o['spec'] : {});
  if (req.operation === 'CREATE') {
    if (spec(req.object)['configSource'] != null) throw forbidden(nodesGR, name, `node "${node}" is not allowed to create pods with a non-nil configSource`);
    const refused = forbiddenLabels(modifiedLabels(req.object.metadata.labels, undefined));
    if (refused.length > 0) throw forbidden(nodesGR, name, `node "${node}" is not allowed to set the following labels: ${refused.join(', ')}`);
  }
  if (req.operation === 'UPDATE') {
    const now = spec(req.object);
    const before = spec(req.oldObject);
    if (now['configSource'] != null && !isDeepStrictEqual(now['configSource'], before['configSource'])) {
      throw forbidden(nodesGR, name, `node "${node}" is not allowed to update configSource to a new non-nil configSource`);
    }
    if (!isDeepStrictEqual(taintsOf(now), taintsOf(before))) throw forbidden(nodesGR, name, `node "${node}" is not allowed to modify taints`);
    const refused = forbiddenLabels(modifiedLabels(req.object.metadata.labels, req.oldObject?.metadata.labels));
    if (refused.length > 0) throw forbidden(nodesGR, name, `is not allowed to modify labels: ${refused.join(', ')}`);
  }
}

/** No taints and an empty list are the same. */
function taintsOf(spec: Record<string, unknown>): unknown[] {
  return Array.isArray(spec['taints']) ? spec['taints'] : [];
}

/** Keys whose value differs between the two label sets (added, removed or changed). */
function modifiedLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): string[] {
  const out = new Set<string>();
  const left = a ?? {};
  const right = b ?? {};
  for (const k of Object.keys(left)) if (!Object.hasOwn(right, k) || right[k] !== left[k]) out.add(k);
  for (const k of Object.keys(right)) if (!Object.hasOwn(left, k) || left[k] !== right[k]) out.add(k);
  return [...out];
}

/** The labels a kubelet sets on its own Node; other kubernetes.io and k8s.io labels are the cluster's to set. */
const kubeletLabels = new Set([
  'kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region', 'beta.kubernetes.io/instance-type', 'node.kubernetes.io/instance-type', 'kubernetes.io/os',
  'kubernetes.io/arch', 'beta.kubernetes.io/os', 'beta.kubernetes.io/arch',
]);

function labelDomain(key: string): string {
  const slash = key.indexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

const inDomain = (domain: string, parent: string): boolean => domain === parent || domain.endsWith(`.${parent}`);

function isKubeletLabel(key: string): boolean {
  const domain = labelDomain(key);
  return kubeletLabels.has(key) || inDomain(domain, 'kubelet.kubernetes.io') || inDomain(domain, 'node.kubernetes.io');
}

/** Sorted, as the refusal lists them. */
function forbiddenLabels(modified: readonly string[]): string[] {
  return modified
    .filter((key) => {
      const domain = labelDomain(key);
      if (inDomain(domain, 'node-restriction.kubernetes.io')) return true;
      return (inDomain(domain, 'kubernetes.io') || inDomain(domain, 'k8s.io')) && !isKubeletLabel(key);
    })
    .sort();
}

const nodeSigners = new Set(['kubernetes.io/kubelet-serving', 'kubernetes.io/kube-apiserver-client-kubelet']);

/** A node asks for kubelet client and serving certificates only in its own name. */
function admitCSR(node: string, req: AdmissionRequest): void {
  if (req.operation !== 'CREATE') return;
  const spec = isRecord(req.object['spec']) ? req.object['spec'] : {};
  if (typeof spec['signerName'] !== 'string' || !nodeSigners.has(spec['signerName'])) return;
  let commonName: string;
  try {
    commonName = parseCertificateRequest(Buffer.from(String(spec['request'] ?? ''), 'base64').toString('latin1')).commonName;
  } catch (e) {
    throw forbidden(csrGR, req.name, `unable to parse csr: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (commonName !== `system:node:${node}`) throw forbidden(csrGR, req.name, `can only create a node CSR with CN=system:node:${node}`);
}

function admitLease(node: string, req: AdmissionRequest): void {
  if (req.namespace !== nodeLeaseNamespace) throw forbidden(leasesGR, req.name, `can only access leases in the "${nodeLeaseNamespace}" system namespace`);
  // On create the name comes from the object (the URL has none).
  const leaseName = req.operation === 'CREATE' ? (req.object.metadata.name ?? '') : req.name;
  if (leaseName !== node) throw forbidden(leasesGR, req.name, 'can only access node lease with the same name as the requesting node');
}

/** The CSINode a node writes is the one named after it (on create the name comes from the object). */
function admitCSINode(node: string, req: AdmissionRequest): void {
  const name = req.operation === 'CREATE' ? (req.object.metadata.name ?? '') : req.name;
  if (name !== node) throw forbidden(csiNodesGR, req.name, 'can only access CSINode with the same name as the requesting node');
}

type Kind = 'pods' | 'nodes' | 'leases' | 'csrs' | 'csinodes';

function kindOf(resource: { group: string; resource: string }): Kind | undefined {
  if (resource.group === '' && (resource.resource === 'pods' || resource.resource === 'nodes')) return resource.resource;
  if (resource.group === leasesGR.group && resource.resource === 'leases') return 'leases';
  if (resource.group === csrGR.group && resource.resource === csrGR.resource) return 'csrs';
  if (resource.group === csiNodesGR.group && resource.resource === csiNodesGR.resource) return 'csinodes';
  return undefined;
}

export interface NodeRestrictionOptions {
  /** Reads the pod an eviction names and the Node a mirror pod's owner reference must match. */
  lookup?: ObjectLookup;
}

export function nodeRestrictionAdmission(opts: NodeRestrictionOptions = {}): AdmissionPlugin {
  return {
    name: 'NodeRestriction',
    handles: (req) => kindOf(req.resource) !== undefined && nodeNameOfUser(req.user) !== undefined,
    async validate(req) {
      const node = nodeNameOfUser(req.user);
      const kind = kindOf(req.resource);
      if (node === undefined || kind === undefined) return;
      if (kind === 'pods') return admitPod(node, req, opts.lookup);
      if (kind === 'nodes') return admitNode(node, req);
      if (kind === 'csrs') return admitCSR(node, req);
      if (kind === 'csinodes') return admitCSINode(node, req);
      return admitLease(node, req);
    },
  };
}
