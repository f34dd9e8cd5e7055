// `auth reconcile -f FILE`: create missing RBAC objects (and their namespace), add missing rules and subjects,
// optionally remove extra ones (kubectl/pkg/cmd/auth/reconcile.go, pkg/registry/rbac/reconciliation).
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { covers } from '../../auth/authz/rbac-rules.js';
import { rulesOf, toBinding, type PolicyRule, type Subject } from '../../auth/authz/rbac-types.js';
import { isNotFound } from '../../client/api-error.js';
import { resourcePath } from '../../client/paths.js';
import type { RestClient } from '../../client/rest.js';
import type { Command, CommandContext } from '../command.js';
import { CliError } from '../errors.js';
import { dryRunFlag, dryRunOf, filenameFlags, outputFlags } from '../flag-sets.js';
import { readManifests } from '../manifests.js';
import { printResult } from '../output.js';

const rbacGroup = 'rbac.authorization.k8s.io';
const kinds: Record<string, { resource: string; namespaced: boolean; typeName: string }> = {
  Role: { resource: 'roles', namespaced: true, typeName: 'role.rbac.authorization.k8s.io' },
  ClusterRole: { resource: 'clusterroles', namespaced: false, typeName: 'clusterrole.rbac.authorization.k8s.io' },
  RoleBinding: { resource: 'rolebindings', namespaced: true, typeName: 'rolebinding.rbac.authorization.k8s.io' },
  ClusterRoleBinding: { resource: 'clusterrolebindings', namespaced: false, typeName: 'clusterrolebinding.rbac.authorization.k8s.io' },
};

export type ReconcileOperation = 'none' | 'create' | 'update' | 'recreate';

export interface ReconcileResult {
  object: KubeObject;
  operation: ReconcileOperation;
  protected: boolean;
  missingRules: PolicyRule[];
  extraRules: PolicyRule[];
  missingSubjects: Subject[];
  extraSubjects: Subject[];
}

const goSlice = (v: readonly string[] | undefined) => `[${(v ?? []).join(' ')}]`;
/** Go's %+v of an rbacv1.PolicyRule / Subject. */
export const ruleText = (r: PolicyRule) =>
  `{Verbs:${goSlice(r.verbs)} APIGroups:${goSlice(r.apiGroups)} Resources:${goSlice(r.resources)} ResourceNames:${goSlice(r.resourceNames)} NonResourceURLs:${goSlice(r.nonResourceURLs)}}`;
export const subjectText = (s: Subject) => `{Kind:${s.kind} APIGroup:${s.apiGroup ?? ''} Name:${s.name} Namespace:${s.namespace ?? ''}}`;

function mergeMeta(existing: KubeObject, expected: KubeObject): { meta: KubeObject['metadata']; changed: boolean } {
  const labels = { ...existing.metadata.labels, ...expected.metadata.labels };
  const annotations = { ...existing.metadata.annotations, ...expected.metadata.annotations };
  const changed = JSON.stringify(labels) !== JSON.stringify(existing.metadata.labels ?? {}) || JSON.stringify(annotations) !== JSON.stringify(existing.metadata.annotations ?? {});
  return { meta: { ...existing.metadata, labels, annotations }, changed };
}

const isProtected = (o: KubeObject) => o.metadata.annotations?.['rbac.authorization.kubernetes.io/autoupdate'] === 'false';

