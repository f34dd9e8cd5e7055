// The network-policy agent: NetworkPolicies, Pods and Namespaces from informers, resolved against this node's
// pods (model.ts), written as the IP sets and filter-table chains of rules.ts, paced by a SyncLimiter (at most
// one sync per minSyncPeriod, a full resync every syncPeriod). A sync first brings the sets' members up to date
// (one `ipset restore` of the differences), then rewrites only the chains whose rules changed (one
// `iptables-restore --noflush` naming only our chains), then destroys the sets no rule names any more, and keeps
// the jumps from FORWARD and INPUT first in their chains. A pod coming or going therefore changes set members,
// not rules. Resolving yields to the event loop in slices, so a large cluster does not stall the process.
// Without a working ipset the sets are expanded into one rule per member, and the agent says so once.
// stop() takes every rule, chain and set back out.
import { isRecord, type KubeObject } from '../../../api/object.js';
import { Informer, restListerWatcher } from '../../../client/informer.js';
import type { EventRecorder } from '../../../client/control/types.js';
import type { RestClient } from '../../../client/rest.js';
import { ensureBridgeNetfilter, type BridgeNetfilter } from '../bridge-netfilter.js';
import { runCommand, type Runner } from '../command.js';
import { chainsOf, hostIptables, type Iptables } from '../iptables.js';
import { hostIpset, ipsetProblem, setDestroyText, setsOf, type Ipset } from '../ipset.js';
import { SyncLimiter } from '../sync-limiter.js';
import { clusterDnsPeer, podInfo, resolvePolicies, type PodInfo, type ResolvedPolicy } from './model.js';
import { TimeSlice } from './time-slice.js';
import { buildPolicyRules, expandSets, isPolicySet, policyChainPrefixes, policyJumpRepairText, policyRemovalText, policyRestoreText, selfChain, setUpdateText, unorderedChainEdits } from './rules.js';

export interface PolicyAgentOptions {
  client: Pick<RestClient, 'list' | 'watch'>;
  nodeName: string;
  /** The pod bridge: traffic from it to the node itself is filtered in INPUT. */
  bridge: string;
  /** Where a-kube's cluster DNS answers (the bridge gateway): egress rules to kube-dns pods reach it there. */
  clusterDnsIP?: string;
  iptables?: Iptables;
  /** IP sets (default: the host's ipset); false writes one rule per member instead, as when ipset does not work. */
  ipset?: Ipset | false;
  /** Runs modprobe and sysctl for the bridge-netfilter check. */
  run?: Runner;
  /** Told (a Warning Event on the Node) when same-node pod traffic cannot be filtered. */
  recorder?: EventRecorder;
  /** Least time between two syncs (default 1 s). */
  minSyncPeriodMs?: number;
  /** A full resync at least this often (default 30 s). */
  syncPeriodMs?: number;
  log?: (line: string) => void;
  /** Told after each successful sync with the resolved policies (tests wait on it). */
  onSync?: (policies: ResolvedPolicy[], ms: number) => void;
}

/** The Event reason on the Node when bridged traffic bypasses iptables. */
export const notEnforcedReason = 'NetworkPolicyNotEnforced';

export class PolicyAgent {
  readonly #o: PolicyAgentOptions;
  readonly #ipt: Iptables;
  readonly #policies: Informer;
  readonly #pods: Informer;
  readonly #namespaces: Informer;
  readonly #limiter: SyncLimiter;
  /** Our chains on the host after the last sync (or found at start): the ones a sync no longer writes go. */
  #previous = new Set<string>();
  /** Each chain's rules as last written; undefined: unknown (first sync, after a failure), so all are written. */
  #written: ReadonlyMap<string, readonly string[]> | undefined;
  /** Undefined until start; false when ipset does not work here. */
  #ipset: Ipset | false | undefined;
  #ipsetProblem: string | undefined;
  /** Our sets on the host and their members as last written; undefined: read them from the host first. */
  #setsOnHost: Map<string, Set<string>> | undefined;
  #bridgeNetfilter: BridgeNetfilter | undefined;
  #ac = new AbortController();

