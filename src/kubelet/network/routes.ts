// Routes between the nodes' pod networks, in the host-gateway style of flannel's host-gw backend and kube-router's
// routing mode: every node's agent watches the Nodes and keeps, in its own network namespace, one route per other
// node — that node's spec.podCIDR via its InternalIP — so that a pod's packet to a pod on another node leaves by
// the node's own interface and arrives unchanged (pod-to-pod traffic inside the cluster CIDR is not masqueraded,
// see pod-network.ts). It needs the nodes to share a link (each InternalIP on-link for the others); a route
// the kernel refuses is reported once and tried again at the next change or resync.
// The routes carry their own protocol number, so that a sync reads back exactly what is this agent's (also what
// a crashed run left) and the clean-up removes them all with one `ip route flush proto …`.
import { spawnSync } from 'node:child_process';
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { formatCidr, formatIPv4, parseCidr, parseIPv4 } from '../../api/ipv4.js';
import { Informer, restListerWatcher } from '../../client/informer.js';
import type { RestClient } from '../../client/rest.js';
import { runCommand, type Runner } from './command.js';
import { SyncLimiter } from './sync-limiter.js';

/** The routing protocol number a-kube's pod routes carry (a private value, unused by the usual daemons). */
export const podRouteProtocol = '212';

export interface PodRoute {
  /** The other node's pod CIDR, normalised (10.244.1.0/24). */
  cidr: string;
  /** The other node's InternalIP. */
  via: string;
  node: string;
}

function internalIP(node: KubeObject): string | undefined {
  const status = node['status'];
  const addresses = isRecord(status) && Array.isArray(status['addresses']) ? status['addresses'] : [];
  for (const a of addresses) {
    if (!isRecord(a) || a['type'] !== 'InternalIP' || typeof a['address'] !== 'string') continue;
    const ip = parseIPv4(a['address']);
    if (ip !== undefined) return formatIPv4(ip);
  }
  return undefined;
}

function podCidrOf(node: KubeObject): string | undefined {
  const spec = node['spec'];
  const text = isRecord(spec) && typeof spec['podCIDR'] === 'string' ? spec['podCIDR'] : '';
  const cidr = parseCidr(text);
  return cidr ? formatCidr(cidr) : undefined;
}

/**
 * The routes node `self` needs: for every other node with a pod CIDR and an IPv4 InternalIP, that CIDR via that
 * address. A CIDR claimed by two nodes, or equal to this node's own, gets no route (the first by name wins among
 * other nodes, so the answer does not depend on list order).
 */
export function desiredPodRoutes(nodes: readonly KubeObject[], self: string): PodRoute[] {
  const own = nodes.find((n) => n.metadata.name === self);
  const ownCidr = own ? podCidrOf(own) : undefined;
  const ownIP = own ? internalIP(own) : undefined;
  const byCidr = new Map<string, PodRoute>();
  const sorted = [...nodes].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const node of sorted) {
    const name = node.metadata.name ?? '';
    if (name === self) continue;
    const cidr = podCidrOf(node);
    const via = internalIP(node);
    if (!cidr || !via || cidr === ownCidr || via === ownIP || byCidr.has(cidr)) continue;
    byCidr.set(cidr, { cidr, via, node: name });
  }
  return [...byCidr.values()];
}

/** The routes of protocol podRouteProtocol in `ip -4 route show` output: destination → gateway. */
export function parseInstalledRoutes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+\.\d+\.\d+\.\d+(?:\/\d+)?)\s+via\s+(\d+\.\d+\.\d+\.\d+)\b/.exec(line.trim());
    if (!m) continue;
    const cidr = parseCidr(m[1]!.includes('/') ? m[1]! : `${m[1]!}/32`);
    if (cidr) out.set(formatCidr(cidr), m[2]!);
  }
  return out;
}