export function reconcileRole(existing: KubeObject | undefined, expected: KubeObject, removeExtra: boolean): ReconcileResult {
  const empty = { missingSubjects: [], extraSubjects: [] };
  if (!existing) return { object: expected, operation: 'create', protected: false, missingRules: covers([], rulesOf(expected)).missing, extraRules: [], ...empty };
  const { meta, changed } = mergeMeta(existing, expected);
  const have = rulesOf(existing);
  const want = rulesOf(expected);
  const missingRules = covers(have, want).missing;
  const extraRules = covers(want, have).missing;
  let rules: PolicyRule[] = have;
  if (removeExtra && extraRules.length > 0) rules = want;
  else if (missingRules.length > 0) rules = [...have, ...missingRules];
  const aggregationChanged = 'aggregationRule' in expected && JSON.stringify(expected.aggregationRule) !== JSON.stringify(existing.aggregationRule);
  const object: KubeObject = { ...existing, metadata: meta, rules, ...(aggregationChanged ? { aggregationRule: expected.aggregationRule } : {}) };
  const updated = changed || rules !== have || aggregationChanged;
  return { object, operation: updated ? 'update' : 'none', protected: isProtected(existing), missingRules, extraRules, ...empty };
}

const sameSubject = (a: Subject, b: Subject) => a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '') && (a.apiGroup ?? '') === (b.apiGroup ?? '');

export function reconcileBinding(existing: KubeObject | undefined, expected: KubeObject, removeExtra: boolean): ReconcileResult {
  const want = toBinding(expected).subjects;
  const noRules = { missingRules: [], extraRules: [] };
  if (!existing) return { object: expected, operation: 'create', protected: false, missingSubjects: want, extraSubjects: [], ...noRules };
  const have = toBinding(existing).subjects;
  if (JSON.stringify(toBinding(existing).roleRef) !== JSON.stringify(toBinding(expected).roleRef)) {
    // roleRef cannot change: the binding is deleted and created again
    return { object: { ...expected, metadata: { ...expected.metadata, resourceVersion: undefined } }, operation: 'recreate', protected: isProtected(existing), missingSubjects: want.filter((s) => !have.some((h) => sameSubject(h, s))), extraSubjects: [], ...noRules };
  }
  const { meta, changed } = mergeMeta(existing, expected);
  const missingSubjects = want.filter((s) => !have.some((h) => sameSubject(h, s)));
  const extraSubjects = have.filter((h) => !want.some((s) => sameSubject(h, s)));
  let subjects = have;
  if (removeExtra && extraSubjects.length > 0) subjects = want;
  else if (missingSubjects.length > 0) subjects = [...have, ...missingSubjects];
  const object: KubeObject = { ...existing, metadata: meta, subjects };
  return { object, operation: changed || subjects !== have ? 'update' : 'none', protected: isProtected(existing), missingSubjects, extraSubjects, ...noRules };
}

async function ensureNamespace(client: RestClient, namespace: string, signal: AbortSignal): Promise<void> {
  try {
    await client.get(resourcePath({ group: '', version: 'v1', resource: 'namespaces', name: namespace }), { signal });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await client.create('/api/v1/namespaces', { kind: 'Namespace', apiVersion: 'v1', metadata: { name: namespace } }, { signal });
  }
}

function report(ctx: CommandContext, r: ReconcileResult, removeExtraRules: boolean, removeExtraSubjects: boolean): void {
  const err = ctx.io.stderr;
  if (r.operation === 'none') return;
  err.write(`\treconciliation required ${r.operation}${r.protected ? ', but object opted out (rbac.authorization.kubernetes.io/autoupdate: false)' : ''}\n`);
  const section = (title: string, lines: string[]) => {
    if (lines.length === 0) return;
    err.write(`\t${title}:\n`);
    for (const l of lines) err.write(`\t\t${l}\n`);
  };
  section('missing subjects added', r.missingSubjects.map(subjectText));
  if (removeExtraSubjects) section('extra subjects removed', r.extraSubjects.map(subjectText));
  section('missing rules added', r.missingRules.map(ruleText));
  if (removeExtraRules) section('extra rules removed', r.extraRules.map(ruleText));
}

