// NetworkPolicy → iptables rules and IP sets: which pods a policy selects, what each rule admits (pod and namespace
// selectors, ipBlock with except, ports with endPort and named ports, default deny, allow-all), the exact rule
// text and set members, rules that do not grow with pods, the per-address expansion without ipset, and the set
// update texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../../../src/api/object.js';
import { podInfo, resolvePolicies, type PodInfo } from '../../../../../src/kubelet/network/policy/model.js';
import { TimeSlice } from '../../../../../src/kubelet/network/policy/time-slice.js';
import { buildPolicyRules, expandSets, policyRestoreText, setUpdateText } from '../../../../../src/kubelet/network/policy/rules.js';
import { chainHash } from '../../../../../src/kubelet/network/chain-name.js';

function pod(ns: string, name: string, ip: string, labels: Record<string, string>, ports: { name: string; containerPort: number; protocol?: string }[] = []): PodInfo {
  const info = podInfo({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name, labels }, spec: { containers: [{ name: 'c', ports }] }, status: { phase: 'Running', podIP: ip } });
  assert.ok(info);
  return info;
}

const pods = [
  pod('web', 'front', '10.244.0.10', { app: 'front' }, [{ name: 'http', containerPort: 8080 }]),
  pod('web', 'back', '10.244.0.11', { app: 'back' }),
  pod('ops', 'probe', '10.244.0.20', { app: 'probe' }, [{ name: 'http', containerPort: 9090 }]),
];
const namespaceLabels = new Map<string, Record<string, string>>([['web', { 'kubernetes.io/metadata.name': 'web' }], ['ops', { 'kubernetes.io/metadata.name': 'ops', team: 'ops' }]]);
const ctx = { pods, namespaceLabels };
const policy = (ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: ns, name }, spec });
const all = () => true;

const entryHead = [
  '-A AKUBE-POLICY -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
  '-A AKUBE-POLICY -m set --match-set AKUBE-INGRESS-ISOLATED dst -j AKUBE-POLICY-SELF',
];
const entryTail = [
  '-A AKUBE-POLICY -m set --match-set AKUBE-INGRESS-ISOLATED dst -m mark ! --mark 0x10000/0x10000 -m comment --comment "ingress denied by network policy" -j DROP',
  '-A AKUBE-POLICY -m set --match-set AKUBE-EGRESS-ISOLATED src -m mark ! --mark 0x20000/0x20000 -m comment --comment "egress denied by network policy" -j DROP',
];
const self = (ip: string) => `-A AKUBE-POLICY-SELF -s ${ip}/32 -d ${ip}/32 -m comment --comment "a pod reaching itself" -j MARK --set-xmark 0x10000/0x10000`;

test('default deny ingress for a namespace: both pods isolated, an empty policy chain, each pod may reach itself', async () => {
  const out = await resolvePolicies([policy('web', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })], ctx, all);
  assert.deepEqual(out, [{ namespace: 'web', name: 'deny', selected: ['10.244.0.10', '10.244.0.11'], ingress: [] }]);
  const rules = await buildPolicyRules(out);
  const pi = `AKUBE-PI-${chainHash('ingress web/deny')}`;
  const sel = `AKUBE-SEL-${chainHash('web/deny')}`;
  assert.deepEqual(rules.chains.get(pi), []);
  assert.deepEqual(rules.chains.get('AKUBE-POLICY'), [...entryHead, `-A AKUBE-POLICY -m mark ! --mark 0x10000/0x10000 -m set --match-set ${sel} dst -m comment --comment "web/deny ingress" -j ${pi}`, ...entryTail]);
  assert.deepEqual(rules.chains.get('AKUBE-POLICY-SELF'), [self('10.244.0.10'), self('10.244.0.11')]);
  assert.deepEqual([...rules.sets], [
    [sel, { type: 'hash:ip', members: ['10.244.0.10', '10.244.0.11'] }],
    ['AKUBE-INGRESS-ISOLATED', { type: 'hash:ip', members: ['10.244.0.10', '10.244.0.11'] }],
    ['AKUBE-EGRESS-ISOLATED', { type: 'hash:ip', members: [] }],
  ]);
});

