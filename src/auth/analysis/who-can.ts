// Who may do something: every subject of every binding whose role allows the request (`auth who-can`, the console's
// access matrix). Evaluated over listed RBAC objects with the server's matching rules.
import type { Attributes } from '../types.js';
import { allowingRule, grants, type RbacData } from './rbac-data.js';

export interface WhoCanRow {
  kind: string;
  subject: string;
  binding: string;
  role: string;
}

/** One row per subject of every binding whose role allows the request. */
export function whoCan(attrs: Attributes, data: RbacData): WhoCanRow[] {
  const rows: WhoCanRow[] = [];
  for (const g of grants(data)) {
    // with every namespace listed, a RoleBinding is asked about its own namespace
    const scoped = g.bindingKind === 'RoleBinding' && attrs.namespace === '*' ? { ...attrs, namespace: g.binding.namespace } : attrs;
    if (!allowingRule(g, scoped)) continue;
    const binding = g.bindingKind === 'RoleBinding' ? `RoleBinding/${g.binding.namespace}/${g.binding.name}` : `ClusterRoleBinding/${g.binding.name}`;
    for (const s of g.binding.subjects) {
      const subject = s.kind === 'ServiceAccount' ? `${s.namespace || g.binding.namespace}/${s.name}` : s.name;
      rows.push({ kind: s.kind, subject, binding, role: `${g.binding.roleRef.kind}/${g.binding.roleRef.name}` });
    }
  }
  return rows;
}
