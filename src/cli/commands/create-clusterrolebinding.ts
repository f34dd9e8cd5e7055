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
    '  # Let user alice and group ops read everything (the view role) in all namespaces',
    '  a-kubectl create clusterrolebinding ops-view --clusterrole=view --user=alice --group=ops',
    '  ',
    '  # Give a service account a cluster role',
    '  a-kubectl create clusterrolebinding ci-nodes --clusterrole=node-viewer --serviceaccount=ci:runner',
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
