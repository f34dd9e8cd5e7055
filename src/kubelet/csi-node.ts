// The node's CSINode (storage.k8s.io/v1), as the kubelet's CSI node-info manager keeps it: named after the node,
// owned by its Node (so the garbage collector deletes it with the Node), listing the CSI drivers registered on
// the node. a-kube's node agent runs no CSI drivers (the local-path provisioner is built in, not a CSI driver),
// so the list is empty; nor any of the in-tree volume plugins that migrate to CSI, so there is no
// storage.alpha.kubernetes.io/migrated-plugins annotation.
import type { KubeObject } from '../api/object.js';
import { isAlreadyExists, isNotFound } from '../client/api-error.js';
import type { RestClient } from '../client/rest.js';
import { pathFor, R } from '../client/control/resources.js';

/** The owner reference a CSINode carries to its Node. */
function nodeOwner(node: Readonly<KubeObject>) {
  return { apiVersion: 'v1', kind: 'Node', name: node.metadata.name ?? '', uid: node.metadata.uid ?? '' };
}

/**
 * Creates the node's CSINode, or points an existing one (left by an earlier Node of the same name) at this Node.
 * Returns what was done.
 */
export async function ensureCSINode(client: Pick<RestClient, 'get' | 'create' | 'update'>, node: Readonly<KubeObject>): Promise<'created' | 'adopted' | 'unchanged'> {
  const name = node.metadata.name ?? '';
  const path = pathFor(R.csinodes, undefined, name);
  let existing: KubeObject;
  try {
    existing = await client.get<KubeObject>(path);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    try {
      await client.create(pathFor(R.csinodes), { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name, ownerReferences: [nodeOwner(node)] }, spec: { drivers: [] } });
      return 'created';
    } catch (err) {
      // Another start of this agent got there first: that one is the node's.
      if (isAlreadyExists(err)) return 'unchanged';
      throw err;
    }
  }
  const refs = existing.metadata.ownerReferences ?? [];
  if (refs.some((r) => r.kind === 'Node' && r.uid === node.metadata.uid)) return 'unchanged';
  const others = refs.filter((r) => !(r.kind === 'Node' && r.apiVersion === 'v1'));
  await client.update(path, { ...existing, metadata: { ...existing.metadata, ownerReferences: [...others, nodeOwner(node)] } });
  return 'adopted';
}
