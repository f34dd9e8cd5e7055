// `create clusterrolebinding NAME --clusterrole=… --user/--group/--serviceaccount`
// (kubectl/pkg/cmd/create/create_clusterrolebinding.go).
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { createGenerated, requireOneName } from './create-generated.js';
import { bindingFlags, subjectsFrom } from './create-rolebinding.js';

export const command: Command = {
  name: 'clusterrolebinding',
  short: 'Create a ClusterRoleBinding that grants a ClusterRole',
  long: 'Create a ClusterRoleBinding that grants a ClusterRole to the given users, groups and service accounts.',
  examples: [
    '  # Create a cluster role binding for user1, user2, and group1 using the cluster-admin cluster role',
    '  kubectl create clusterrolebinding cluster-admin --clusterrole=cluster-admin --user=user1 --user=user2 --group=group1',
  ].join('\n'),
  usage: 'create clusterrolebinding NAME --clusterrole=NAME [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname] [--dry-run=server|client|none] [options]',
  flags: [...bindingFlags('clusterrole'), { name: 'clusterrole', kind: 'string', usage: 'Name of the ClusterRole to grant' }],
  async run(ctx, args) {
    if (!args.flags.has('clusterrole')) throw new CliError('required flag(s) "clusterrole" not set');
    const name = requireOneName(ctx, args);
    const subjects = subjectsFrom(args.flags);
    const object = {
      kind: 'ClusterRoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name, creationTimestamp: null },
      ...(subjects.length > 0 ? { subjects } : {}),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: args.flags.string('clusterrole') },
    };
    await createGenerated(ctx, args, { object, path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', typeName: 'clusterrolebinding.rbac.authorization.k8s.io' });
  },
};
