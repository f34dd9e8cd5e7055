// The policy `a-kube up` audits with unless --audit-policy-file names another (`a-kube audit default-policy`
// prints it, as a starting point for one's own).
import { parsePolicy } from './policy.js';
import type { Policy } from './types.js';

export const defaultPolicyText = `# a-kube's default audit policy (audit.k8s.io/v1). The first rule that matches a request decides its level.
apiVersion: audit.k8s.io/v1
kind: Policy
# One event per request is enough for most requests: the request's receipt is left out.
omitStages: [RequestReceived]
omitManagedFields: true
rules:
# The cluster's own components reading and watching: frequent, and about nothing a person did.
- level: None
  users: [system:apiserver, system:kube-controller-manager, system:kube-scheduler, system:kube-proxy, system:a-kube:kube-dns-service-controller]
  verbs: [get, list, watch]
- level: None
  userGroups: [system:nodes, system:serviceaccounts:kube-system]
  verbs: [get, list, watch]
# Heartbeats: node and leader-election leases.
- level: None
  resources: [{group: coordination.k8s.io, resources: [leases]}]
  verbs: [get, list, watch, create, update, patch]
# Health probes.
- level: None
  nonResourceURLs: [/healthz*, /livez*, /readyz*]
# Secrets, ConfigMaps and token reviews carry credentials: never above Metadata.
- level: Metadata
  resources:
  - {group: '', resources: [secrets, configmaps]}
  - {group: authentication.k8s.io, resources: [tokenreviews]}
# Issued service-account tokens: who asked, for which audience and object (the response would hold the token).
- level: Request
  resources: [{group: '', resources: [serviceaccounts/token]}]
  verbs: [create]
# Who grants what to whom: the whole change.
- level: RequestResponse
  resources: [{group: rbac.authorization.k8s.io}]
  verbs: [create, update, patch, delete, deletecollection]
# Everything else: who did what to which object, and the answer.
- level: Metadata
`;

export const defaultPolicy: Policy = parsePolicy(defaultPolicyText, 'the default audit policy');
