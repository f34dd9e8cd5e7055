// The contracts of authentication and authorization, shared by the API server pipeline and the access-review APIs.

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** What an authenticator can see of a request. */
export interface AuthnRequest {
  headers: Record<string, string | string[] | undefined>;
  /** DER bytes of the verified-or-not client certificate chain, leaf first (TLS peer certificate). */
  peerCertificates?: Buffer[];
  /** Adds a Warning to the reply (a credential ignored for a reason the client should hear of). */
  warn?: (text: string) => void;
}

/** skip = not my kind of credential; fail = my kind of credential, and it is bad (→ 401). */
export type AuthnResult = { kind: 'ok'; user: UserInfo } | { kind: 'skip' } | { kind: 'fail'; reason: string };

export interface Authenticator {
  authenticate(req: AuthnRequest): Promise<AuthnResult>;
}

/** The attributes RBAC decides on (k8s authorizer.Attributes). */
export interface Attributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  // resource requests
  namespace: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
  // non-resource requests
  path: string;
}

export type Decision = { decision: 'allow' | 'deny' | 'no-opinion'; reason: string };

export interface Authorizer {
  authorize(attrs: Attributes): Promise<Decision>;
}