test('selectors, named ports resolved on the receiving pod, ipBlock with except, endPort, egress', async () => {
  const out = await resolvePolicies([
    policy('web', 'front-in', {
      podSelector: { matchLabels: { app: 'front' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { from: [{ podSelector: { matchLabels: { app: 'back' } } }, { namespaceSelector: { matchLabels: { team: 'ops' } } }], ports: [{ port: 'http' }] },
        { from: [{ ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.1.0/24'] } }], ports: [{ protocol: 'UDP', port: 5000, endPort: 5010 }] },
      ],
      egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'probe' } } }], ports: [{ port: 'http' }] }, { ports: [{ protocol: 'UDP', port: 53 }] }],
    }),
  ], ctx, (p) => p.namespace === 'web');
  assert.deepEqual(out[0]?.ingress, [
    { peers: { pods: ['10.244.0.11', '10.244.0.20'], blocks: [] }, ports: { numbered: [], named: [{ ip: '10.244.0.10', protocol: 'TCP', port: 8080 }] } },
    { peers: { blocks: [{ cidr: '192.168.0.0/16', except: ['192.168.1.0/24'] }] }, ports: { numbered: [{ protocol: 'UDP', port: 5000, endPort: 5010 }] } },
  ]);
  assert.deepEqual(out[0]?.egress, [
    // Egress named ports resolve on every pod with the name; the peer set narrows them to the probe.
    { peers: { pods: ['10.244.0.20'], blocks: [] }, ports: { numbered: [], named: [{ ip: '10.244.0.10', protocol: 'TCP', port: 8080 }, { ip: '10.244.0.20', protocol: 'TCP', port: 9090 }] } },
    { peers: 'any', ports: { numbered: [{ protocol: 'UDP', port: 53 }] } },
  ]);

  const rules = await buildPolicyRules(out);
  const text = policyRestoreText(rules);
  const pi = `AKUBE-PI-${chainHash('ingress web/front-in')}`;
  const pe = `AKUBE-PE-${chainHash('egress web/front-in')}`;
  const ipb = `AKUBE-IPB-${chainHash('in 192.168.0.0/16 192.168.1.0/24 0x10000')}`;
  const sel = `AKUBE-SEL-${chainHash('web/front-in')}`;
  const peerIn = `AKUBE-PEER-${chainHash('ingress web/front-in 0')}`;
  const portIn = `AKUBE-NPORT-${chainHash('ingress web/front-in 0')}`;
  const peerOut = `AKUBE-PEER-${chainHash('egress web/front-in 0')}`;
  const portOut = `AKUBE-NPORT-${chainHash('egress web/front-in 0')}`;
  assert.equal(text, [
    '*filter',
    `:${ipb} - [0:0]`,
    ':AKUBE-POLICY-SELF - [0:0]',
    `:${pi} - [0:0]`,
    `:${pe} - [0:0]`,
    ':AKUBE-POLICY - [0:0]',
    `-A ${ipb} -s 192.168.1.0/24 -j RETURN`,
    `-A ${ipb} -s 192.168.0.0/16 -j MARK --set-xmark 0x10000/0x10000`,
    self('10.244.0.10'),
    `-A ${pi} -m set --match-set ${peerIn} src -m set --match-set ${portIn} dst,dst -j MARK --set-xmark 0x10000/0x10000`,
    `-A ${pi} -p udp -m udp --dport 5000:5010 -j ${ipb}`,
    `-A ${pe} -m set --match-set ${peerOut} dst -m set --match-set ${portOut} dst,dst -j MARK --set-xmark 0x20000/0x20000`,
    `-A ${pe} -p udp -m udp --dport 53 -j MARK --set-xmark 0x20000/0x20000`,
    ...entryHead,
    `-A AKUBE-POLICY -m mark ! --mark 0x10000/0x10000 -m set --match-set ${sel} dst -m comment --comment "web/front-in ingress" -j ${pi}`,
    `-A AKUBE-POLICY -m mark ! --mark 0x20000/0x20000 -m set --match-set ${sel} src -m comment --comment "web/front-in egress" -j ${pe}`,
    ...entryTail,
    'COMMIT',
    '',
  ].join('\n'));
  assert.deepEqual(Object.fromEntries(rules.sets), {
    [sel]: { type: 'hash:ip', members: ['10.244.0.10'] },
    [peerIn]: { type: 'hash:ip', members: ['10.244.0.11', '10.244.0.20'] },
    [portIn]: { type: 'hash:ip,port', members: ['10.244.0.10,tcp:8080'] },
    [peerOut]: { type: 'hash:ip', members: ['10.244.0.20'] },
    [portOut]: { type: 'hash:ip,port', members: ['10.244.0.10,tcp:8080', '10.244.0.20,tcp:9090'] },
    'AKUBE-INGRESS-ISOLATED': { type: 'hash:ip', members: ['10.244.0.10'] },
    'AKUBE-EGRESS-ISOLATED': { type: 'hash:ip', members: ['10.244.0.10'] },
  });
  for (const name of rules.sets.keys()) assert.ok(name.length <= 31, `${name} fits ipset's name limit`);
});

