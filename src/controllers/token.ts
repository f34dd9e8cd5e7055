// Token controller: fills Secrets of type kubernetes.io/service-account-token with a signed legacy token,
// the cluster CA and the namespace, and deletes such Secrets whose ServiceAccount is gone.
import type { KubeObject } from '../api/object.js';
import { isConflict, isNotFound } from '../client/api-error.js';
import { objectKey, type Indexer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import type { ControllerClient, ControllerContext, ReconcileResult } from '../client/control/types.js';

export const serviceAccountTokenType = 'kubernetes.io/service-account-token';
export const saNameAnnotation = 'kubernetes.io/service-account.name';
export const saUidAnnotation = 'kubernetes.io/service-account.uid';

/** Signs a legacy (Secret-bound, non-expiring) service-account token; the auth package provides it. */
export type LegacyTokenSigner = (namespace: string, serviceAccount: { name: string; uid: string }, secretName: string) => Promise<string>;

export interface TokenDeps {
  client: ControllerClient;
  secrets: Indexer;
  serviceAccounts: Indexer;
  sign: LegacyTokenSigner;
  caPem: string;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export async function reconcileTokenSecret(key: string, d: TokenDeps): Promise<ReconcileResult> {
  const secret = d.secrets.get(key);
  if (!secret || secret['type'] !== serviceAccountTokenType || secret.metadata.deletionTimestamp) return;
  const ns = secret.metadata.namespace ?? '';
  const saName = secret.metadata.annotations?.[saNameAnnotation] ?? '';
  const wantUid = secret.metadata.annotations?.[saUidAnnotation];
  const sa = d.serviceAccounts.get(`${ns}/${saName}`) ?? (await d.client.get<KubeObject>(pathFor(R.serviceaccounts, ns, saName)).catch(() => undefined));
  if (!sa || (wantUid && sa.metadata.uid !== wantUid)) {
    try {
      await d.client.delete(pathFor(R.secrets, ns, secret.metadata.name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: secret.metadata.uid } } });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
    return;
  }
  const data = (secret['data'] ?? {}) as Record<string, string>;
  const needsToken = !data['token'];
  const needsCA = data['ca.crt'] !== b64(d.caPem);
  const needsNamespace = data['namespace'] !== b64(ns);
  const needsUid = wantUid !== sa.metadata.uid;
  if (!needsToken && !needsCA && !needsNamespace && !needsUid) return;
  const next: KubeObject = structuredClone(secret);
  const nextData: Record<string, string> = { ...data, 'ca.crt': b64(d.caPem), namespace: b64(ns) };
  if (needsToken) nextData['token'] = b64(await d.sign(ns, { name: saName, uid: sa.metadata.uid ?? '' }, secret.metadata.name ?? ''));
  next['data'] = nextData;
  next.metadata.annotations = { ...next.metadata.annotations, [saUidAnnotation]: sa.metadata.uid ?? '' };
  await d.client.update(pathFor(R.secrets, ns, secret.metadata.name), next);
}

export function startTokenController(ctx: ControllerContext, sign: LegacyTokenSigner, caPem: string): Promise<void> {
  const secrets = ctx.factory.informerFor({ path: pathFor(R.secrets) });
  const sas = ctx.factory.informerFor({ path: pathFor(R.serviceaccounts) });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const mine = (s: KubeObject) => s['type'] === serviceAccountTokenType;
  secrets.addEventHandler({ add: (s) => mine(s) && queue.add(objectKey(s)), update: (_o, s) => mine(s) && queue.add(objectKey(s)) });
  // A deleted ServiceAccount takes its token Secrets with it.
  sas.addEventHandler({
    delete: (sa) => {
      for (const s of secrets.store.byNamespace(sa.metadata.namespace ?? '')) {
        if (mine(s) && s.metadata.annotations?.[saNameAnnotation] === sa.metadata.name) queue.add(objectKey(s));
      }
    },
  });
  const deps: TokenDeps = { client: ctx.client, secrets: secrets.store, serviceAccounts: sas.store, sign, caPem };
  return runController({ name: 'token', informers: [secrets, sas], queue, reconcile: (k) => reconcileTokenSecret(k, deps), workers: ctx.workers ?? 2, signal: ctx.signal, log: ctx.log });
}
