// NodeRestriction: what a node credential (system:node:<name>) may write beyond what authorization allows.
// A node may create only mirror pods bound to itself that reference no other object, may delete and evict only pods
// bound to itself, may change only the status of pods bound to itself, may create, change and delete only its own
// Node, may write only its own Lease in kube-node-lease, and may ask for service-account tokens only when they are
// bound to a pod scheduled on it (that part is checked by the TokenRequest handler, auth/reviews/token-request.ts).
// Without these limits a node could schedule a pod with a powerful service account onto itself and mint that
// account's token, or delete the pods and leases of other nodes.
import { isRecord, type KubeObject } from '../api/object.js';
import { errors } from '../api/status.js';
import { podReferences } from '../auth/authz/pod-references.js';
import { nodeLeaseNamespace, nodeNameOfUser } from '../auth/node-identity.js';
import type { ObjectLookup } from '../auth/lookup.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

export const mirrorPodAnnotation = 'kubernetes.io/config.mirror';

const podsGR = { group: '', resource: 'pods' };
const nodesGR = { group: '', resource: 'nodes' };
const leasesGR = { group: 'coordination.k8s.io', resource: 'leases' };

function forbidden(gr: { group: string; resource: string }, name: string, message: string): Error {
  return errors.forbidden(gr, name, message);
}

function nodeNameOfPod(pod: Readonly<KubeObject> | undefined): string {
  const spec = pod && isRecord(pod['spec']) ? pod['spec'] : {};
  return typeof spec['nodeName'] === 'string' ? spec['nodeName'] : '';
}

function admitPodCreate(node: string, req: AdmissionRequest): void {
  const pod = req.object;
  const annotations = isRecord(pod.metadata.annotations) ? pod.metadata.annotations : {};
  if (!Object.hasOwn(annotations, mirrorPodAnnotation)) {
    throw forbidden(podsGR, req.name, `pod does not have "${mirrorPodAnnotation}" annotation, node "${node}" can only create mirror pods`);
  }
  if (nodeNameOfPod(pod) !== node) throw forbidden(podsGR, req.name, `node "${node}" can only create pods with spec.nodeName set to itself`);
  const owners = Array.isArray(pod.metadata.ownerReferences) ? pod.metadata.ownerReferences : [];
  if (owners.length > 1) throw forbidden(podsGR, req.name, `node "${node}" can only create pods with a single owner reference set to itself`);
  const owner = owners[0];
  if (owner && (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node)) {
    throw forbidden(podsGR, req.name, `node "${node}" can only create pods with an owner reference set to itself`);
  }
  const refs = podReferences(pod);
  if (refs.serviceaccounts.size > 0) throw forbidden(podsGR, req.name, `node "${node}" can not create pods that reference a service account`);
  if (refs.secrets.size > 0) throw forbidden(podsGR, req.name, `node "${node}" can not create pods that reference secrets`);
  if (refs.configmaps.size > 0) throw forbidden(podsGR, req.name, `node "${node}" can not create pods that reference configmaps`);
  if (refs.persistentvolumeclaims.size > 0) throw forbidden(podsGR, req.name, `node "${node}" can not create pods that reference persistentvolumeclaims`);
}

async function admitPod(node: string, req: AdmissionRequest, lookup: ObjectLookup | undefined): Promise<void> {
  if (req.subresource === '') {
    if (req.operation === 'CREATE') return admitPodCreate(node, req);
    if (req.operation === 'DELETE') {
      if (nodeNameOfPod(req.oldObject) !== node) throw forbidden(podsGR, req.name, `node "${node}" can only delete pods with spec.nodeName set to itself`);
      return;
    }
    throw forbidden(podsGR, req.name, `unexpected operation "${req.operation}", node "${node}" can only create and delete mirror pods`);
  }
  if (req.subresource === 'status') {
    if (req.operation !== 'UPDATE') throw forbidden(podsGR, req.name, `unexpected operation "${req.operation}"`);
    if (nodeNameOfPod(req.oldObject) !== node) throw forbidden(podsGR, req.name, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
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
  if (req.name !== node) throw forbidden(nodesGR, req.name, `node "${node}" is not allowed to modify node "${req.name}"`);
}

function admitLease(node: string, req: AdmissionRequest): void {
  if (req.namespace !== nodeLeaseNamespace) throw forbidden(leasesGR, req.name, `can only access leases in the "${nodeLeaseNamespace}" system namespace`);
  // On create the name comes from the object (the URL has none).
  const leaseName = req.operation === 'CREATE' ? (req.object.metadata.name ?? '') : req.name;
  if (leaseName !== node) throw forbidden(leasesGR, req.name, 'can only access node lease with the same name as the requesting node');
}

type Kind = 'pods' | 'nodes' | 'leases';

function kindOf(resource: { group: string; resource: string }): Kind | undefined {
  if (resource.group === '' && (resource.resource === 'pods' || resource.resource === 'nodes')) return resource.resource;
  if (resource.group === leasesGR.group && resource.resource === 'leases') return 'leases';
  return undefined;
}

export interface NodeRestrictionOptions {
  /** Reads the pod an eviction names. */
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
      return admitLease(node, req);
    },
  };
}
