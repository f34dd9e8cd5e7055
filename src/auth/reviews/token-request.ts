// TokenRequest on serviceaccounts/<name>/token (pkg/registry/core/serviceaccount/storage/token.go):
// a bound token for the service account, optionally bound to a Pod, Secret or Node of the namespace.
import { isRecord, type KubeObject } from '../../api/object.js';
import type { CustomHandler } from '../../apiserver/router.js';
import { errors, field } from '../../api/status.js';
import type { LookupKind, ObjectLookup } from '../lookup.js';
import { nodeNameOfUser } from '../node-identity.js';
import type { UserInfo } from '../types.js';
import { warnOnlyBoundTokenExpirationSeconds, expirationExtensionSeconds, type ObjectRefClaim } from '../serviceaccount/claims.js';
import type { BoundTokenRequest, TokenSigner } from '../serviceaccount/signer.js';
import { decodeReview, specOf, str, strings } from './common.js';

export const defaultExpirationSeconds = 3600;
const minExpirationSeconds = 600;
const maxExpirationSeconds = 2 ** 32;

export interface TokenRequestDeps {
  signer: TokenSigner;
  apiAudiences: string[];
  lookup: ObjectLookup;
  now: () => Date;
  /** Give kubelet's 3607 s pod tokens a year with a warning after 3607 s (--service-account-extend-token-expiration). */
  extendExpiration?: boolean;
  /** --service-account-max-token-expiration: longer requests get this lifetime instead (0 or absent: no cap). */
  maxExpirationSeconds?: number;
}

function secondsTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function tokenRequestHandler(deps: TokenRequestDeps): CustomHandler {
  return async function tokenRequest(s) {
    if (s.info.verb !== 'create') throw errors.methodNotAllowed(s.info.verb, { group: '', resource: 'serviceaccounts/token' });
    const req = await decodeReview(s, { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' });
    const namespace = s.info.namespace;
    const saName = s.info.urlName;
    const spec = specOf(req);
    const requested = spec['expirationSeconds'];
    const asked = typeof requested === 'number' && requested !== 0 ? requested : defaultExpirationSeconds;
    const gk = { group: 'authentication.k8s.io', kind: 'TokenRequest' };
    if (asked < minExpirationSeconds) throw errors.invalid(gk, req.metadata.name ?? '', [field.invalid('spec.expirationSeconds', asked, 'may not specify a duration less than 10 minutes')]);
    if (asked > maxExpirationSeconds) throw errors.invalid(gk, req.metadata.name ?? '', [field.invalid('spec.expirationSeconds', asked, 'may not specify a duration larger than 2^32 seconds')]);
    // The server's cap applies after validation: the answer's spec.expirationSeconds says what was given.
    const cap = deps.maxExpirationSeconds ?? 0;
    const expirationSeconds = cap > 0 && asked > cap ? cap : asked;

    const store = await s.store();
    const sa = await store.get(namespace, saName);
    const serviceAccount: ObjectRefClaim = { name: saName, uid: sa.metadata.uid ?? '' };
    const audiences = strings(spec['audiences']).length > 0 ? strings(spec['audiences']) : [...deps.apiAudiences];
    const bound: BoundTokenRequest = { namespace, serviceAccount, audiences, expirationSeconds };

    const ref = isRecord(spec['boundObjectRef']) ? spec['boundObjectRef'] : undefined;
    const user = s.ctx.user;
    if (user && nodeNameOfUser(user) !== undefined) await checkNodeTokenRequest(deps.lookup, user, namespace, saName, ref);
    if (ref) {
      const kind = str(ref, 'kind');
      const apiVersion = str(ref, 'apiVersion') || 'v1';
      const name = str(ref, 'name');
      if (apiVersion !== 'v1' || (kind !== 'Pod' && kind !== 'Secret' && kind !== 'Node')) {
        const gvk = apiVersion.includes('/') ? `${apiVersion.replace('/', ', Version=')}, Kind=${kind}` : `/${apiVersion}, Kind=${kind}`;
        throw errors.badRequest(`cannot bind token to object of type ${gvk}`);
      }
      const obj = await getBound(deps.lookup, kind, namespace, name);
      if (kind === 'Pod') {
        const podSpec = isRecord(obj['spec']) ? obj['spec'] : {};
        if (podSpec['serviceAccountName'] !== saName) throw errors.badRequest(`cannot bind token for serviceaccount ${JSON.stringify(saName)} to pod running with different serviceaccount name.`);
        bound.pod = { name, uid: obj.metadata.uid ?? '' };
        const nodeName = typeof podSpec['nodeName'] === 'string' ? podSpec['nodeName'] : '';
        const node = nodeName ? await deps.lookup.get('Node', '', nodeName) : undefined;
        if (node) bound.node = { name: nodeName, uid: node.metadata.uid ?? '' };
      } else if (kind === 'Secret') {
        bound.secret = { name, uid: obj.metadata.uid ?? '' };
      } else {
        bound.node = { name, uid: obj.metadata.uid ?? '' };
      }
      const wantUid = str(ref, 'uid');
      if (wantUid && wantUid !== obj.metadata.uid) {
        throw errors.conflict({ group: '', resource: kind }, name, `the UID in the bound object reference (${wantUid}) does not match the UID in record. The object might have been deleted and then recreated`);
      }
    }
    const kubeAudiences = audiences.some((a) => deps.apiAudiences.includes(a));
    if ((deps.extendExpiration ?? true) && bound.pod && expirationSeconds === warnOnlyBoundTokenExpirationSeconds && kubeAudiences) {
      bound.warnAfterSeconds = expirationSeconds;
      bound.expirationSeconds = expirationExtensionSeconds;
    }
    const now = deps.now();
    const { token } = await deps.signer.signBound(bound);
    const out: KubeObject = {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { ...req.metadata, name: saName, namespace, creationTimestamp: secondsTimestamp(now) },
      spec: { ...spec, audiences, expirationSeconds, boundObjectRef: ref ?? null },
      status: { token, expirationTimestamp: secondsTimestamp(new Date(now.getTime() + expirationSeconds * 1000)) },
    };
    if (!ref) delete (out['spec'] as Record<string, unknown>)['boundObjectRef'];
    return { status: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify(out) };
  };
}

async function getBound(lookup: ObjectLookup, kind: LookupKind, namespace: string, name: string): Promise<Readonly<KubeObject>> {
  const obj = await lookup.get(kind, namespace, name);
  if (!obj) throw errors.notFound({ group: '', resource: `${kind.toLowerCase()}s` }, name);
  return obj;
}

/**
 * NodeRestriction for TokenRequest: a node may ask for a token only when it is bound to a pod, named with its UID,
 * that is scheduled on that node — never for an arbitrary service account, nor for a pod elsewhere.
 */
async function checkNodeTokenRequest(lookup: ObjectLookup, user: Readonly<UserInfo>, namespace: string, serviceAccount: string, ref: Readonly<Record<string, unknown>> | undefined): Promise<void> {
  const node = nodeNameOfUser(user);
  const gr = { group: '', resource: 'serviceaccounts' };
  if (!ref || (str(ref, 'apiVersion') || 'v1') !== 'v1' || str(ref, 'kind') !== 'Pod' || str(ref, 'name') === '') throw errors.forbidden(gr, serviceAccount, 'node requested token not bound to a pod');
  const uid = str(ref, 'uid');
  if (uid === '') throw errors.forbidden(gr, serviceAccount, 'node requested token with a pod binding without a uid');
  const pod = await lookup.get('Pod', namespace, str(ref, 'name'));
  if (!pod) throw errors.forbidden(gr, serviceAccount, 'node requested token bound to a pod that does not exist');
  if (pod.metadata.uid !== uid) {
    throw errors.forbidden(gr, serviceAccount, `the UID in the bound object reference (${uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  if (spec['nodeName'] !== node) throw errors.forbidden(gr, serviceAccount, 'node requested token bound to a pod scheduled on a different node');
}
