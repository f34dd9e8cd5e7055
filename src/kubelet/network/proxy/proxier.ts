// The service proxy: Services and EndpointSlices from informers, the whole rule set rebuilt in memory (in slices,
// giving the event loop turns) and handed to one `iptables-restore --noflush` per sync, paced by a SyncLimiter:
// at most one sync per minSyncPeriod (changes arriving meanwhile share the next one) and a full resync every
// syncPeriod.
// stop() takes every rule back out.
import type { KubeObject } from '../../../api/object.js';
import { Informer, restListerWatcher } from '../../../client/informer.js';
import type { RestClient } from '../../../client/rest.js';
import { chainsOf, hostIptables, type Iptables } from '../iptables.js';
import { SyncLimiter } from '../sync-limiter.js';
import { servicePorts, type ServicePort } from './model.js';
import { buildRulesInSlices, dynamicPrefixes, filterChains, jumpRules, natChains, restoreTextInSlices, type ChainContents, type Rules } from './rules.js';

export interface ServiceProxyOptions {
  client: Pick<RestClient, 'list' | 'watch'>;
  nodeName: string;
  clusterCidr: string;
  iptables?: Iptables;
  /** Least time between two syncs (kube-proxy's --iptables-min-sync-period, default 1 s). */
  minSyncPeriodMs?: number;
  /** A full resync at least this often, repairing rules changed behind the proxy's back (default 30 s). */
  syncPeriodMs?: number;
  log?: (line: string) => void;
  /** Told after each successful sync (tests and benchmarks wait on it). */
  onSync?: (r: Rules, ms: number) => void;
}

const serviceNameLabel = 'kubernetes.io/service-name';

export class ServiceProxy {
  readonly #o: ServiceProxyOptions;
  readonly #ipt: Iptables;
  readonly #services: Informer;
  readonly #slices: Informer;
  #previous = { nat: new Set<string>(), filter: new Set<string>() };
  /** What the last successful sync left in place, chain by chain (undefined: write everything next time). */
  #written: ChainContents | undefined;
  readonly #limiter: SyncLimiter;
  #ac = new AbortController();

