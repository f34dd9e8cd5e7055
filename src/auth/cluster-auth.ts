// Everything authentication and authorization need in a running cluster, assembled once:
// x509 + static tokens + service-account tokens (→ anonymous), system:masters + Node + RBAC,
// and, once the API server runs, the RBAC informer, review and TokenRequest handlers, issuer
// discovery and the admission plugins (service accounts for pods, RBAC escalation).
import { findResource } from '../api/catalog.js';
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import type { ApiServer } from '../apiserver/api-server.js';
import { StatusError } from '../api/status.js';
import { nodeRestrictionAdmission } from '../admission/node-restriction.js';
import { serviceAccountAdmission } from '../admission/serviceaccount.js';
import { unionAuthenticator } from './authn/union.js';
import { x509Authenticator } from './authn/x509.js';
import { requestHeaderAuthenticator, type RequestHeaderOptions } from './authn/request-header.js';
import { bearerAuthenticator, unionTokenAuthenticator, type TokenAuthenticator } from './authn/token.js';
import { loadTokenFile } from './authn/token-file.js';
import { bootstrapTokenAuthenticator } from './authn/bootstrap-token.js';
import { clusterAuthorizer, clusterRulesResolvers } from './authz/cluster-authorizer.js';
import { rbacEscalationPlugin } from './authz/escalation.js';
import { NodeGraph, nodeGraphSinks } from './authz/node-graph.js';
import { feedFromCache } from './cache-feed.js';
import { RbacIndex, type RbacKind } from './authz/rbac-index.js';
import { runRbacInformer, type RbacSource } from './authz/rbac-informer.js';
import { issuerDiscovery, jwksPath, openidConfigurationPath } from './discovery.js';
import type { LookupKind, ObjectLookup } from './lookup.js';
import { localSubjectAccessReviewHandler, selfSubjectAccessReviewHandler, selfSubjectRulesReviewHandler, subjectAccessReviewHandler } from './reviews/access-reviews.js';
import { selfSubjectReviewHandler, tokenReviewHandler } from './reviews/authn-reviews.js';
import { tokenRequestHandler } from './reviews/token-request.js';
import { defaultIssuer } from './serviceaccount/claims.js';
import { serviceAccountTokenAuthenticator } from './serviceaccount/authenticator.js';
import { createTokenSigner, type TokenSigner } from './serviceaccount/signer.js';
import type { Authenticator, Authorizer } from './types.js';

export interface ClusterAuthOptions {
  clientCA: string;
  /** Request-header authentication of front proxies (the --requestheader-* flags); absent: off. */
  requestHeader?: Omit<RequestHeaderOptions, 'now'>;
  serviceAccountKey: { privateKey: string; publicKey: string };
  /** Requests without credentials are system:anonymous (--anonymous-auth, default true). */
  anonymous: boolean;
  /** --token-auth-file */
  tokenAuthFile?: string;
  /** --service-account-issuer (default https://kubernetes.default.svc.cluster.local). */
  issuer?: string;
  /** --service-account-max-token-expiration in seconds: the longest lifetime TokenRequest gives (absent: no cap). */
  maxTokenExpirationSeconds?: number;
  now?: () => Date;
}

export interface ClusterAuth {
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** Every bearer-token authenticator (TokenReview uses them). */
  tokens: TokenAuthenticator;
  signer: TokenSigner;
  index: RbacIndex;
  apiAudiences: string[];
  /** Connects to the running API server. Resolves once the RBAC index holds the stored policy. */
  install(api: ApiServer, opts: { serverUrl: string; signal: AbortSignal }): Promise<void>;
}


const lookupResources: Record<LookupKind, string> = { ServiceAccount: 'serviceaccounts', Secret: 'secrets', Pod: 'pods', Node: 'nodes' };

function storeLookup(api: ApiServer): ObjectLookup {
  return {
    async get(kind, namespace, name) {
      const info = findResource('', 'v1', lookupResources[kind]);
      if (!info) return undefined;
      const store = await api.stores.storeFor(info);
      try {
        return await store.get(kind === 'Node' ? '' : namespace, name);
      } catch (e) {
        if (e instanceof StatusError && e.reason === 'NotFound') return undefined;
        throw e;
      }
    },
  };
}