/** The `ip` invocations that turn the installed routes into the desired ones. */
export function routeChanges(installed: ReadonlyMap<string, string>, desired: readonly PodRoute[]): string[][] {
  const want = new Map(desired.map((r) => [r.cidr, r.via]));
  const cmds: string[][] = [];
  for (const [cidr, via] of installed) if (want.get(cidr) !== via) cmds.push(['route', 'del', cidr, 'via', via, 'proto', podRouteProtocol]);
  for (const [cidr, via] of want) if (installed.get(cidr) !== via) cmds.push(['route', 'replace', cidr, 'via', via, 'proto', podRouteProtocol]);
  return cmds;
}

export interface PodRoutesOptions {
  client: Pick<RestClient, 'list' | 'watch'>;
  /** This node: its own pod CIDR needs no route. */
  nodeName: string;
  run?: Runner;
  log?: (line: string) => void;
  /** Least time between two syncs (default 1 s). */
  minSyncPeriodMs?: number;
  /** A full resync at least this often, putting back routes removed behind the agent's back (default 30 s). */
  syncPeriodMs?: number;
}

export class PodRoutes {
  readonly #o: PodRoutesOptions;
  readonly #run: Runner;
  readonly #nodes: Informer;
  readonly #limiter: SyncLimiter;
  readonly #ac = new AbortController();
  /** Failures of the last sync already reported, by their command line (not repeated while they persist). */
  readonly #reported = new Set<string>();

  constructor(o: PodRoutesOptions) {
    this.#o = o;
    this.#run = o.run ?? runCommand;
    this.#nodes = new Informer({ listerWatcher: restListerWatcher(o.client, { path: '/api/v1/nodes' }), name: 'pod routes: nodes', ...(o.log ? { log: o.log } : {}) });
    this.#limiter = new SyncLimiter({
      run: () => this.#sync(),
      minIntervalMs: o.minSyncPeriodMs ?? 1000,
      resyncMs: o.syncPeriodMs ?? 30_000,
      onError: (e) => o.log?.(`pod routes: ${e instanceof Error ? e.message : String(e)}`),
    });
    const changed = () => this.#limiter.request();
    this.#nodes.addEventHandler({ add: changed, update: changed, delete: changed });
  }

  /** Starts watching the Nodes and resolves after the first sync. */
  async start(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.#ac.abort(), { once: true });
    void this.#nodes.run(this.#ac.signal);
    if (!(await this.#nodes.waitForSync(this.#ac.signal))) return;
    await this.#limiter.runNow();
  }

  /** The routes the current Node cache asks for. */
  desired(): PodRoute[] {
    return desiredPodRoutes(this.#nodes.store.list(), this.#o.nodeName);
  }

  async #sync(): Promise<void> {
    const shown = await this.#run('ip', ['-4', 'route', 'show', 'proto', podRouteProtocol]);
    const failing = new Set<string>();
    for (const args of routeChanges(parseInstalledRoutes(shown.stdout), this.desired())) {
      const line = `ip ${args.join(' ')}`;
      try {
        await this.#run('ip', args);
        if (this.#reported.delete(line)) this.#o.log?.(`pod routes: ${line} succeeded`);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (!this.#reported.has(line)) {
          this.#reported.add(line);
          this.#o.log?.(`pod routes: ${line} failed (${message.trim()}): is the node's InternalIP reachable on a local link from this node?`);
        }
        failing.add(line);
      }
    }
    // A route no longer wanted is forgotten, so that the set stays as small as the failures of the moment.
    for (const line of this.#reported) if (!failing.has(line)) this.#reported.delete(line);
  }

  /** Stops watching and removes every pod route. */
  async stop(): Promise<void> {
    this.#ac.abort();
    await this.#limiter.stop();
    await removePodRoutes(this.#run);
  }
}

async function removePodRoutes(run: Runner): Promise<void> {
  await run('ip', ['-4', 'route', 'flush', 'proto', podRouteProtocol]).catch(() => undefined);
}

/** removePodRoutes for an 'exit' handler, where only synchronous calls run. */
export function removePodRoutesSync(): void {
  spawnSync('ip', ['-4', 'route', 'flush', 'proto', podRouteProtocol]);
}
