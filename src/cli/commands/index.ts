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
  { group: beginner, name: 'create', short: 'Create resources from manifests in files or stdin', load: async () => (await import('./create.js')).command },
  { group: beginner, name: 'expose', short: 'Create a Service that sends traffic to the pods of a workload, service or pod', load: async () => (await import('./expose.js')).command },
  { group: beginner, name: 'run', short: 'Start a pod running an image', load: async () => (await import('./run.js')).command },
  { group: beginner, name: 'set', short: 'Change chosen fields (image, env, ...) of workloads', load: async () => (await import('./set.js')).command },
  { group: intermediate, name: 'get', short: 'List resources or show chosen ones', load: async () => (await import('./get.js')).command },
  { group: intermediate, name: 'edit', short: 'Change resources in your editor and save them back', load: async () => (await import('./edit.js')).command },
  { group: intermediate, name: 'delete', short: 'Delete resources named on the command line, in files, or matched by a selector', load: async () => (await import('./delete.js')).command },
  { group: deploy, name: 'rollout', short: 'Watch, pause, resume, restart or undo rollouts of workloads', load: async () => (await import('./rollout.js')).command },
  { group: deploy, name: 'scale', short: 'Change the replica count of a scalable workload', load: async () => (await import('./scale.js')).command },
  { group: deploy, name: 'autoscale', short: 'Create a HorizontalPodAutoscaler for a scalable workload', load: async () => (await import('./autoscale.js')).command },
  { group: cluster, name: 'certificate', short: 'Approve or deny certificate signing requests', load: async () => (await import('./certificate.js')).command },
  { group: cluster, name: 'cluster-info', short: 'Show where the control plane and cluster services answer', load: async () => (await import('./cluster-info.js')).command },
  { group: cluster, name: 'cordon', short: 'Stop new pods from being scheduled onto a node', load: async () => (await import('./cordon.js')).cordonCommand },
  { group: cluster, name: 'uncordon', short: 'Let the scheduler place pods onto a node again', load: async () => (await import('./cordon.js')).uncordonCommand },
  { group: cluster, name: 'drain', short: 'Cordon a node and evict its pods before maintenance', load: async () => (await import('./drain.js')).command },
  { group: troubleshooting, name: 'describe', short: 'Show a readable report of resources, with their events', load: async () => (await import('./describe.js')).command },
  { group: troubleshooting, name: 'logs', short: 'Show the output a container has written', load: async () => (await import('./logs.js')).command },
  { group: troubleshooting, name: 'attach', short: 'Connect to the main process of a running container', load: async () => (await import('./attach.js')).command },
  { group: troubleshooting, name: 'exec', short: 'Run a command inside a container', load: async () => (await import('./exec.js')).command },
  { group: troubleshooting, name: 'port-forward', short: 'Relay local TCP ports to ports of a pod', load: async () => (await import('./port-forward.js')).command },
  { group: troubleshooting, name: 'cp', short: 'Copy files and folders between this machine and a container', load: async () => (await import('./cp.js')).command },
  { group: cluster, name: 'top', short: 'Display resource (CPU/memory) usage', load: async () => (await import('./top.js')).command },
  { group: troubleshooting, name: 'debug', short: 'Start a debug container in a pod, a debug copy of a pod, or a debug pod on a node', load: async () => (await import('./debug.js')).command },
  { group: troubleshooting, name: 'auth', short: 'Inspect authorization', load: async () => (await import('./auth.js')).command },
  { group: advanced, name: 'apply', short: 'Create or update resources from manifests in files or stdin', load: async () => (await import('./apply.js')).command },
  { group: advanced, name: 'patch', short: 'Change fields of a resource with a JSON, merge or strategic merge patch', load: async () => (await import('./patch.js')).command },
  { group: advanced, name: 'replace', short: 'Replace resources with the manifests in files or stdin', load: async () => (await import('./replace.js')).command },
  { group: advanced, name: 'wait', short: 'Experimental: block until resources meet a condition, are deleted or are created', load: async () => (await import('./wait.js')).command },
  { group: settings, name: 'label', short: 'Add, change or remove labels on resources', load: async () => (await import('./label.js')).command },
  { group: settings, name: 'annotate', short: 'Add, change or remove annotations on resources', load: async () => (await import('./annotate.js')).command },
  { group: other, name: 'api-resources', short: 'List the resource types the server offers', load: async () => (await import('./api-resources.js')).command },
  { group: other, name: 'api-versions', short: 'List the group/version pairs the server serves', load: async () => (await import('./api-versions.js')).command },
  { group: other, name: 'config', short: 'Read and change kubeconfig files', load: async () => (await import('./config.js')).command },
  { group: other, name: 'version', short: 'Show the a-kubectl and API server versions', load: async () => (await import('./version.js')).command },
];
