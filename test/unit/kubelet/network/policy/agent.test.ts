// The network-policy agent's sync against an in-memory iptables: informers fed by a fake API, the restore text
// it writes (only its own chains, --noflush semantics), the jumps kept first in FORWARD and INPUT, stale chains
// deleted, changes batched by the minimum sync period, the cluster-DNS stand-in for kube-dns egress rules, the
// bridge-netfilter check (module loaded, sysctl set, or a Warning Event when it cannot be), and removal on stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../../../src/api/object.js';
import { chainHash } from '../../../../../src/kubelet/network/chain-name.js';
import { CommandError, type Runner } from '../../../../../src/kubelet/network/command.js';
import { notEnforcedReason, PolicyAgent } from '../../../../../src/kubelet/network/policy/agent.js';
import type { PodPolicy } from '../../../../../src/kubelet/network/policy/model.js';
import { FakeFeed } from '../fake-feed.js';
import { FakeIptables } from '../fake-iptables.js';

const policiesPath = '/apis/networking.k8s.io/v1/networkpolicies';
const podsPath = '/api/v1/pods';
const namespacesPath = '/api/v1/namespaces';

const namespace = (name: string, labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } } });
const pod = (ns: string, name: string, ip: string, labels: Record<string, string>, nodeName = 'node-1'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, labels },
  spec: { nodeName, containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 80 }] }] },
  status: { phase: 'Running', podIP: ip },
});
const policy = (ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: ns, name }, spec });

/** sysctl and modprobe as a machine where br_netfilter is (or is not) loadable. */
function fakeHost(o: { loaded: boolean; value?: string; modprobe?: boolean }): { run: Runner; calls: string[] } {
  const calls: string[] = [];
  let loaded = o.loaded;
  let value = o.value ?? '0';
  const run: Runner = async (file, args) => {
    calls.push(`${file} ${args.join(' ')}`);
    if (file === 'modprobe') {
      if (o.modprobe === false) throw new CommandError('modprobe br_netfilter', 1, 'modprobe: FATAL: Module br_netfilter not found in directory /lib/modules/6.1.0');
      loaded = true;
      return { stdout: '', stderr: '' };
    }
    if (file === 'sysctl' && args[0] === '-n') {
      if (!loaded) throw new CommandError('sysctl -n', 255, 'sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables: No such file or directory');
      return { stdout: `${value}\n`, stderr: '' };
    }
    if (file === 'sysctl' && args[0] === '-qw') {
      value = (args[1] ?? '').split('=')[1] ?? '';
      return { stdout: '', stderr: '' };
    }
    throw new Error(`unexpected command ${file}`);
  };
  return { run, calls };
}

interface Harness {
  feed: FakeFeed;
  ipt: FakeIptables;
  agent: PolicyAgent;
  events: { type: string; reason: string; message: string; kind: string; name: string }[];
  logs: string[];
  calls: string[];
  /** Resolves with the pods of the next sync. */
  nextSync(): Promise<PodPolicy[]>;
  syncs: number;
}

async function start(t: { after(fn: () => unknown): void }, host = fakeHost({ loaded: true, value: '1' }), seed?: (feed: FakeFeed, ipt: FakeIptables) => Promise<void>): Promise<Harness> {
  const feed = new FakeFeed();
  const ipt = new FakeIptables();
  // What the pod network and service proxy put in FORWARD before the agent starts.
  await ipt.restore('*filter\n:KUBE-FORWARD - [0:0]\n:AKUBE-POD-FORWARD - [0:0]\n-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD\n-A FORWARD -m comment --comment "a-kube pod network" -j AKUBE-POD-FORWARD\n-A INPUT -j ACCEPT\nCOMMIT\n');
  for (const ns of ['default', 'kube-system', 'web', 'ops']) feed.put(namespacesPath, namespace(ns, ns === 'ops' ? { team: 'ops' } : {}));
  await seed?.(feed, ipt);
  const events: Harness['events'] = [];
  const logs: string[] = [];
  let waiters: ((p: PodPolicy[]) => void)[] = [];
  const h: Partial<Harness> = { feed, ipt, events, logs, calls: host.calls, syncs: 0 };
  const agent = new PolicyAgent({
    client: feed,
    nodeName: 'node-1',
    bridge: 'akube0',
    clusterDnsIP: '10.244.0.1',
    iptables: ipt,
    run: host.run,
    minSyncPeriodMs: 100,
    recorder: { event: (obj, type, reason, message) => events.push({ type, reason, message, kind: obj.kind ?? '', name: obj.metadata.name ?? '' }) },
    log: (l) => logs.push(l),
    onSync: (pods) => {
      h.syncs!++;
      const w = waiters;
      waiters = [];
      for (const f of w) f(pods);
    },
  });
  h.agent = agent;
  h.nextSync = () => new Promise((r) => waiters.push(r));
  const stop = new AbortController();
  let stopped = false;
  t.after(async () => {
    stop.abort();
    if (!stopped) await agent.stop();
  });
  const origStop = agent.stop.bind(agent);
  agent.stop = async () => {
    stopped = true;
    await origStop();
  };
  await agent.start(stop.signal);
  return h as Harness;
}

