// The bootstrap signer (kube-controller-manager's bootstrapsigner): keeps one detached JWS of the cluster-info
// kubeconfig in kube-public/cluster-info per bootstrap token marked for signing (`jws-kubeconfig-<token id>`),
// and removes the signatures of tokens that are gone, expired or no longer for signing. A node that knows a token
// can then trust the kubeconfig (server and CA) it read anonymously.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { bootstrapTokenNamespace, bootstrapTokenSecretType, clusterInfoName, clusterInfoNamespace, jwsKeyPrefix, kubeconfigKey, signingToken, tokenTimeLeftMs } from '../../api/bootstrap-token.js';
import { computeDetachedSignature } from '../../api/detached-jws.js';
import { getOwn } from '../../api/own.js';
import { isConflict, isNotFound } from '../../client/api-error.js';
import type { Indexer } from '../../client/informer.js';
import { WorkQueue, type Clock } from '../../client/workqueue.js';
import { pathFor, R } from '../../client/control/resources.js';
import { runController } from '../../client/control/run.js';
import type { ControllerClient, ControllerContext, ReconcileResult } from '../../client/control/types.js';

export interface BootstrapSignerDeps {
  client: ControllerClient;
  configMaps: Indexer;
  secrets: Indexer;
  clock: Clock;
}

const clusterInfoKey = `${clusterInfoNamespace}/${clusterInfoName}`;

export async function reconcileClusterInfo(d: BootstrapSignerDeps): Promise<ReconcileResult> {
  const cm = d.configMaps.get(clusterInfoKey);
  if (!cm || cm.metadata.deletionTimestamp) return;
  const data = isRecord(cm['data']) ? (cm['data'] as Record<string, unknown>) : {};
  const content = getOwn(data, kubeconfigKey);
  if (typeof content !== 'string') return;
  const now = d.clock.now();
  const desired = new Map<string, string>();
  let nextExpiry = Infinity;
  for (const secret of d.secrets.list()) {
    if (secret.metadata.namespace !== bootstrapTokenNamespace) continue;
    const token = signingToken(secret, now);
    if (!token) continue;
    desired.set(`${jwsKeyPrefix}${token.id}`, computeDetachedSignature(content, token.id, token.secret));
    nextExpiry = Math.min(nextExpiry, tokenTimeLeftMs(secret, now));
  }
  const next: Record<string, string> = {};
  let changed = false;
  for (const [k, v] of Object.entries(data)) {
    if (!k.startsWith(jwsKeyPrefix)) {
      if (typeof v === 'string') next[k] = v;
      continue;
    }
    if (!desired.has(k)) changed = true;
  }
  for (const [k, sig] of desired) {
    if (getOwn(data, k) !== sig) changed = true;
    next[k] = sig;
  }
  const later = nextExpiry === Infinity ? undefined : { requeueAfterMs: Math.max(1000, nextExpiry + 1000) };
  if (!changed) return later;
  try {
    await d.client.update(pathFor(R.configmaps, clusterInfoNamespace, clusterInfoName), { ...structuredClone(cm), data: next });
  } catch (e) {
    // Changed meanwhile (its event brings it back) or deleted.
    if (!isConflict(e) && !isNotFound(e)) throw e;
  }
  return later;
}

export function startBootstrapSigner(ctx: ControllerContext): Promise<void> {
  const configMaps = ctx.factory.informerFor({ path: pathFor(R.configmaps, clusterInfoNamespace), fieldSelector: `metadata.name=${clusterInfoName}` });
  const secrets = ctx.factory.informerFor({ path: pathFor(R.secrets, bootstrapTokenNamespace), fieldSelector: `type=${bootstrapTokenSecretType}` });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const poke = () => queue.add(clusterInfoKey);
  for (const inf of [configMaps, secrets]) inf.addEventHandler({ add: poke, update: poke, delete: poke });
  const deps: BootstrapSignerDeps = { client: ctx.client, configMaps: configMaps.store, secrets: secrets.store, clock: ctx.clock };
  return runController({ name: 'bootstrap-signer', informers: [configMaps, secrets], queue, reconcile: () => reconcileClusterInfo(deps), workers: 1, signal: ctx.signal, log: ctx.log });
}
