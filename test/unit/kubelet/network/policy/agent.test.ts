// The network-policy agent's sync against an in-memory iptables and ipset: informers fed by a fake API, the
// restore text it writes (only its own chains, only the changed ones, --noflush semantics), set members updated
// by difference when pods come and go, the jumps kept first in FORWARD and INPUT, stale chains and sets deleted,
// changes batched by the minimum sync period, the cluster-DNS stand-in for kube-dns egress rules, the
// bridge-netfilter check (module loaded, sysctl set, or a Warning Event when it cannot be), the per-address
// fallback when ipset does not work, and removal on stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../../../src/api/object.js';
import { chainHash } from '../../../../../src/kubelet/network/chain-name.js';
import { CommandError, type Runner } from '../../../../../src/kubelet/network/command.js';
import { notEnforcedReason, PolicyAgent } from '../../../../../src/kubelet/network/policy/agent.js';
import type { ResolvedPolicy } from '../../../../../src/kubelet/network/policy/model.js';
import { FakeFeed } from '../fake-feed.js';
import { FakeIpset } from '../fake-ipset.js';
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
  sets: FakeIpset;
  agent: PolicyAgent;
  events: { type: string; reason: string; message: string; kind: string; name: string }[];
  logs: string[];
  calls: string[];
  /** Resolves with the policies of the next sync. */
  nextSync(): Promise<ResolvedPolicy[]>;
  syncs: number;
}

