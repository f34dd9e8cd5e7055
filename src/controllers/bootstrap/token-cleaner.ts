// The token cleaner (kube-controller-manager's tokencleaner): deletes bootstrap token Secrets in kube-system once
// their expiration has passed, with the Secret's UID as a precondition so a token made again under the same name
// survives. A token that expires later is looked at again when it does.
import type { KubeObject } from '../../api/object.js';
import { bootstrapTokenNamespace, bootstrapTokenSecretType, tokenTimeLeftMs } from '../../api/bootstrap-token.js';
import { isConflict, isNotFound } from '../../client/api-error.js';
import { objectKey, type Indexer } from '../../client/informer.js';
import { WorkQueue, type Clock } from '../../client/workqueue.js';
import { pathFor, R } from '../../client/control/resources.js';
import { runController } from '../../client/control/run.js';
import type { ControllerClient, ControllerContext, ReconcileResult } from '../../client/control/types.js';

export interface TokenCleanerDeps {
  client: ControllerClient;
  secrets: Indexer;
  clock: Clock;
  log?: (line: string) => void;
}

export async function reconcileTokenSecret(key: string, d: TokenCleanerDeps): Promise<ReconcileResult> {
  const secret = d.secrets.get(key);
  if (!secret || secret['type'] !== bootstrapTokenSecretType) return;
  const left = tokenTimeLeftMs(secret, d.clock.now());
  if (left === Infinity) return;
  if (left > 0) return { requeueAfterMs: left };
  const name = secret.metadata.name ?? '';
  d.log?.(`token cleaner: deleting expired bootstrap token secret ${bootstrapTokenNamespace}/${name}`);
  try {
    await d.client.delete(pathFor(R.secrets, bootstrapTokenNamespace, name), { body: { apiVersion: 'v1', kind: 'DeleteOptions', ...(secret.metadata.uid ? { preconditions: { uid: secret.metadata.uid } } : {}) } });
  } catch (e) {
    // Gone already, or a new Secret took the name: nothing to do.
    if (!isNotFound(e) && !isConflict(e)) throw e;
  }
}

export function startTokenCleaner(ctx: ControllerContext): Promise<void> {
  const secrets = ctx.factory.informerFor({ path: pathFor(R.secrets, bootstrapTokenNamespace), fieldSelector: `type=${bootstrapTokenSecretType}` });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const enqueue = (s: KubeObject) => queue.add(objectKey(s));
  secrets.addEventHandler({ add: enqueue, update: (_o, s) => enqueue(s) });
  const deps: TokenCleanerDeps = { client: ctx.client, secrets: secrets.store, clock: ctx.clock, log: ctx.log };
  return runController({ name: 'token-cleaner', informers: [secrets], queue, reconcile: (k) => reconcileTokenSecret(k, deps), workers: ctx.workers ?? 1, signal: ctx.signal, log: ctx.log });
}
