// The network-policy agent: NetworkPolicies, Pods and Namespaces from informers, resolved for this node's pods
// (model.ts), written as the filter-table chains of rules.ts in one `iptables-restore --noflush` per sync that
// names only our chains, paced by a SyncLimiter (at most one sync per minSyncPeriod, a full resync every
// syncPeriod). Each sync also keeps the jumps from FORWARD and INPUT first in their chains. stop() takes every
// rule and chain back out.
import { isRecord, type KubeObject } from '../../../api/object.js';
import { Informer, restListerWatcher } from '../../../client/informer.js';
import type { EventRecorder } from '../../../client/control/types.js';
import type { RestClient } from '../../../client/rest.js';
import { ensureBridgeNetfilter, type BridgeNetfilter } from '../bridge-netfilter.js';
import { runCommand, type Runner } from '../command.js';
import { chainsOf, hostIptables, type Iptables } from '../iptables.js';
import { SyncLimiter } from '../sync-limiter.js';
import { clusterDnsPeer, podInfo, podPolicies, type PodInfo, type PodPolicy } from './model.js';
import { buildPolicyRules, policyChainPrefixes, policyJumpRepairText, policyRemovalText, policyRestoreText } from './rules.js';

export interface PolicyAgentOptions {
  client: Pick<RestClient, 'list' | 'watch'>;
  nodeName: string;
  /** The pod bridge: traffic from it to the node itself is filtered in INPUT. */
  bridge: string;
  /** Where a-kube's cluster DNS answers (the bridge gateway): egress rules to kube-dns pods reach it there. */
  clusterDnsIP?: string;
  iptables?: Iptables;
  /** Runs modprobe and sysctl for the bridge-netfilter check. */
  run?: Runner;
  /** Told (a Warning Event on the Node) when same-node pod traffic cannot be filtered. */
  recorder?: EventRecorder;
  /** Least time between two syncs (default 1 s). */
  minSyncPeriodMs?: number;
  /** A full resync at least this often (default 30 s). */
  syncPeriodMs?: number;
  log?: (line: string) => void;
  /** Told after each successful sync with the pods that have policies (tests wait on it). */
  onSync?: (pods: PodPolicy[], ms: number) => void;
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
  /** The last restore text applied; a change-triggered sync with the same text writes nothing. */
  #written: string | undefined;
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
        o.log?.(`network policy: iptables-restore failed: ${e instanceof Error ? e.message : String(e)}`);
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
    // Chains a crashed run left behind are deleted by the first sync.
    this.#previous = new Set([...chainsOf(await this.#ipt.save('filter'))].filter((c) => policyChainPrefixes.some((p) => c.startsWith(p))));
    for (const inf of [this.#policies, this.#pods, this.#namespaces]) void inf.run(this.#ac.signal);
    for (const inf of [this.#policies, this.#pods, this.#namespaces]) if (!(await inf.waitForSync(this.#ac.signal))) return;
    await this.syncNow();
  }

  /** Every local pod's resolved policy, from the current caches. */
  desired(): PodPolicy[] {
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
    return podPolicies(policies, { pods, namespaceLabels }, (p) => local.has(`${p.namespace}/${p.name}`));
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
    const pods = this.desired();
    const rules = buildPolicyRules(pods);
    const text = policyRestoreText(rules, this.#previous);
    if (reason === 'resync' || text !== this.#written) {
      await this.#ipt.restore(text);
      this.#written = text;
      this.#previous = new Set(rules.chains.keys());
    }
    // After the chains exist: a jump to a missing chain is refused.
    const repair = policyJumpRepairText(await this.#ipt.save('filter'), this.#o.bridge);
    if (repair) await this.#ipt.restore(repair);
    this.#o.onSync?.(pods, performance.now() - started);
  }

  /** Stops syncing and removes every rule and chain the agent owns. */
  async stop(): Promise<void> {
    this.#ac.abort();
    await this.#limiter.stop();
    await removePolicyRules(this.#ipt);
  }
}

/** Takes out the jumps into the policy chains and deletes the chains (also what a crashed run left). */
export async function removePolicyRules(ipt: Iptables): Promise<void> {
  const text = policyRemovalText(await ipt.save('filter'));
  if (text) await ipt.restore(text);
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