async function start(t: { after(fn: () => unknown): void }, host = fakeHost({ loaded: true, value: '1' }), seed?: (feed: FakeFeed, ipt: FakeIptables, sets: FakeIpset) => Promise<void>, ipset?: false): Promise<Harness> {
  const feed = new FakeFeed();
  const ipt = new FakeIptables();
  const sets = new FakeIpset().link(ipt);
  // What the pod network and service proxy put in FORWARD before the agent starts.
  await ipt.restore('*filter\n:KUBE-FORWARD - [0:0]\n:AKUBE-POD-FORWARD - [0:0]\n-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD\n-A FORWARD -m comment --comment "a-kube pod network" -j AKUBE-POD-FORWARD\n-A INPUT -j ACCEPT\nCOMMIT\n');
  for (const ns of ['default', 'kube-system', 'web', 'ops']) feed.put(namespacesPath, namespace(ns, ns === 'ops' ? { team: 'ops' } : {}));
  await seed?.(feed, ipt, sets);
  const events: Harness['events'] = [];
  const logs: string[] = [];
  let waiters: ((p: ResolvedPolicy[]) => void)[] = [];
  const h: Partial<Harness> = { feed, ipt, sets, events, logs, calls: host.calls, syncs: 0 };
  const agent = new PolicyAgent({
    client: feed,
    nodeName: 'node-1',
    bridge: 'akube0',
    clusterDnsIP: '10.244.0.1',
    iptables: ipt,
    ipset: ipset ?? sets,
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
const sel = (id: string) => `AKUBE-SEL-${chainHash(id)}`;
const peer = (rule: string) => `AKUBE-PEER-${chainHash(rule)}`;
const nport = (rule: string) => `AKUBE-NPORT-${chainHash(rule)}`;
const entryHead = [
  '-A AKUBE-POLICY -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
  '-A AKUBE-POLICY -m set --match-set AKUBE-INGRESS-ISOLATED dst -j AKUBE-POLICY-SELF',
];
const entryTail = [
  '-A AKUBE-POLICY -m set --match-set AKUBE-INGRESS-ISOLATED dst -m mark ! --mark 0x10000/0x10000 -m comment --comment "ingress denied by network policy" -j DROP',
  '-A AKUBE-POLICY -m set --match-set AKUBE-EGRESS-ISOLATED src -m mark ! --mark 0x20000/0x20000 -m comment --comment "egress denied by network policy" -j DROP',
];

test('the first sync: the sets, then AKUBE-POLICY written alone (no built-in chain, no other table), jumps put first in FORWARD and INPUT', async (t) => {
  const h = await start(t);
  assert.deepEqual(h.sets.restores, ['create AKUBE-INGRESS-ISOLATED hash:ip family inet\ncreate AKUBE-EGRESS-ISOLATED hash:ip family inet\n']);
  const first = h.ipt.restores[1]!;
  assert.equal(first, ['*filter', ':AKUBE-POLICY-SELF - [0:0]', ':AKUBE-POLICY - [0:0]', ...entryHead, ...entryTail, 'COMMIT', ''].join('\n'));
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
  // A resync with the jumps in place rewrites the chains once and adds no jump; the sets already hold what they should.
  const before = h.ipt.restores.length;
  await h.agent.syncNow();
  assert.equal(h.ipt.restores.length, before + 1);
  assert.equal(h.sets.restores.length, 1);
  assert.equal(h.ipt.chain('filter', 'FORWARD')?.filter((l) => l.endsWith('-j AKUBE-POLICY')).length, 1);
});

test('policies for this node\'s pods only; an allow by label, by namespace; pods coming and going change set members, not rules; stale chains and sets go', async (t) => {
  const h = await start(t, undefined, async (feed) => {
    feed.put(podsPath, pod('web', 'server', '10.244.0.10', { app: 'server' }));
    feed.put(podsPath, pod('web', 'client', '10.244.0.11', { app: 'client' }));
    feed.put(podsPath, pod('ops', 'probe', '10.244.0.20', { app: 'probe' }));
    feed.put(podsPath, pod('web', 'elsewhere', '10.244.1.5', { app: 'server' }, 'node-2'));
  });
  let synced = h.nextSync();
  h.feed.put(policiesPath, policy('web', 'deny', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'] }));
  const policies = await synced;
  assert.deepEqual(policies.map((p) => [`${p.namespace}/${p.name}`, p.selected, p.ingress, p.egress]), [['web/deny', ['10.244.0.10'], [], undefined]], 'the pod on node-2 is not this agent\'s');
  assert.deepEqual(h.ipt.chain('filter', pi('web/deny')), []);
  assert.deepEqual(h.ipt.chain('filter', 'AKUBE-POLICY'), [...entryHead, `-A AKUBE-POLICY -m mark ! --mark 0x10000/0x10000 -m set --match-set ${sel('web/deny')} dst -m comment --comment "web/deny ingress" -j ${pi('web/deny')}`, ...entryTail]);
  assert.deepEqual(h.sets.members(sel('web/deny')), ['10.244.0.10']);
  assert.deepEqual(h.sets.members('AKUBE-INGRESS-ISOLATED'), ['10.244.0.10']);
  assert.deepEqual(h.ipt.chain('filter', 'AKUBE-POLICY-SELF'), ['-A AKUBE-POLICY-SELF -s 10.244.0.10/32 -d 10.244.0.10/32 -m comment --comment "a pod reaching itself" -j MARK --set-xmark 0x10000/0x10000']);

  synced = h.nextSync();
  h.feed.put(policiesPath, policy('web', 'allow', {
    podSelector: { matchLabels: { app: 'server' } },
    ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }, { namespaceSelector: { matchLabels: { team: 'ops' } } }], ports: [{ port: 'http' }] }],
  }));
  await synced;
  assert.deepEqual(h.ipt.chain('filter', pi('web/allow')), [`-A ${pi('web/allow')} -m set --match-set ${peer('ingress web/allow 0')} src -m set --match-set ${nport('ingress web/allow 0')} dst,dst -j MARK --set-xmark 0x10000/0x10000`]);
  assert.deepEqual(h.sets.members(peer('ingress web/allow 0')), ['10.244.0.11', '10.244.0.20']);
  assert.deepEqual(h.sets.members(nport('ingress web/allow 0')), ['10.244.0.10,tcp:80']);
  // The new policy's chain and the entry chain were written; the deny policy's chain was not.
  assert.doesNotMatch(h.ipt.restores.at(-1)!, new RegExp(`^:${pi('web/deny')} `, 'm'));
  assert.match(h.ipt.restores.at(-1)!, new RegExp(`^:${pi('web/allow')} `, 'm'));

  // The client loses its label; a new client appears: set members change, no rule is written.
  const ruleWrites = h.ipt.restores.length;
  synced = h.nextSync();
  h.feed.put(podsPath, pod('web', 'client', '10.244.0.11', { app: 'other' }));
  h.feed.put(podsPath, pod('web', 'client-2', '10.244.0.12', { app: 'client' }));
  await synced;
  assert.deepEqual(h.sets.members(peer('ingress web/allow 0')), ['10.244.0.12', '10.244.0.20']);
  assert.equal(h.sets.restores.at(-1), `add ${peer('ingress web/allow 0')} 10.244.0.12\ndel ${peer('ingress web/allow 0')} 10.244.0.11\n`);
  assert.equal(h.ipt.restores.length, ruleWrites, 'no iptables-restore for a membership change (the jump check only reads)');

  // A second server: it joins the sets, and its rule to reach itself is added on its own (no chain rewritten); it goes the same way.
  const selfRule = (ip: string) => `-A AKUBE-POLICY-SELF -s ${ip}/32 -d ${ip}/32 -m comment --comment "a pod reaching itself" -j MARK --set-xmark 0x10000/0x10000`;
  synced = h.nextSync();
  h.feed.put(podsPath, pod('web', 'server-2', '10.244.0.13', { app: 'server' }));
  await synced;
  assert.equal(h.ipt.restores.at(-1), `*filter\n${selfRule('10.244.0.13')}\nCOMMIT\n`);
  assert.deepEqual(h.ipt.chain('filter', 'AKUBE-POLICY-SELF'), [selfRule('10.244.0.10'), selfRule('10.244.0.13')]);
  assert.deepEqual(h.sets.members('AKUBE-INGRESS-ISOLATED'), ['10.244.0.10', '10.244.0.13']);
  assert.deepEqual(h.sets.members(nport('ingress web/allow 0')), ['10.244.0.10,tcp:80', '10.244.0.13,tcp:80']);
  synced = h.nextSync();
  h.feed.remove(podsPath, 'web', 'server-2');
  await synced;
  assert.equal(h.ipt.restores.at(-1), `*filter\n${selfRule('10.244.0.13').replace('-A ', '-D ')}\nCOMMIT\n`);
  assert.deepEqual(h.ipt.chain('filter', 'AKUBE-POLICY-SELF'), [selfRule('10.244.0.10')]);
  assert.deepEqual(h.sets.members('AKUBE-INGRESS-ISOLATED'), ['10.244.0.10']);

  // Both policies go: their chains are deleted in the same restore that rewrites the entry chain, then their sets.
  synced = h.nextSync();
  h.feed.remove(policiesPath, 'web', 'deny');
  h.feed.remove(policiesPath, 'web', 'allow');
  await synced;
  assert.equal(h.ipt.chain('filter', pi('web/allow')), undefined);
  assert.match(h.ipt.restores.at(-1)!, new RegExp(`^-X ${pi('web/allow')}$`, 'm'));
  assert.deepEqual(h.ipt.chain('filter', 'AKUBE-POLICY'), [...entryHead, ...entryTail]);
  assert.deepEqual(h.sets.names(), ['AKUBE-EGRESS-ISOLATED', 'AKUBE-INGRESS-ISOLATED']);
  assert.deepEqual(h.sets.members('AKUBE-INGRESS-ISOLATED'), []);
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
  const setWrites = h.sets.restores.length;
  const syncs = h.syncs;
  h.feed.put(podsPath, { ...pod('web', 'server', '10.244.0.10', { app: 'server' }), status: { phase: 'Running', podIP: '10.244.0.10', conditions: [{ type: 'Ready', status: 'True' }] } });
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(h.syncs, syncs);
  assert.equal(h.ipt.restores.length, before);
  const again = h.nextSync();
  h.feed.put(podsPath, pod('web', 'server', '10.244.0.10', { app: 'server', tier: 'web' }));
  await again;
  // Neither rules nor members read by the sync changed (the label is not selected on): nothing is written.
  assert.equal(h.ipt.restores.length, before);
  assert.equal(h.sets.restores.length, setWrites);
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
  const rule = 'egress web/egress 0';
  assert.deepEqual(h.ipt.chain('filter', pe('web/egress')), [
    `-A ${pe('web/egress')} -m set --match-set ${peer(rule)} dst -p udp -m udp --dport 53 -j MARK --set-xmark 0x20000/0x20000`,
    `-A ${pe('web/egress')} -m set --match-set ${peer(rule)} dst -m set --match-set ${nport(rule)} dst,dst -j MARK --set-xmark 0x20000/0x20000`,
  ]);
  assert.deepEqual(h.sets.members(peer(rule)), ['10.244.0.1']);
  assert.deepEqual(h.sets.members(nport(rule)), ['10.244.0.1,tcp:53']);
  assert.deepEqual(h.sets.members('AKUBE-EGRESS-ISOLATED'), ['10.244.0.11']);
  // The stand-in is a peer only: a policy selecting every pod in kube-system selects none of it.
  const again = h.nextSync();
  h.feed.put(policiesPath, policy('kube-system', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }));
  const policies = await again;
  assert.deepEqual(policies.map((p) => [p.name, p.selected]), [['deny', []], ['egress', ['10.244.0.11']]]);
});