test('the rules do not grow with pods: 10 or 1,000 pods selected and peered give the same chains, only set members differ', async () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => pod('web', `p${i}`, `10.244.${Math.floor(i / 250)}.${(i % 250) + 2}`, { app: i % 2 ? 'client' : 'server' }));
  const pols = [
    policy('web', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    policy('web', 'allow', { podSelector: { matchLabels: { app: 'server' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 80 }] }] }),
  ];
  const small = await buildPolicyRules(await resolvePolicies(pols, { pods: many(10), namespaceLabels }, all));
  const large = await buildPolicyRules(await resolvePolicies(pols, { pods: many(1000), namespaceLabels }, all));
  const withoutSelf = (r: typeof small) => [...r.chains].filter(([c]) => c !== 'AKUBE-POLICY-SELF');
  assert.deepEqual(withoutSelf(large), withoutSelf(small));
  assert.equal(large.chains.get('AKUBE-POLICY-SELF')?.length, 1000, 'one self rule per ingress-isolated pod');
  assert.equal(large.sets.get(`AKUBE-PEER-${chainHash('ingress web/allow 0')}`)?.members.length, 500);
  assert.equal(small.sets.get(`AKUBE-PEER-${chainHash('ingress web/allow 0')}`)?.members.length, 5);
});

test('allow-all rules, policies that add up, a named port no pod has, and stale chains deleted', async () => {
  const out = await resolvePolicies([
    policy('web', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }),
    policy('web', 'allow-back', { podSelector: { matchLabels: { app: 'back' } }, ingress: [{}] }),
    policy('web', 'nothing', { podSelector: { matchLabels: { app: 'back' } }, ingress: [{ ports: [{ port: 'missing' }] }] }),
  ], ctx, all);
  assert.deepEqual(out.find((p) => p.name === 'allow-back')?.ingress, [{ peers: 'any', ports: 'any' }]);
  assert.deepEqual(out.find((p) => p.name === 'nothing')?.ingress, [{ peers: 'any', ports: { numbered: [], named: [] } }]);
  const rules = await buildPolicyRules(out);
  assert.deepEqual(rules.chains.get(`AKUBE-PI-${chainHash('ingress web/allow-back')}`), [`-A AKUBE-PI-${chainHash('ingress web/allow-back')} -j MARK --set-xmark 0x10000/0x10000`]);
  // Every policy has its place in the entry chain, in the order given.
  assert.deepEqual(rules.chains.get('AKUBE-POLICY')?.filter((l) => l.includes('--comment "web/')).map((l) => /"(.*)"/.exec(l)?.[1]), ['web/deny ingress', 'web/allow-back ingress', 'web/nothing ingress']);
  const text = policyRestoreText(rules, new Set(['AKUBE-PI-OLD', 'KUBE-SERVICES']));
  assert.match(text, /\n:AKUBE-PI-OLD - \[0:0\]\n/);
  assert.match(text, /\n-X AKUBE-PI-OLD\nCOMMIT\n$/);
  assert.doesNotMatch(text, /KUBE-SERVICES/);
  // Only the chains named as changed are rewritten.
  const one = policyRestoreText(rules, new Set(), new Set([`AKUBE-PI-${chainHash('ingress web/allow-back')}`]));
  assert.equal(one, `*filter\n:AKUBE-PI-${chainHash('ingress web/allow-back')} - [0:0]\n-A AKUBE-PI-${chainHash('ingress web/allow-back')} -j MARK --set-xmark 0x10000/0x10000\nCOMMIT\n`);
});

