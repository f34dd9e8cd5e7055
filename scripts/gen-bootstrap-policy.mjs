// Generates src/auth/authz/bootstrap-policy.json from Kubernetes' bootstrap-policy golden files
// (/work/shared/reference/k8s-bootstrap-cluster-roles.yaml and ...-role-bindings.yaml by default).
// The JSON is committed, so the project builds without the reference files.
// Usage: node scripts/gen-bootstrap-policy.mjs [roles.yaml] [bindings.yaml]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [rolesPath = '/work/shared/reference/k8s-bootstrap-cluster-roles.yaml', bindingsPath = '/work/shared/reference/k8s-bootstrap-cluster-role-bindings.yaml'] = process.argv.slice(2);

function items(path, kind) {
  const doc = parse(readFileSync(path, 'utf8'), { version: '1.1' });
  if (!doc || !Array.isArray(doc.items)) throw new Error(`${path}: expected a List with items`);
  return doc.items.map((item) => {
    if (item.kind !== kind) throw new Error(`${path}: unexpected kind ${item.kind}`);
    const { creationTimestamp: _dropped, ...metadata } = item.metadata ?? {};
    const out = { apiVersion: item.apiVersion, kind: item.kind, metadata };
    if (item.aggregationRule) out.aggregationRule = item.aggregationRule;
    if (kind === 'ClusterRole') out.rules = item.rules ?? [];
    if (item.roleRef) out.roleRef = item.roleRef;
    if (item.subjects) out.subjects = item.subjects;
    return out;
  });
}

const policy = {
  source: 'kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata (cluster-roles.yaml, cluster-role-bindings.yaml)',
  clusterRoles: items(rolesPath, 'ClusterRole'),
  clusterRoleBindings: items(bindingsPath, 'ClusterRoleBinding'),
};
const out = join(root, 'src/auth/authz/bootstrap-policy.json');
writeFileSync(out, `${JSON.stringify(policy, null, 2)}\n`);
console.log(`wrote ${out}: ${policy.clusterRoles.length} cluster roles, ${policy.clusterRoleBindings.length} cluster role bindings`);
