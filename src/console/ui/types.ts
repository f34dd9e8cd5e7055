// Shapes the console's API returns (see src/console/views.ts and src/audit/timeline.ts on the server).
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface GraphRole {
  kind: 'ClusterRole' | 'Role';
  name: string;
  namespace: string;
  labels: Record<string, string>;
  rules: { text: string; rule: PolicyRule }[];
}

export interface GraphBinding {
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  name: string;
  namespace: string;
  labels: Record<string, string>;
  roleRef: { kind: string; name: string; apiGroup?: string };
  subjects: Subject[];
}

export interface GraphData {
  namespace: string;
  roles: GraphRole[];
  bindings: GraphBinding[];
  forbidden: string[];
}

export interface Matrix {
  namespace: string;
  resources: string[];
  verbs: string[];
  rows: { kind: string; subject: string; cells: Record<string, string[]> }[];
  forbidden: string[];
}

export interface WhyAnswer {
  allowed: boolean;
  reason: string;
  evaluationError: string;
  explanation: string;
  fix: string[];
}

export interface TimelineEntry {
  seq: number;
  auditID: string;
  time: string;
  user: string;
  impersonatedUser?: string;
  verb: string;
  resource: string;
  namespace: string;
  name: string;
  path: string;
  code: number;
  decision: string;
  reason: string;
  userAgent: string;
  sourceIP: string;
}