test('pods without an address, on the host network or finished are left out', () => {
  const base = { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'a', name: 'p' } };
  assert.equal(podInfo({ ...base, spec: {}, status: { phase: 'Pending' } }), undefined);
  assert.equal(podInfo({ ...base, spec: { hostNetwork: true }, status: { phase: 'Running', podIP: '10.0.0.1' } }), undefined);
  assert.equal(podInfo({ ...base, spec: {}, status: { phase: 'Succeeded', podIP: '10.0.0.1' } }), undefined);
});

test('egress to every address by a named port: the set holds each pod\'s port of that name', async () => {
  const out = await resolvePolicies([
    policy('web', 'named-egress', { podSelector: { matchLabels: { app: 'back' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }, { protocol: 'UDP', port: 53 }] }] }),
  ], ctx, all);
  assert.deepEqual(out[0]?.egress, [{ peers: 'any', ports: { numbered: [{ protocol: 'UDP', port: 53 }], named: [{ ip: '10.244.0.10', protocol: 'TCP', port: 8080 }, { ip: '10.244.0.20', protocol: 'TCP', port: 9090 }] } }]);
  const pe = `AKUBE-PE-${chainHash('egress web/named-egress')}`;
  assert.deepEqual((await buildPolicyRules(out)).chains.get(pe), [
    `-A ${pe} -p udp -m udp --dport 53 -j MARK --set-xmark 0x20000/0x20000`,
    `-A ${pe} -m set --match-set AKUBE-NPORT-${chainHash('egress web/named-egress 0')} dst,dst -j MARK --set-xmark 0x20000/0x20000`,
  ]);
});

test('without ipset: each set match becomes one rule per member (pairs for two sets), an empty set none', async () => {
  const out = await resolvePolicies([
    policy('web', 'front-in', { podSelector: { matchLabels: { app: 'front' } }, ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 'http' }] }] }),
    policy('web', 'none', { podSelector: { matchLabels: { app: 'nobody' } }, policyTypes: ['Ingress'] }),
  ], ctx, all);
  const expanded = await expandSets(await buildPolicyRules(out), new TimeSlice());
  assert.equal(expanded.sets.size, 0);
  const pi = `AKUBE-PI-${chainHash('ingress web/front-in')}`;
  assert.deepEqual(expanded.chains.get(pi), ['10.244.0.10', '10.244.0.11', '10.244.0.20'].map((ip) => `-A ${pi} -s ${ip}/32 -d 10.244.0.10/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x10000/0x10000`));
  assert.deepEqual(expanded.chains.get('AKUBE-POLICY'), [
    '-A AKUBE-POLICY -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
    '-A AKUBE-POLICY -d 10.244.0.10/32 -j AKUBE-POLICY-SELF',
    `-A AKUBE-POLICY -m mark ! --mark 0x10000/0x10000 -d 10.244.0.10/32 -m comment --comment "web/front-in ingress" -j ${pi}`,
    '-A AKUBE-POLICY -d 10.244.0.10/32 -m mark ! --mark 0x10000/0x10000 -m comment --comment "ingress denied by network policy" -j DROP',
  ]);
  assert.ok(![...expanded.chains.values()].flat().some((l) => l.includes('--match-set')));
});

test('set updates: new sets created and filled, members added and removed, unchanged sets untouched', async () => {
  const want = new Map([
    ['AKUBE-SEL-A', { type: 'hash:ip' as const, members: ['10.0.0.1', '10.0.0.2'] }],
    ['AKUBE-NPORT-B', { type: 'hash:ip,port' as const, members: ['10.0.0.1,tcp:80'] }],
    ['AKUBE-PEER-C', { type: 'hash:ip' as const, members: ['10.0.0.9'] }],
  ]);
  const onHost = new Map([['AKUBE-SEL-A', new Set(['10.0.0.1', '10.0.0.3'])], ['AKUBE-PEER-C', new Set(['10.0.0.9'])], ['AKUBE-PEER-OLD', new Set(['10.0.0.7'])]]);
  assert.equal(await setUpdateText(want, onHost), 'add AKUBE-SEL-A 10.0.0.2\ndel AKUBE-SEL-A 10.0.0.3\ncreate AKUBE-NPORT-B hash:ip,port family inet\nadd AKUBE-NPORT-B 10.0.0.1,tcp:80\n');
  assert.equal(await setUpdateText(new Map([['AKUBE-PEER-C', { type: 'hash:ip' as const, members: ['10.0.0.9'] }]]), onHost), undefined);
});