const pi = (id: string) => `AKUBE-PI-${chainHash(`ingress ${id}`)}`;
const pe = (id: string) => `AKUBE-PE-${chainHash(`egress ${id}`)}`;

test('the first sync: AKUBE-POLICY written alone (no built-in chain, no other table), jumps put first in FORWARD and INPUT', async (t) => {
  const h = await start(t);
  const first = h.ipt.restores[1]!;
  assert.equal(first, '*filter\n:AKUBE-POLICY - [0:0]\n-A AKUBE-POLICY -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\nCOMMIT\n');
  assert.deepEqual(h.ipt.chain('filter', 'FORWARD'), [
    '-A FORWARD -m comment --comment "a-kube network policies" -j AKUBE-POLICY',
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A FORWARD -m comment --comment "a-kube pod network" -j AKUBE-POD-FORWARD',
  ]);
  assert.deepEqual(h.ipt.chain('filter', 'INPUT'), ['-A INPUT -i akube0 -m comment --comment "a-kube network policies" -j AKUBE-POLICY', '-A INPUT -j ACCEPT']);
  // Every restore names only the filter table and only our chains.
  for (const text of h.ipt.restores.slice(1)) {
    assert.doesNotMatch(text, /^\*(nat|mangle|raw)/m);
    assert.doesNotMatch(text, /^:(INPUT|FORWARD|OUTPUT|KUBE-|AKUBE-POD)/m);
  }
  // A resync with the jumps in place adds none.
  const before = h.ipt.restores.length;
  await h.agent.syncNow();
  assert.equal(h.ipt.restores.length, before + 1, 'a resync rewrites the chains once and leaves the jumps');
  assert.equal(h.ipt.chain('filter', 'FORWARD')?.filter((l) => l.endsWith('-j AKUBE-POLICY')).length, 1);
});

