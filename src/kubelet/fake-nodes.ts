// Many simulated nodes in one process (a-kube node --runtime fake --nodes N, and a-kube up --runtime fake):
// node i gets pod CIDR 10.244.i.0/24 and address 172.18.x.y, each with its own runtime and agent.
import type { RestClient } from '../client/rest.js';
import { Informer, restListerWatcher } from '../client/informer.js';
import { startNodeAgent, type RunningNodeAgent } from './agent.js';
import { FakeRuntime } from './runtime/fake.js';
import { quantityNumber, toQuantity } from '../api/quantity.js';
import type { RuntimeService } from './runtime/types.js';

export interface FakeNodesOptions {
  count: number;
  /** Node names: `${prefix}${i}` when count > 1 or no single name is given. */
  prefix?: string;
  /** The name of the only node when count is 1 (e.g. the host name for `up`). */
  name?: string;
  /**
   * The address of every node, where their servers listen (each on a port of its own): for API servers in other
   * processes, which reach a node agent at its InternalIP (default: simulated addresses, reached only in-process).
   */
  hostIP?: string;
  /** The first node's index (for several `a-kube node` processes side by side). */
  firstIndex?: number;
  clientFor(nodeName: string): Promise<RestClient> | RestClient;
  signal: AbortSignal;
  log?: (line: string) => void;
  cpu?: string;
  memory?: string;
  maxPods?: number;
  /** Pulled/Created/Started events per pod: off by default (kwok-like), as they triple the writes per pod. */
  podEvents?: boolean;
  /** Starts the node's HTTPS server (logs; exec and the like answer that nothing runs) and returns its port. */
  serve?(nodeName: string, runtime: RuntimeService, client: RestClient): Promise<number>;
}

export function fakeNodeAddress(i: number): { hostIP: string; podCIDR: string } {
  return { hostIP: `172.18.${Math.floor((i + 2) / 256)}.${(i + 2) % 256}`, podCIDR: `10.244.${i % 256}.0/24` };
}

export async function startFakeNodes(o: FakeNodesOptions): Promise<RunningNodeAgent[]> {
  const agents: RunningNodeAgent[] = [];
  const first = o.firstIndex ?? 0;
  // One pod watch for every simulated node of this process (as kwok does), not one per node: the API server
  // then filters and sends each pod change once instead of evaluating N field selectors.
  let shared: Informer | undefined;
  if (o.count > 1) {
    const name = `${o.prefix ?? 'fake-node-'}${first}`;
    shared = new Informer({ listerWatcher: restListerWatcher(await o.clientFor(name), { path: '/api/v1/pods' }), name: 'pods on simulated nodes', ...(o.log ? { log: o.log } : {}) });
    void shared.run(o.signal);
  }
  for (let n = 0; n < o.count; n++) {
    const i = first + n;
    const name = o.count === 1 && o.name ? o.name : `${o.prefix ?? 'fake-node-'}${i}`;
    const simulated = fakeNodeAddress(i);
    const podCIDR = simulated.podCIDR;
    const hostIP = o.hostIP ?? simulated.hostIP;
    const memory = toQuantity(o.memory ?? '32Gi');
    const runtime = new FakeRuntime({ podCIDR, ...(memory ? { memoryBytes: quantityNumber(memory) } : {}) });
    const client = await o.clientFor(name);
    // Without a server the Node says so with port 0: its simulated address is nowhere to dial.
    const kubeletPort = o.serve ? await o.serve(name, runtime, client) : 0;
    agents.push(
      startNodeAgent({
        name,
        hostIP,
        podCIDR,
        cpu: o.cpu ?? '8',
        memory: o.memory ?? '32Gi',
        maxPods: o.maxPods ?? 110,
        client,
        runtime,
        kubeletPort,
        signal: o.signal,
        ...(o.log ? { log: o.log } : {}),
        podEvents: o.podEvents ?? false,
        ...(shared ? { sharedPods: shared } : {}),
      }),
    );
  }
  return agents;
}
