// The root command table: names, help lines and loaders. Add a command by adding a line and its file.
import type { CommandEntry } from '../command.js';

const beginner = 'Basic Commands (Beginner)';
const intermediate = 'Basic Commands (Intermediate)';
const deploy = 'Deploy Commands';
const cluster = 'Cluster Management Commands';
const troubleshooting = 'Troubleshooting and Debugging Commands';
const advanced = 'Advanced Commands';
const settings = 'Settings Commands';
const other = 'Other Commands';

export const rootCommands: CommandEntry[] = [
  { group: beginner, name: 'create', short: 'Create a resource from a file or from stdin', load: async () => (await import('./create.js')).command },
  { group: beginner, name: 'expose', short: 'Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service', load: async () => (await import('./expose.js')).command },
  { group: beginner, name: 'run', short: 'Run a particular image on the cluster', load: async () => (await import('./run.js')).command },
  { group: beginner, name: 'set', short: 'Set specific features on objects', load: async () => (await import('./set.js')).command },
  { group: intermediate, name: 'get', short: 'Display one or many resources', load: async () => (await import('./get.js')).command },
  { group: intermediate, name: 'edit', short: 'Edit a resource on the server', load: async () => (await import('./edit.js')).command },
  { group: intermediate, name: 'delete', short: 'Delete resources by file names, stdin, resources and names, or by resources and label selector', load: async () => (await import('./delete.js')).command },
  { group: deploy, name: 'rollout', short: 'Manage the rollout of a resource', load: async () => (await import('./rollout.js')).command },
  { group: deploy, name: 'scale', short: 'Set a new size for a deployment, replica set, or replication controller', load: async () => (await import('./scale.js')).command },
  { group: deploy, name: 'autoscale', short: 'Auto-scale a deployment, replica set, stateful set, or replication controller', load: async () => (await import('./autoscale.js')).command },
  { group: cluster, name: 'certificate', short: 'Modify certificate resources', load: async () => (await import('./certificate.js')).command },
  { group: cluster, name: 'cluster-info', short: 'Display cluster information', load: async () => (await import('./cluster-info.js')).command },
  { group: cluster, name: 'cordon', short: 'Mark node as unschedulable', load: async () => (await import('./cordon.js')).cordonCommand },
  { group: cluster, name: 'uncordon', short: 'Mark node as schedulable', load: async () => (await import('./cordon.js')).uncordonCommand },
  { group: cluster, name: 'drain', short: 'Drain node in preparation for maintenance', load: async () => (await import('./drain.js')).command },
  { group: troubleshooting, name: 'describe', short: 'Show details of a specific resource or group of resources', load: async () => (await import('./describe.js')).command },
  { group: troubleshooting, name: 'logs', short: 'Print the logs for a container in a pod', load: async () => (await import('./logs.js')).command },
  { group: troubleshooting, name: 'attach', short: 'Attach to a running container', load: async () => (await import('./attach.js')).command },
  { group: troubleshooting, name: 'exec', short: 'Execute a command in a container', load: async () => (await import('./exec.js')).command },
  { group: troubleshooting, name: 'port-forward', short: 'Forward one or more local ports to a pod', load: async () => (await import('./port-forward.js')).command },
  { group: troubleshooting, name: 'cp', short: 'Copy files and directories to and from containers', load: async () => (await import('./cp.js')).command },
  { group: cluster, name: 'top', short: 'Display resource (CPU/memory) usage', load: async () => (await import('./top.js')).command },
  { group: troubleshooting, name: 'debug', short: 'Create debugging sessions for troubleshooting workloads and nodes', load: async () => (await import('./debug.js')).command },
  { group: troubleshooting, name: 'auth', short: 'Inspect authorization', load: async () => (await import('./auth.js')).command },
  { group: advanced, name: 'apply', short: 'Apply a configuration to a resource by file name or stdin', load: async () => (await import('./apply.js')).command },
  { group: advanced, name: 'patch', short: 'Update fields of a resource', load: async () => (await import('./patch.js')).command },
  { group: advanced, name: 'replace', short: 'Replace a resource by file name or stdin', load: async () => (await import('./replace.js')).command },
  { group: advanced, name: 'wait', short: 'Experimental: Wait for a specific condition on one or many resources', load: async () => (await import('./wait.js')).command },
  { group: settings, name: 'label', short: 'Update the labels on a resource', load: async () => (await import('./label.js')).command },
  { group: settings, name: 'annotate', short: 'Update the annotations on a resource', load: async () => (await import('./annotate.js')).command },
  { group: other, name: 'api-resources', short: 'Print the supported API resources on the server', load: async () => (await import('./api-resources.js')).command },
  { group: other, name: 'api-versions', short: 'Print the supported API versions on the server, in the form of "group/version"', load: async () => (await import('./api-versions.js')).command },
  { group: other, name: 'config', short: 'Modify kubeconfig files', load: async () => (await import('./config.js')).command },
  { group: other, name: 'version', short: 'Print the client and server version information', load: async () => (await import('./version.js')).command },
];
