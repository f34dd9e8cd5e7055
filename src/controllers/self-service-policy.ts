// Who keeps a self-served Service in place (self-service.ts), and the least it may do: in the Service's namespace,
// create Services, Endpoints and EndpointSlices, and read and update only the three objects of that name. A fault
// in the loop can touch nothing else. Reconciled at start with the controllers' namespaced Roles.
import type { KubeObject } from '../api/object.js';

export interface SelfServiceIdentity {
  /** The client certificate's user name (a User subject of the RoleBinding). */
  user: string;
  namespace: string;
  name: string;
}

const rbacVersion = 'rbac.authorization.k8s.io/v1';

function meta(identity: SelfServiceIdentity): KubeObject['metadata'] {
  return {
    name: identity.user,
    namespace: identity.namespace,
    labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
    annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
  };
}

/** The Role and RoleBinding of each identity. */
export function selfServicePolicy(identities: readonly SelfServiceIdentity[]): { roles: KubeObject[]; roleBindings: KubeObject[] } {
  return {
    roles: identities.map((id) => ({
      apiVersion: rbacVersion,
      kind: 'Role',
      metadata: meta(id),
      // A create names no object when it is authorized, so it cannot be limited to one name.
      rules: [
        { apiGroups: [''], resources: ['services', 'endpoints'], verbs: ['create'] },
        { apiGroups: [''], resources: ['services', 'endpoints'], resourceNames: [id.name], verbs: ['get', 'update'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['create'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], resourceNames: [id.name], verbs: ['get', 'update'] },
      ],
    })),
    roleBindings: identities.map((id) => ({
      apiVersion: rbacVersion,
      kind: 'RoleBinding',
      metadata: meta(id),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: id.user },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: id.user }],
    })),
  };
}
