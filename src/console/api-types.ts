// The shapes of the console's JSON API: written by the server (views.ts, src/audit/timeline.ts) and read by the
// browser code (ui/), which imports only these types. Nothing here may import Node's modules.
import type { BindingLike, PolicyRule } from '../auth/authz/rbac-types.js';

export type { PolicyRule, Subject } from '../auth/authz/rbac-types.js';
export type { TimelineEntry } from '../audit/timeline-entry.js';

export interface GraphRule {
  text: string;
  rule: PolicyRule;
}

export interface GraphRole {
  kind: 'ClusterRole' | 'Role';
  name: string;
  namespace: string;
  labels: Record<string, string>;
  rules: GraphRule[];
}

export interface GraphBinding {
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  name: string;
  namespace: string;
  labels: Record<string, string>;
  roleRef: BindingLike['roleRef'];
  subjects: BindingLike['subjects'];
}

export interface GraphData {
  namespace: string;
  roles: GraphRole[];
  bindings: GraphBinding[];
  forbidden: string[];
}

export interface MatrixRow {
  kind: string;
  /** "ns/name" for service accounts. */
  subject: string;
  /** resource → verbs allowed. */
  cells: Record<string, string[]>;
}

export interface Matrix {
  namespace: string;
  /** The namespaced resources the cluster serves (discovery), subresources included. */
  resources: string[];
  /** resource → the matrix verbs it serves. */
  resourceVerbs: Record<string, string[]>;
  verbs: string[];
  rows: MatrixRow[];
  forbidden: string[];
  /** Some resources or subjects were left out (more than the console shows). */
  truncated: boolean;
}

export interface WhyQuestion {
  user: string;
  groups: string[];
  verb: string;
  /** "pods", "deployments.apps", "pods/log"; empty with `path` for a non-resource URL. */
  resource: string;
  name: string;
  namespace: string;
  path: string;
}

export interface WhyAnswer {
  allowed: boolean;
  /** The server's reason (from the SubjectAccessReview). */
  reason: string;
  evaluationError: string;
  /** explainDenial's text (as `a-kubectl auth can-i --explain` prints it) when denied; when allowed without a reason, which authorizer it was. */
  explanation: string;
  /** The commands that would allow exactly this request. */
  fix: string[];
}