test('policies for this node\'s pods only; an allow by label, by namespace; label changes and deletions follow; stale chains go', async (t) => {
  const h = await start(t, undefined, async (feed) => {
    feed.put(podsPath, pod('web', 'server', '10.244.0.10', { app: 'server' }));
    feed.put(podsPath, pod('web', 'client', '10.244.0.11', { app: 'client' }));
    feed.put(podsPath, pod('ops', 'probe', '10.244.0.20', { app: 'probe' }));
    feed.put(podsPath, pod('web', 'elsewhere', '10.244.1.5', { app: 'server' }, 'node-2'));
  });
  let synced = h.nextSync();
  h.feed.put(policiesPath, policy('web', 'deny', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'] }));
  let pods = await synced;
  assert.deepEqual(pods.map((p) => [`${p.namespace}/${p.name}`, p.ingress, p.egress]), [['web/server', [], undefined]], 'the pod on node-2 is not this agent\'s');
  assert.deepEqual(h.ipt.chain('filter', pi('web/server')), [
    `-A ${pi('web/server')} -m mark --mark 0x10000/0x10000 -j RETURN`,
    `-A ${pi('web/server')} -m comment --comment "web/server ingress denied by network policy" -j DROP`,
  ]);
  assert.ok(h.ipt.chain('filter', 'AKUBE-POLICY')?.includes(`-A AKUBE-POLICY -d 10.244.0.10/32 -m comment --comment "web/server ingress" -j ${pi('web/server')}`));

  synced = h.nextSync();
  h.feed.put(policiesPath, policy('web', 'allow', {
    podSelector: { matchLabels: { app: 'server' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }, { namespaceSelector: { matchLabels: { team: 'ops' } } }], ports: [{ port: 'http' }] }],
  }));
  await synced;
  assert.deepEqual(h.ipt.chain('filter', pi('web/server'))?.slice(0, 2), [
    `-A ${pi('web/server')} -s 10.244.0.11/32 -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x10000/0x10000`,
    `-A ${pi('web/server')} -s 10.244.0.20/32 -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x10000/0x10000`,
  ]);

  // The client loses its label: it is no longer allowed.
  synced = h.nextSync();
  h.feed.put(podsPath, pod('web', 'client', '10.244.0.11', { app: 'other' }));
  await synced;
  assert.ok(!h.ipt.chain('filter', pi('web/server'))?.some((l) => l.includes('10.244.0.11')));

  // Both policies go: the pod's chain is deleted in the same restore that rewrites the entry chain.
  synced = h.nextSync();
  h.feed.remove(policiesPath, 'web', 'deny');
  h.feed.remove(policiesPath, 'web', 'allow');
  await synced;
  assert.equal(h.ipt.chain('filter', pi('web/server')), undefined);
  assert.match(h.ipt.restores.at(-1)!, new RegExp(`^-X ${pi('web/server')}$`, 'm'));
  assert.deepEqual(h.ipt.chain('filter', 'AKUBE-POLICY'), ['-A AKUBE-POLICY -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN']);
});

test('changes within the minimum sync period share one restore; a pod change policies do not read syncs nothing, one that alters no rule writes nothing', async (t) => {
  const h = await start(t, undefined, async (feed) => {
    feed.put(podsPath, pod('web', 'server', '10.244.0.10', { app: 'server' }));
  });
  const synced = h.nextSync();
  const restores = h.ipt.restores.length;
  for (let i = 0; i < 5; i++) h.feed.put(policiesPath, policy('web', `deny-${i}`, { podSelector: {}, policyTypes: ['Ingress'] }));
  await synced;
  await new Promise((r) => setTimeout(r, 250));
  const chainWrites = h.ipt.restores.slice(restores).filter((r) => r.includes(':AKUBE-POLICY'));
  assert.ok(chainWrites.length <= 2, `five changes took ${chainWrites.length} restores`);
  // A pod status change the model does not read: no sync at all. A label change: a sync.
  const before = h.ipt.restores.length;
  const syncs = h.syncs;
  h.feed.put(podsPath, { ...pod('web', 'server', '10.244.0.10', { app: 'server' }), status: { phase: 'Running', podIP: '10.244.0.10', conditions: [{ type: 'Ready', status: 'True' }] } });
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(h.syncs, syncs);
  assert.equal(h.ipt.restores.length, before);
  const again = h.nextSync();
  h.feed.put(podsPath, pod('web', 'server', '10.244.0.10', { app: 'server', tier: 'web' }));
  await again;
  // The rules read by the sync did not change (the label is not selected on): nothing is written.
  assert.equal(h.ipt.restores.length, before);
});

test('egress: a rule to kube-dns pods reaches a-kube\'s DNS on the gateway; other egress stays denied', async (t) => {
  const h = await start(t, undefined, async (feed) => {
    feed.put(podsPath, pod('web', 'client', '10.244.0.11', { app: 'client' }));
  });
  const synced = h.nextSync();
  h.feed.put(policiesPath, policy('web', 'egress', {
    podSelector: { matchLabels: { app: 'client' } },
    policyTypes: ['Egress'],
    egress: [{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
      ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 'dns-tcp' }],
    }],
  }));
  await synced;
  assert.deepEqual(h.ipt.chain('filter', pe('web/client')), [
    `-A ${pe('web/client')} -d 10.244.0.1/32 -p udp -m udp --dport 53 -j MARK --set-xmark 0x20000/0x20000`,
    `-A ${pe('web/client')} -d 10.244.0.1/32 -p tcp -m tcp --dport 53 -j MARK --set-xmark 0x20000/0x20000`,
    `-A ${pe('web/client')} -m mark --mark 0x20000/0x20000 -j RETURN`,
    `-A ${pe('web/client')} -m comment --comment "web/client egress denied by network policy" -j DROP`,
  ]);
  // The stand-in is a peer only: a policy selecting every pod in kube-system gives it no chain.
  const again = h.nextSync();
  h.feed.put(policiesPath, policy('kube-system', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }));
  const pods = await again;
  assert.deepEqual(pods.map((p) => p.name), ['client']);
});

