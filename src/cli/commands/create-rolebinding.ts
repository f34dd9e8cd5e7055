// `create rolebinding NAME --role=…|--clusterrole=… --user/--group/--serviceaccount`, and the subjects
// `create clusterrolebinding` shares (kubectl/pkg/cmd/create/create_rolebinding.go).
import type { FlagValues } from '../args.js';
import type { Command } from '../command.js';
import { resourcePath } from '../../client/paths.js';
import { CliError } from '../errors.js';
import { createGenerated, generatorFlags, requireOneName, targetNamespace } from './create-generated.js';

const rbacGroup = 'rbac.authorization.k8s.io';

export interface SubjectObject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  apiGroup?: string;
  name: string;
  namespace?: string;
}

/** Users, then groups, then service accounts, each in the order given (as kubectl builds them). */
export function subjectsFrom(flags: FlagValues): SubjectObject[] {
  const subjects: SubjectObject[] = [];
  for (const name of flags.list('user')) subjects.push({ kind: 'User', apiGroup: rbacGroup, name });
  for (const name of flags.list('group')) subjects.push({ kind: 'Group', apiGroup: rbacGroup, name });
  for (const sa of flags.list('serviceaccount')) {
    const parts = sa.split(':');
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new CliError('serviceaccount must be <namespace>:<name>');
    subjects.push({ kind: 'ServiceAccount', name: parts[1], namespace: parts[0] });
  }
  return subjects;
}

export function bindingFlags(target: 'role' | 'clusterrole'): Command['flags'] {
  return [
    ...generatorFlags,
    { name: 'group', kind: 'stringArray', usage: `Groups to bind to the ${target}. The flag can be repeated to add multiple groups.` },
    { name: 'serviceaccount', kind: 'stringArray', usage: `Service accounts to bind to the ${target}, in the format <namespace>:<name>. The flag can be repeated to add multiple service accounts.` },
    { name: 'user', kind: 'stringArray', usage: `Usernames to bind to the ${target}. The flag can be repeated to add multiple users.` },
  ];
}

export const command: Command = {
  name: 'rolebinding',
  short: 'Create a RoleBinding that grants a Role or ClusterRole in a namespace',
  long: 'Create a RoleBinding that grants a Role or ClusterRole to the given users, groups and service accounts within one namespace.',
  examples: [
    '  # Let user bob edit what is in namespace shop, through the edit cluster role',
    '  a-kubectl create rolebinding bob-edit --clusterrole=edit --user=bob -n shop',
    '  ',
    '  # Give service account ci:runner the role secret-reader of the current namespace',
    '  a-kubectl create rolebinding ci-secrets --role=secret-reader --serviceaccount=ci:runner',
  ].join('\n'),
  usage: 'create rolebinding NAME --clusterrole=NAME|--role=NAME [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname] [--dry-run=server|client|none] [options]',
  flags: [
    ...bindingFlags('role'),
    { name: 'clusterrole', kind: 'string', usage: 'Name of a ClusterRole to grant within the binding\'s namespace' },
    { name: 'role', kind: 'string', usage: 'Name of a Role in the same namespace to grant' },
  ],
  async run(ctx, args) {
    const name = requireOneName(ctx, args);
    const role = args.flags.string('role');
    const clusterRole = args.flags.string('clusterrole');
    if ((role === '') === (clusterRole === '')) throw new CliError('exactly one of clusterrole or role must be specified');
    const subjects = subjectsFrom(args.flags);
    const { namespace, inObject } = await targetNamespace(ctx);
    const object = {
      kind: 'RoleBinding',
      apiVersion: `${rbacGroup}/v1`,
      metadata: { name, ...inObject, creationTimestamp: null },
      ...(subjects.length > 0 ? { subjects } : {}),
      roleRef: { apiGroup: rbacGroup, kind: role ? 'Role' : 'ClusterRole', name: role || clusterRole },
    };
    await createGenerated(ctx, args, {
      object,
      path: resourcePath({ group: rbacGroup, version: 'v1', resource: 'rolebindings', namespace }),
      typeName: 'rolebinding.rbac.authorization.k8s.io',
    });
  },
};