export function createClusterAuth(opts: ClusterAuthOptions): ClusterAuth {
  const now = opts.now ?? (() => new Date());
  const issuer = opts.issuer ?? defaultIssuer;
  const apiAudiences = [issuer];
  let lookup: ObjectLookup | undefined;
  const lateLookup: ObjectLookup = { get: async (kind, ns, name) => (lookup ? lookup.get(kind, ns, name) : undefined) };
  const graph = new NodeGraph();

  const signer = createTokenSigner({ privateKeyPem: opts.serviceAccountKey.privateKey, publicKeyPem: opts.serviceAccountKey.publicKey, issuer, now });
  const tokenList: TokenAuthenticator[] = [];
  if (opts.tokenAuthFile) tokenList.push(loadTokenFile(opts.tokenAuthFile, apiAudiences));
  tokenList.push(serviceAccountTokenAuthenticator({ publicKeys: [opts.serviceAccountKey.publicKey], issuers: [issuer], apiAudiences, lookup: lateLookup, now }));
  // Joining nodes present bootstrap tokens (Secrets in kube-system) until they hold their own certificate.
  tokenList.push(bootstrapTokenAuthenticator({ lookup: lateLookup, apiAudiences, now }));
  const tokens = unionTokenAuthenticator(tokenList);
  // kube-apiserver's order: request headers (front proxies), client certificates, bearer tokens
  const authenticator = unionAuthenticator([
    ...(opts.requestHeader ? [requestHeaderAuthenticator({ ...opts.requestHeader, now })] : []),
    x509Authenticator(opts.clientCA, now),
    bearerAuthenticator(tokens),
  ], { anonymous: opts.anonymous });

  const index = new RbacIndex();
  const authorizer = clusterAuthorizer(index, graph);
  const rulesResolvers = clusterRulesResolvers(index);

  async function install(api: ApiServer, o: { serverUrl: string; signal: AbortSignal }): Promise<void> {
    lookup = storeLookup(api);
    // The Node authorizer's graph follows pods, persistent volumes and volume attachments.
    const sinks = nodeGraphSinks(graph);
    const followed: [string, string, keyof typeof sinks][] = [['', 'v1', 'pods'], ['', 'v1', 'persistentvolumes'], ['storage.k8s.io', 'v1', 'volumeattachments']];
    await Promise.all(
      followed.map(async ([group, version, resource]) => {
        const info = findResource(group, version, resource);
        if (!info) return;
        const store = await api.stores.storeFor(info);
        await feedFromCache({ cache: store.cache, prefix: store.prefix }, sinks[resource], o.signal, (e) => console.error(`a-kube: node authorizer graph (${resource}):`, e));
      }),
    );
    const rbac: [RbacKind, string][] = [['Role', 'roles'], ['ClusterRole', 'clusterroles'], ['RoleBinding', 'rolebindings'], ['ClusterRoleBinding', 'clusterrolebindings']];
    const sources: RbacSource[] = [];
    for (const [kind, resource] of rbac) {
      const info = findResource('rbac.authorization.k8s.io', 'v1', resource);
      if (!info) throw new Error(`catalog has no ${resource}`);
      const store = await api.stores.storeFor(info);
      sources.push({ kind, cache: store.cache, prefix: store.prefix });
    }
    await runRbacInformer(index, sources, o.signal, (e) => console.error('a-kube: rbac informer:', e));

    api.registerResource('authorization.k8s.io', 'selfsubjectaccessreviews', selfSubjectAccessReviewHandler(authorizer));
    api.registerResource('authorization.k8s.io', 'subjectaccessreviews', subjectAccessReviewHandler(authorizer));
    api.registerResource('authorization.k8s.io', 'localsubjectaccessreviews', localSubjectAccessReviewHandler(authorizer));
    api.registerResource('authorization.k8s.io', 'selfsubjectrulesreviews', selfSubjectRulesReviewHandler(rulesResolvers));
    api.registerResource('authentication.k8s.io', 'tokenreviews', tokenReviewHandler(tokens));
    api.registerResource('authentication.k8s.io', 'selfsubjectreviews', selfSubjectReviewHandler);
    api.registerSubresource('', 'serviceaccounts', 'token', tokenRequestHandler({ signer, apiAudiences, lookup: lateLookup, now, ...(opts.maxTokenExpirationSeconds ? { maxExpirationSeconds: opts.maxTokenExpirationSeconds } : {}) }));

    const discovery = issuerDiscovery({ issuer, jwksUri: `${o.serverUrl}${jwksPath}`, publicKeys: [opts.serviceAccountKey.publicKey] });
    api.registerNonResource(openidConfigurationPath, async () => discovery.openidConfiguration());
    api.registerNonResource(jwksPath, async () => discovery.jwks());

    api.registerAdmission(serviceAccountAdmission({ lookup: lateLookup }));
    api.registerAdmission(rbacEscalationPlugin({ index, authorizer }));
    api.registerAdmission(nodeRestrictionAdmission({ lookup: lateLookup }));
  }

  return { authenticator, authorizer, tokens, signer, index, apiAudiences, install };
}