export const command: Command = {
  name: 'reconcile',
  short: 'Merge RBAC roles and bindings from files into the cluster',
  long: [
    'Bring the Roles, ClusterRoles, RoleBindings and ClusterRoleBindings in the given files into the cluster by merging rather than replacing.',
    '',
    ' An object that does not exist yet is created (with its namespace, when that is missing too). An existing role gains the rules it lacks and an existing binding the subjects it lacks; rules and subjects the files do not mention are kept unless --remove-extra-permissions or --remove-extra-subjects asks for them to go. A binding whose roleRef differs is deleted and created again, since roleRef cannot change. Objects annotated rbac.authorization.kubernetes.io/autoupdate=false are reported and left alone.',
    '',
    " Prefer this to 'apply' for RBAC objects: it compares rules and subjects by meaning, not as lists.",
  ].join('\n'),
  examples: '  # Add what rbac.yaml grants to the cluster, keeping anything else already granted\n  a-kubectl auth reconcile -f rbac.yaml\n  \n  # The same, and also drop the rules and subjects rbac.yaml does not list\n  a-kubectl auth reconcile -f rbac.yaml --remove-extra-permissions --remove-extra-subjects',
  usage: 'auth reconcile -f FILENAME [options]',
  flags: [
    ...outputFlags(),
    dryRunFlag,
    ...filenameFlags('identifying the resource to reconcile.'),
    { name: 'remove-extra-permissions', kind: 'bool', usage: 'Also remove rules an existing role has that the files do not grant.' },
    { name: 'remove-extra-subjects', kind: 'bool', usage: 'Also remove subjects an existing binding has that the files do not name.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const files = f.list('filename');
    if (files.length === 0) throw new CliError('must specify one of -f and -k');
    const dryRun = dryRunOf(f, ctx.io.stderr);
    if (dryRun === 'server') throw new CliError('--dry-run=server for command reconcile is not supported yet');
    const manifests = await readManifests(files, { recursive: f.bool('recursive'), stdin: ctx.io.stdin, verb: 'reconcile' });
    const [{ namespace: defaultNs }, client] = await Promise.all([ctx.factory.namespace(), ctx.factory.client()]);
    const signal = ctx.factory.signal;
    for (const { object } of manifests) {
      const kind = kinds[object.kind ?? ''];
      if (!kind) continue; // kubectl skips everything but the four RBAC kinds
      if (object.apiVersion !== `${rbacGroup}/v1`) throw new CliError(`only rbac.authorization.k8s.io/v1 is supported: not ${object.apiVersion ?? ''}/${object.kind ?? ''}`);
      const namespace = kind.namespaced ? object.metadata.namespace || defaultNs : undefined;
      const expected: KubeObject = { ...object, metadata: { ...object.metadata, ...(namespace ? { namespace } : {}) } };
      const path = (name?: string) => resourcePath({ group: rbacGroup, version: 'v1', resource: kind.resource, ...(namespace ? { namespace } : {}), ...(name !== undefined ? { name } : {}) });
      const name = expected.metadata.name ?? '';
      let existing: KubeObject | undefined;
      try {
        existing = await client.get(path(name), { signal });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      const isRole = kind.resource.endsWith('roles');
      const result = isRole ? reconcileRole(existing, expected, f.bool('remove-extra-permissions')) : reconcileBinding(existing, expected, f.bool('remove-extra-subjects'));
      let shown = result.object;
      if (dryRun === 'none' && !(result.protected && result.operation !== 'create')) {
        if (result.operation === 'create') {
          if (namespace) await ensureNamespace(client, namespace, signal);
          shown = await client.create(path(), result.object, { signal });
        } else if (result.operation === 'update') shown = await client.update(path(name), result.object, { signal });
        else if (result.operation === 'recreate') {
          await client.delete(path(name), { signal });
          shown = await client.create(path(), result.object, { signal });
        }
      }
      if (isRecord(shown.metadata)) await printResult(ctx, f, shown, kind.typeName, 'reconciled', dryRun);
      report(ctx, result, f.bool('remove-extra-permissions'), f.bool('remove-extra-subjects'));
    }
  },
};
