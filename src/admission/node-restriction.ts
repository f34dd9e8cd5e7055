// NodeRestriction: what a node credential (system:node:<name>) may write beyond what authorization allows.
// A node may create only mirror pods bound to itself that reference no other object, may delete and change only the
// status of pods bound to itself, may create and change only its own Node, and may ask for service-account tokens only when
// they are bound to a pod scheduled on it (that part is checked by the TokenRequest handler,
// auth/reviews/token-request.ts). Without these limits a node could schedule a pod with a powerful
// service account onto itself and mint that account's token.
import { isRecord, type KubeObject } from '../api/object.js';
import { errors } from '../api/status.js';
import { podReferences } from '../auth/authz/node.js';
import { nodeNameOfUser } from '../auth/node-identity.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

export const mirrorPodAnnotation = 'kubernetes.io/config.mirror';

const podsGR = { group: '', resource: 'pods' };
const nodesGR = { group: '', resource: 'nodes' };

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

function admitPod(node: string, req: AdmissionRequest): void {
  if (req.subresource === '') {
    if (req.operation === 'CREATE') return admitPodCreate(node, req);
    if (req.operation === 'DELETE') {
      if (nodeNameOfPod(req.oldObject) !== node) throw forbidden(podsGR, req.name, `node "${node}" can only delete pods with spec.nodeName set to itself`);
      return;
    }
    throw forbidden(podsGR, req.name, `unexpected operation "${req.operation}", node "${node}" can only create and delete mirror pods`);
  }
  if (req.subresource === 'status') {
    if (nodeNameOfPod(req.oldObject) !== node) throw forbidden(podsGR, req.name, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
    return;
  }
  throw forbidden(podsGR, req.name, `unexpected subresource "${req.subresource}", node "${node}" can only update pod status`);
}

function admitNode(node: string, req: AdmissionRequest): void {
  if (req.name !== node) throw forbidden(nodesGR, req.name, `node "${node}" is not allowed to modify node "${req.name}"`);
}

export function nodeRestrictionAdmission(): AdmissionPlugin {
  return {
    name: 'NodeRestriction',
    handles: (req) => req.resource.group === '' && (req.resource.resource === 'pods' || req.resource.resource === 'nodes') && nodeNameOfUser(req.user) !== undefined,
    async validate(req) {
      const node = nodeNameOfUser(req.user);
      if (node === undefined) return;
      if (req.resource.resource === 'pods') admitPod(node, req);
      else admitNode(node, req);
    },
  };
}
