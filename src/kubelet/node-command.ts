// `a-kube node`: node agents only, joining an existing cluster through a kubeconfig.
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadKubeconfig, resolveConfig } from '../client/kubeconfig.js';
import { createRestClient, type RestClient } from '../client/rest.js';
import { startFakeNodes } from './fake-nodes.js';
import { holdOpen } from './hold-open.js';

export const nodeUsage = `Run node agents that join a cluster through a kubeconfig.
With the simulated runtime, one process can run many nodes: pods bound to them go Running with IPs,
conditions and container statuses, but no process runs.

Usage:
  a-kube node [options]
  a-kube node join [options]   Join a cluster from another machine with a bootstrap token ("a-kube node join --help")

Options:
  --kubeconfig FILE       Credentials of the nodes (default: ~/.a-kube/admin.kubeconfig)
  --runtime KIND          fake (the only runtime here; containers run on the node \`a-kube up\` starts, see below)
  --nodes N               How many nodes to run (default: 1)
  --name-prefix PREFIX    Node names are PREFIX0, PREFIX1, … (default: fake-node-)
  --first-index I         Index of the first node, for several processes side by side (default: 0)
  --cpu QUANTITY          Allocatable CPU per node (default: 8)
  --memory QUANTITY       Allocatable memory per node (default: 32Gi)
  --max-pods N            Pods per node (default: 110)
  --pod-events            Record Pulled/Created/Started events for every pod (off: they triple the writes per pod)
  -h, --help              Show this help

A node that runs containers owns the machine's pod network (bridge, routes, iptables rules, cluster DNS
address), and a machine has one of those: \`a-kube up\` starts that node itself, so a second agent with
containerd on the same machine is refused rather than fighting it over the network.

Examples:
  a-kube node --runtime fake --nodes 100 --kubeconfig ~/.a-kube/admin.kubeconfig
`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

export async function nodeCommand(args: string[]): Promise<void> {
  if (args[0] === 'join') return (await import('./join/command.js')).joinCommand(args.slice(1));
  const { values } = parseArgs({
    args,
    options: {
      kubeconfig: { type: 'string' },
      runtime: { type: 'string' },
      nodes: { type: 'string' },
      'name-prefix': { type: 'string' },
      'first-index': { type: 'string' },
      cpu: { type: 'string' },
      memory: { type: 'string' },
      'max-pods': { type: 'string' },
      'pod-events': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(nodeUsage);
    return;
  }
  const runtime = values.runtime ?? 'fake';
  if (runtime === 'containerd') {
    fail('--runtime containerd is not available for `a-kube node`: a node running containers owns the machine\'s pod network (bridge, iptables rules, cluster DNS), and the node `a-kube up` starts already does; run real pods there, or use --runtime fake for more nodes');
  }
  if (runtime !== 'fake') fail(`invalid --runtime "${runtime}": only "fake" is available`);
  const count = Number(values.nodes ?? '1');
  if (!Number.isInteger(count) || count < 1) fail(`invalid --nodes "${values.nodes}": use a positive number`);
  const firstIndex = Number(values['first-index'] ?? '0');
  const maxPods = Number(values['max-pods'] ?? '110');
  const kubeconfig = resolve(values.kubeconfig ?? process.env['KUBECONFIG'] ?? join(homedir(), '.a-kube', 'admin.kubeconfig'));
  const config = resolveConfig(await loadKubeconfig({ explicitPath: kubeconfig }), {});
  const client: RestClient = createRestClient({ ...config.client, userAgent: `kubelet/v1.32.0 (${process.platform}/${process.arch}) a-kube` });
  const stop = new AbortController();
  holdOpen(stop.signal);
  const agents = await startFakeNodes({
    count,
    firstIndex,
    ...(values['name-prefix'] ? { prefix: values['name-prefix'] } : {}),
    ...(values.cpu ? { cpu: values.cpu } : {}),
    ...(values.memory ? { memory: values.memory } : {}),
    maxPods,
    podEvents: values['pod-events'] === true,
    clientFor: () => client,
    signal: stop.signal,
    log: (line) => process.stderr.write(`a-kube node: ${line}\n`),
  });
  await Promise.all(agents.map((a) => a.ready));
  process.stderr.write(`a-kube node: ${count} simulated node${count === 1 ? '' : 's'} registered with ${config.client.server}\n`);
  const shutdown = (signal: string) => {
    process.stderr.write(`a-kube node: ${signal}: shutting down\n`);
    stop.abort();
    client.close();
    process.exit(0);
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