test('br_netfilter missing: the agent loads it and sets bridge-nf-call-iptables', async (t) => {
  const host = fakeHost({ loaded: false, value: '0' });
  const h = await start(t, host);
  assert.deepEqual(host.calls, ['sysctl -n net.bridge.bridge-nf-call-iptables', 'modprobe br_netfilter', 'sysctl -n net.bridge.bridge-nf-call-iptables', 'sysctl -qw net.bridge.bridge-nf-call-iptables=1', 'sysctl -n net.bridge.bridge-nf-call-iptables']);
  assert.deepEqual(h.agent.bridgeNetfilter, { enabled: true, changed: ['loaded the br_netfilter module', 'set net.bridge.bridge-nf-call-iptables=1'] });
  assert.deepEqual(h.events, []);
});

test('br_netfilter cannot be loaded: one log line and one Warning Event on the Node say so and what to do', async (t) => {
  const h = await start(t, fakeHost({ loaded: false, modprobe: false }));
  assert.equal(h.agent.bridgeNetfilter?.enabled, false);
  assert.equal(h.events.length, 1);
  assert.deepEqual({ ...h.events[0], message: '' }, { type: 'Warning', reason: notEnforcedReason, message: '', kind: 'Node', name: 'node-1' });
  assert.match(h.events[0]!.message, /between pods on this node: the br_netfilter kernel module is not loaded .*Module br_netfilter not found.*run `modprobe br_netfilter`/);
  const notFiltered = h.logs.filter((l) => /NOT filtered/.test(l));
  assert.equal(notFiltered.length, 1);
  // Rules still go in for what they do cover (traffic leaving the node or reaching it).
  assert.ok(h.ipt.chain('filter', 'AKUBE-POLICY'));
});

test('chains a crashed run left are deleted by the first sync; a jump pushed down is moved back first; stop removes everything', async (t) => {
  const leftover = `AKUBE-PI-${chainHash('ingress gone/pod')}`;
  const h = await start(t, undefined, async (_feed, ipt) => {
    await ipt.restore(`*filter\n:AKUBE-POLICY - [0:0]\n:${leftover} - [0:0]\n-A ${leftover} -j DROP\n-A AKUBE-POLICY -d 10.244.0.99/32 -j ${leftover}\n-A FORWARD -m comment --comment "a-kube network policies" -j AKUBE-POLICY\nCOMMIT\n`);
  });
  assert.equal(h.ipt.chain('filter', leftover), undefined);
  assert.equal(h.ipt.chain('filter', 'FORWARD')?.filter((l) => l.endsWith('-j AKUBE-POLICY')).length, 1);

  // Something inserts itself ahead of the jump: the next sync puts the jump first again.
  await h.ipt.restore('*filter\n-I FORWARD 1 -j ACCEPT\nCOMMIT\n');
  await h.agent.syncNow();
  assert.equal(h.ipt.chain('filter', 'FORWARD')?.[0], '-A FORWARD -m comment --comment "a-kube network policies" -j AKUBE-POLICY');
  assert.equal(h.ipt.chain('filter', 'FORWARD')?.filter((l) => l.endsWith('-j AKUBE-POLICY')).length, 1);

  h.feed.put(podsPath, pod('web', 'server', '10.244.0.10', { app: 'server' }));
  const synced = h.nextSync();
  h.feed.put(policiesPath, policy('web', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
  await synced;
  await h.agent.stop();
  const saved = await h.ipt.save('filter');
  assert.doesNotMatch(saved, /AKUBE-(POLICY|PI-|PE-|IPB-)/);
  // What others own stays.
  assert.match(saved, /-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD/);
  assert.match(saved, /-A FORWARD -m comment --comment "a-kube pod network" -j AKUBE-POD-FORWARD/);
});
