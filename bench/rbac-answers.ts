// `npm run bench -- rbac-answers [--bindings 10000] [--runs 5]`: how long `auth who-can`, `auth risks` and
// `auth can-i --explain` take to answer over N RoleBindings (plus the bootstrap policy), in-process, from listed
// objects (what the commands do after their LIST calls). Baseline: one RBAC decision scan over the same grants.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toBinding, toRole } from '../src/auth/authz/rbac-types.js';
import { allowingRule, grants, resourceAttributes, type RbacData } from '../src/auth/analysis/rbac-data.js';
import { whoCan } from '../src/auth/analysis/who-can.js';
import { whoCanIndirectly } from '../src/auth/analysis/who-can-indirect.js';
import { findRisks } from '../src/auth/analysis/risks.js';
import { explainDenial } from '../src/auth/analysis/explain.js';
import { median } from './lib/stats.js';
import { fmt, formatTable } from './lib/table.js';
import type { KubeObject } from '../src/api/object.js';

const { values } = parseArgs({ options: { bindings: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } } });
const total = Number(values.bindings);
const runs = Number(values.runs);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const policy = JSON.parse(readFileSync(join(root, 'src/auth/authz/bootstrap-policy.json'), 'utf8')) as { clusterRoles?: KubeObject[]; clusterRoleBindings?: KubeObject[] };

const namespaces = 100;
const rbac = 'rbac.authorization.k8s.io/v1';
const roles: KubeObject[] = [];
const roleBindings: KubeObject[] = [];
for (let n = 0; n < namespaces; n++) {
  roles.push({ apiVersion: rbac, kind: 'Role', metadata: { name: 'pod-reader', namespace: `ns-${n}` }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] } as KubeObject);
  roles.push({ apiVersion: rbac, kind: 'Role', metadata: { name: 'deployer', namespace: `ns-${n}` }, rules: [{ verbs: ['create', 'update'], apiGroups: ['apps'], resources: ['deployments'] }] } as KubeObject);
}
for (let i = 0; i < total; i++) {
  const ns = `ns-${i % namespaces}`;
  const subject = i % 3 === 0 ? { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `user-${i}` } : i % 3 === 1 ? { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `group-${i}` } : { kind: 'ServiceAccount', name: `sa-${i}`, namespace: ns };
  roleBindings.push({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name: `b-${i}`, namespace: ns }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: i % 2 ? 'pod-reader' : 'deployer' }, subjects: [subject] } as KubeObject);
}
const data: RbacData = {
  clusterRoles: (policy.clusterRoles ?? []).map(toRole),
  clusterRoleBindings: (policy.clusterRoleBindings ?? []).map(toBinding),
  roles: roles.map(toRole),
  roleBindings: roleBindings.map(toBinding),
};

function time(fn: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

const attrs = resourceAttributes({ verb: 'list', group: '', resource: 'pods', subresource: '', name: '', namespace: '*' });
const denied = resourceAttributes({ verb: 'delete', group: '', resource: 'pods', subresource: '', name: '', namespace: 'ns-7' }, { name: 'system:serviceaccount:ns-7:sa-107', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns-7', 'system:authenticated'] });
const rows = [
  ['one scan of every grant (baseline)', fmt(time(() => grants(data).filter((g) => allowingRule(g, { ...attrs, namespace: g.binding.namespace || 'ns-1' })).length))],
  ['who-can list pods -A', fmt(time(() => whoCan(attrs, data)))],
  ['who-can list pods -n ns-7: routes of one step', fmt(time(() => whoCanIndirectly({ ...attrs, namespace: 'ns-7' }, data)))],
  ['can-i delete pods --explain (denied)', fmt(time(() => explainDenial(denied, data)))],
  ['risks', fmt(time(() => findRisks(data)))],
];
console.log(`${total} RoleBindings over ${namespaces} namespaces plus the bootstrap policy (${data.clusterRoles.length} ClusterRoles, ${data.clusterRoleBindings.length} ClusterRoleBindings); median of ${runs} runs, in-process\n`);
console.log(formatTable(['answer', 'ms'], rows));