  constructor(o: PolicyAgentOptions) {
    this.#o = o;
    this.#ipt = o.iptables ?? hostIptables(o.run ?? runCommand);
    const log = o.log ? { log: o.log } : {};
    const informer = (path: string, name: string) => new Informer({ listerWatcher: restListerWatcher(o.client, { path }), name: `network policy: ${name}`, ...log });
    this.#policies = informer('/apis/networking.k8s.io/v1/networkpolicies', 'networkpolicies');
    this.#pods = informer('/api/v1/pods', 'pods');
    this.#namespaces = informer('/api/v1/namespaces', 'namespaces');
    this.#limiter = new SyncLimiter({
      run: (reason) => this.#sync(reason),
      minIntervalMs: o.minSyncPeriodMs ?? 1000,
      resyncMs: o.syncPeriodMs ?? 30_000,
      onError: (e) => {
        this.#written = undefined;
        this.#setsOnHost = undefined;
        o.log?.(`network policy: sync failed: ${e instanceof Error ? e.message : String(e)}`);
      },
    });
    const changed = () => this.requestSync();
    this.#policies.addEventHandler({ add: changed, update: changed, delete: changed });
    // Pods and namespaces change often in ways policies do not see (status, annotations): only what the
    // model reads asks for a sync.
    this.#pods.addEventHandler({ add: changed, update: (a, b) => podFacts(a) !== podFacts(b) && changed(), delete: changed });
    this.#namespaces.addEventHandler({ add: changed, update: (a, b) => JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {}) && changed(), delete: changed });
  }

  /** Whether same-node pod traffic is filtered (undefined before start). */
  get bridgeNetfilter(): BridgeNetfilter | undefined {
    return this.#bridgeNetfilter;
  }

  /** Why IP sets cannot be used here (rules are then written per address), or undefined when they are. */
  get ipsetProblem(): string | undefined {
    return this.#ipsetProblem;
  }

  /** Checks bridge netfilter, starts the informers and resolves after the first sync. */
  async start(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => this.#ac.abort(), { once: true });
    this.#bridgeNetfilter = await ensureBridgeNetfilter(this.#o.run ?? runCommand);
    if (this.#bridgeNetfilter.enabled) {
      for (const c of this.#bridgeNetfilter.changed) this.#o.log?.(`network policy: ${c}`);
    } else {
      const problem = this.#bridgeNetfilter.problem;
      this.#o.log?.(`network policy: traffic between pods on this node is NOT filtered: ${problem}`);
      this.#o.recorder?.event(nodeRef(this.#o.nodeName), 'Warning', notEnforcedReason, `NetworkPolicies do not apply to traffic between pods on this node: ${problem}`);
    }
    if (this.#o.ipset === false) this.#ipset = false;
    else {
      const ipset = this.#o.ipset ?? hostIpset(this.#o.run ?? runCommand);
      this.#ipsetProblem = await ipsetProblem(ipset);
      this.#ipset = this.#ipsetProblem ? false : ipset;
      if (this.#ipsetProblem) this.#o.log?.(`network policy: ipset does not work here (${this.#ipsetProblem}): writing one rule per pod address instead, which grows with pods × peers; ${ipsetInstallHint}`);
    }
    // Chains and sets a crashed run left behind are deleted by the first sync.
    this.#previous = new Set([...chainsOf(await this.#ipt.save('filter'))].filter((c) => c === selfChain || policyChainPrefixes.some((p) => c.startsWith(p))));
    for (const inf of [this.#policies, this.#pods, this.#namespaces]) void inf.run(this.#ac.signal);
    for (const inf of [this.#policies, this.#pods, this.#namespaces]) if (!(await inf.waitForSync(this.#ac.signal))) return;
    await this.syncNow();
  }

  /** Every policy resolved against the current caches (policies by namespace/name). */
  desired(slice = new TimeSlice()): Promise<ResolvedPolicy[]> {
    const pods: PodInfo[] = [];
    const local = new Set<string>();
    for (const pod of this.#pods.store.list()) {
      const info = podInfo(pod);
      if (!info) continue;
      pods.push(info);
      if (specOf(pod)['nodeName'] === this.#o.nodeName) local.add(`${info.namespace}/${info.name}`);
    }
    if (this.#o.clusterDnsIP) pods.push(clusterDnsPeer(this.#o.clusterDnsIP));
    const namespaceLabels = new Map<string, Readonly<Record<string, string>>>();
    for (const ns of this.#namespaces.store.list()) namespaceLabels.set(ns.metadata.name ?? '', ns.metadata.labels ?? {});
    const policies = [...this.#policies.store.list()].sort((a, b) => key(a).localeCompare(key(b)));
    return resolvePolicies(policies, { pods, namespaceLabels }, (p) => local.has(`${p.namespace}/${p.name}`), slice);
  }

  /** Asks for a sync (rate-limited); ignored until the caches have synced. */
  requestSync(): void {
    if (!this.#policies.hasSynced() || !this.#pods.hasSynced() || !this.#namespaces.hasSynced()) return;
    this.#limiter.request();
  }

  /** Runs one sync now (after the one in progress, if any). */
  syncNow(): Promise<void> {
    return this.#limiter.runNow('resync');
  }

  async #sync(reason: 'change' | 'resync'): Promise<void> {
    const started = performance.now();
    const slice = new TimeSlice();
    const policies = await this.desired(slice);
    const ipset = this.#ipset;
    const built = await buildPolicyRules(policies, slice);
    const rules = ipset ? built : await expandSets(built, slice);
    // Sets before rules: a rule cannot name a set that does not exist.
    let onHost = this.#setsOnHost;
    if (ipset) {
      if (reason === 'resync' || !onHost) onHost = setsOf(await ipset.save(), isPolicySet);
      const update = await setUpdateText(rules.sets, onHost, slice);
      if (update) await ipset.restore(update);
      for (const [name, set] of rules.sets) {
        onHost.set(name, new Set(set.members));
        await slice.pause();
      }
      this.#setsOnHost = onHost;
    }
    const written = reason === 'resync' ? undefined : this.#written;
    const changed = new Set([...rules.chains.keys()].filter((c) => !sameLines(written?.get(c), rules.chains.get(c))));
    // The self chain is edited rule by rule once it is known, so pods coming and going do not rewrite it.
    const selfBefore = written?.get(selfChain);
    const edits = selfBefore && changed.delete(selfChain) ? unorderedChainEdits(selfBefore, rules.chains.get(selfChain) ?? []) : [];
    const stale = [...this.#previous].some((c) => !rules.chains.has(c));
    if (changed.size > 0 || edits.length > 0 || stale) {
      await this.#ipt.restore(policyRestoreText(rules, this.#previous, changed, edits));
      this.#previous = new Set(rules.chains.keys());
    }
    this.#written = rules.chains;
    // After the rules that named them are gone.
    if (ipset && onHost) {
      const unused = [...onHost.keys()].filter((n) => !rules.sets.has(n));
      const destroy = setDestroyText(unused);
      if (destroy) await ipset.restore(destroy);
      for (const n of unused) onHost.delete(n);
    }
    // After the chains exist: a jump to a missing chain is refused.
    const repair = policyJumpRepairText(await this.#ipt.save('filter'), this.#o.bridge);
    if (repair) await this.#ipt.restore(repair);
    this.#o.onSync?.(policies, performance.now() - started);
  }

  /** Stops syncing and removes every rule and chain the agent owns. */
  async stop(): Promise<void> {
    this.#ac.abort();
    await this.#limiter.stop();
    await removePolicyRules(this.#ipt, this.#ipset || undefined);
  }
}

/** What to do when ipset is missing. */
export const ipsetInstallHint = 'to fix it, run scripts/install-deps.sh, or: apt-get install ipset';

/** Takes out the jumps into the policy chains, deletes the chains, then the sets (also what a crashed run left). */
export async function removePolicyRules(ipt: Iptables, ipset?: Ipset): Promise<void> {
  const text = policyRemovalText(await ipt.save('filter'));
  if (text) await ipt.restore(text);
  if (!ipset) return;
  const destroy = setDestroyText(setsOf(await ipset.save(), isPolicySet).keys());
  if (destroy) await ipset.restore(destroy);
}

function sameLines(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && a.every((l, i) => l === b[i]);
}

/** What the model reads of a pod, as one comparable string. */
function podFacts(pod: KubeObject): string {
  const info = podInfo(pod);
  return JSON.stringify([specOf(pod)['nodeName'], info?.ip, info?.labels, info ? [...info.namedPorts] : undefined]);
}

const key = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

function specOf(o: KubeObject): Record<string, unknown> {
  const spec = o['spec'];
  return isRecord(spec) ? spec : {};
}

/** The Node as Events name it: the kubelet and kubectl use the node's name as its uid in event references. */
function nodeRef(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: name } };
}