  constructor(o: ServiceProxyOptions) {
    this.#o = o;
    this.#ipt = o.iptables ?? hostIptables();
    const log = o.log ? { log: o.log } : {};
    this.#services = new Informer({ listerWatcher: restListerWatcher(o.client, { path: '/api/v1/services' }), name: 'service proxy: services', ...log });
    this.#slices = new Informer({
      listerWatcher: restListerWatcher(o.client, { path: '/apis/discovery.k8s.io/v1/endpointslices', labelSelector: serviceNameLabel }),
      name: 'service proxy: endpointslices',
      indexers: { service: (s) => [`${s.metadata.namespace ?? ''}/${s.metadata.labels?.[serviceNameLabel] ?? ''}`] },
      ...log,
    });
    this.#limiter = new SyncLimiter({
      run: () => this.#sync(),
      minIntervalMs: o.minSyncPeriodMs ?? 1000,
      resyncMs: o.syncPeriodMs ?? 30_000,
      onError: (e) => o.log?.(`service proxy: iptables-restore failed: ${e instanceof Error ? e.message : String(e)}`),
    });
    const changed = () => this.requestSync();
    for (const inf of [this.#services, this.#slices]) inf.addEventHandler({ add: changed, update: changed, delete: changed });
  }

  /** Installs the jumps, starts the informers and resolves after the first sync. */
  async start(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.#ac.abort(), { once: true });
    const nat = await this.#ipt.save('nat');
    const filter = await this.#ipt.save('filter');
    // Chains a crashed run left behind are deleted by the first sync.
    this.#previous = { nat: chainsOf(nat), filter: chainsOf(filter) };
    await ensureJumps(this.#ipt, nat, filter);
    void this.#services.run(this.#ac.signal);
    void this.#slices.run(this.#ac.signal);
    const synced = (await this.#services.waitForSync(this.#ac.signal)) && (await this.#slices.waitForSync(this.#ac.signal));
    if (!synced) return;
    await this.syncNow();
  }

  /** The service ports the current caches describe. */
  desired(): ServicePort[] {
    const out: ServicePort[] = [];
    for (const svc of this.#services.store.list()) {
      const slices: KubeObject[] = this.#slices.store.byIndex('service', `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`);
      out.push(...servicePorts(svc, slices, this.#o.nodeName));
    }
    return out;
  }

  /** Asks for a sync: at once when the last one is older than minSyncPeriod, else when it is. */
  requestSync(): void {
    if (!this.#services.hasSynced() || !this.#slices.hasSynced()) return;
    this.#limiter.request();
  }

  /** Runs one sync now (after the one in progress, if any). */
  syncNow(): Promise<void> {
    return this.#limiter.runNow('change');
  }

  async #sync(): Promise<void> {
    const started = performance.now();
    // Built in slices (the API server may share this process), written in one restore: after the first sync only
    // the changed chains; a failure makes the next sync write everything.
    const rules = await buildRulesInSlices(this.desired(), { clusterCidr: this.#o.clusterCidr, previous: this.#previous });
    try {
      await this.#ipt.restore(await restoreTextInSlices(rules.contents, this.#written, this.#previous));
    } catch (e) {
      // The limiter reports it and syncs again; that sync writes everything.
      this.#written = undefined;
      throw e;
    }
    this.#previous = rules.chains;
    this.#written = rules.contents;
    this.#o.onSync?.(rules, performance.now() - started);
  }

  /** Stops syncing and removes every rule and chain the proxy owns. */
  async stop(): Promise<void> {
    this.#ac.abort();
    await this.#limiter.stop();
    await removeProxyRules(this.#ipt);
  }
}

const ruleText = (chain: string, args: string) => `-A ${chain} ${args}`;

async function ensureJumps(ipt: Iptables, nat: string, filter: string): Promise<void> {
  const saved = { nat: new Set(nat.split('\n')), filter: new Set(filter.split('\n')) };
  const lines: Record<'nat' | 'filter', string[]> = { nat: [], filter: [] };
  const decl: Record<'nat' | 'filter', readonly string[]> = { nat: natChains, filter: filterChains };
  for (const [table, chain, args] of jumpRules) {
    // iptables-save prints the matches in its own order; compare on the comment and target, which it keeps.
    const target = args.slice(args.lastIndexOf('-j '));
    const comment = /--comment "([^"]*)"/.exec(args)?.[1] ?? '';
    const present = [...saved[table]].some((l) => l.startsWith(`-A ${chain} `) && l.includes(comment) && l.endsWith(target));
    if (!present) lines[table].push(ruleText(chain, args).replace(/^-A /, '-I '));
  }
  for (const table of ['filter', 'nat'] as const) {
    if (lines[table].length === 0) continue;
    // Declaring an existing chain would flush it: declare only the missing ones the jumps name.
    const have = chainsOf(table === 'nat' ? nat : filter);
    const missing = decl[table].filter((c) => !have.has(c)).map((c) => `:${c} - [0:0]`);
    await ipt.restore([`*${table}`, ...missing, ...lines[table], 'COMMIT', ''].join('\n'));
  }
}

/** The restore text that takes the proxy's jumps and chains out of one table, given its iptables-save text. */
export function proxyRemovalText(table: 'nat' | 'filter', saved: string): string | undefined {
  const fixed: readonly string[] = table === 'nat' ? natChains : filterChains;
  const ours = [...chainsOf(saved)].filter((c) => fixed.includes(c) || dynamicPrefixes.some((p) => c.startsWith(p)));
  if (ours.length === 0) return undefined;
  const oursSet = new Set(ours);
  const jumps = saved
    .split('\n')
    .filter((l) => l.startsWith('-A ') && !oursSet.has(l.split(' ')[1] ?? '') && oursSet.has(/ -j (\S+)/.exec(l)?.[1] ?? ''))
    .map((l) => l.replace(/^-A /, '-D '));
  return [`*${table}`, ...jumps, ...ours.map((c) => `-F ${c}`), ...ours.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
}

/** Takes out the jumps into the proxy's chains and deletes the chains (also after a crash). */
export async function removeProxyRules(ipt: Iptables): Promise<void> {
  for (const table of ['filter', 'nat'] as const) {
    const text = proxyRemovalText(table, await ipt.save(table));
    if (text) await ipt.restore(text);
  }
}