test('ipset not usable: the agent says so once and writes one rule per address instead', async (t) => {
  const h = await start(t, undefined, async (feed) => {
    feed.put(podsPath, pod('web', 'server', '10.244.0.10', { app: 'server' }));
    feed.put(podsPath, pod('web', 'client', '10.244.0.11', { app: 'client' }));
  }, false);
  assert.equal(h.agent.ipsetProblem, undefined, 'turned off by option, not found broken');
  const synced = h.nextSync();
  h.feed.put(policiesPath, policy('web', 'allow', { podSelector: { matchLabels: { app: 'server' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 80 }] }] }));
  await synced;
  assert.deepEqual(h.ipt.chain('filter', pi('web/allow')), [`-A ${pi('web/allow')} -s 10.244.0.11/32 -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x10000/0x10000`]);
  assert.ok(h.ipt.chain('filter', 'AKUBE-POLICY')?.includes('-A AKUBE-POLICY -d 10.244.0.10/32 -m mark ! --mark 0x10000/0x10000 -m comment --comment "ingress denied by network policy" -j DROP'));
  assert.deepEqual(h.sets.restores, []);
  assert.ok(!(await h.ipt.save('filter')).includes('--match-set'));
});

test('ipset missing on the host: logged with what to install, rules still written per address', async (t) => {
  const host = fakeHost({ loaded: true, value: '1' });
  const run: Runner = async (file, args, input) => {
    if (file === 'ipset') throw new CommandError('ipset save', null, 'spawn ipset ENOENT');
    return host.run(file, args, input);
  };
  const feed = new FakeFeed();
  const ipt = new FakeIptables();
  const logs: string[] = [];
  const agent = new PolicyAgent({ client: feed, nodeName: 'node-1', bridge: 'akube0', iptables: ipt, run, log: (l) => logs.push(l) });
  const stop = new AbortController();
  t.after(async () => {
    stop.abort();
    await agent.stop();
  });
  await agent.start(stop.signal);
  assert.equal(agent.ipsetProblem, 'ipset save: spawn ipset ENOENT');
  assert.deepEqual(logs.filter((l) => l.includes('ipset')), ['network policy: ipset does not work here (ipset save: spawn ipset ENOENT): writing one rule per pod address instead, which grows with pods × peers; to fix it, run scripts/install-deps.sh, or: apt-get install ipset']);
  assert.deepEqual(ipt.chain('filter', 'AKUBE-POLICY'), ['-A AKUBE-POLICY -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN']);
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

test('chains and sets a crashed run left are deleted by the first sync; a jump pushed down is moved back first; stop removes everything', async (t) => {
  const leftover = `AKUBE-PI-${chainHash('ingress gone/pod')}`;
  const leftoverSet = sel('gone/pod');
  const h = await start(t, undefined, async (_feed, ipt, sets) => {
    await sets.restore(`create ${leftoverSet} hash:ip family inet\nadd ${leftoverSet} 10.244.0.99\ncreate AKUBE-INGRESS-ISOLATED hash:ip family inet\nadd AKUBE-INGRESS-ISOLATED 10.244.0.99\ncreate OTHER-SET hash:ip family inet\n`);
    await ipt.restore(`*filter\n:AKUBE-POLICY - [0:0]\n:${leftover} - [0:0]\n-A ${leftover} -j DROP\n-A AKUBE-POLICY -m set --match-set ${leftoverSet} dst -j ${leftover}\n-A FORWARD -m comment --comment "a-kube network policies" -j AKUBE-POLICY\nCOMMIT\n`);
  });
  assert.equal(h.ipt.chain('filter', leftover), undefined);
  assert.deepEqual(h.sets.names(), ['AKUBE-EGRESS-ISOLATED', 'AKUBE-INGRESS-ISOLATED', 'OTHER-SET']);
  assert.deepEqual(h.sets.members('AKUBE-INGRESS-ISOLATED'), []);
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
  assert.deepEqual(h.sets.names(), ['OTHER-SET'], 'our sets are destroyed, others\' stay');
  // What others own stays.
  assert.match(saved, /-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD/);
  assert.match(saved, /-A FORWARD -m comment --comment "a-kube pod network" -j AKUBE-POD-FORWARD/);
});
