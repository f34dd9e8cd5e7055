// NetworkPolicy → iptables: which pods a policy selects, what each allow admits (pod and namespace selectors,
// ipBlock with except, ports with endPort and named ports, default deny, allow-all), and the exact rule text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../../../src/api/object.js';
import { podInfo, podPolicies, type PodInfo } from '../../../../../src/kubelet/network/policy/model.js';
import { buildPolicyRules, policyRestoreText } from '../../../../../src/kubelet/network/policy/rules.js';
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
const ctx = { pods, namespaceLabels: new Map<string, Record<string, string>>([['web', { 'kubernetes.io/metadata.name': 'web' }], ['ops', { 'kubernetes.io/metadata.name': 'ops', team: 'ops' }]]) };
const policy = (ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: ns, name }, spec });

test('default deny ingress for a namespace: every pod there gets a chain that only drops', () => {
  const out = podPolicies([policy('web', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })], ctx, () => true);
  assert.deepEqual(out.map((p) => [p.name, p.ingress, p.egress]), [['back', [], undefined], ['front', [], undefined]]);
});

test('selectors, named ports resolved on the receiving pod, ipBlock with except, endPort, egress', () => {
  const out = podPolicies([
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
  assert.equal(out.length, 1);
  const front = out[0];
  assert.deepEqual(front?.ingress, [
    { peers: [{ kind: 'ip', ip: '10.244.0.11' }], ports: [{ protocol: 'TCP', port: 8080 }] },
    { peers: [{ kind: 'ip', ip: '10.244.0.20' }], ports: [{ protocol: 'TCP', port: 8080 }] },
    { peers: [{ kind: 'cidr', cidr: '192.168.0.0/16', except: ['192.168.1.0/24'] }], ports: [{ protocol: 'UDP', port: 5000, endPort: 5010 }] },
  ]);
  assert.deepEqual(front?.egress, [
    { peers: [{ kind: 'ip', ip: '10.244.0.20' }], ports: [{ protocol: 'TCP', port: 9090 }] },
    { peers: 'any', ports: [{ protocol: 'UDP', port: 53 }] },
  ]);

  const text = policyRestoreText(buildPolicyRules(out));
  const pi = `AKUBE-PI-${chainHash('ingress web/front')}`;
  const pe = `AKUBE-PE-${chainHash('egress web/front')}`;
  const ipb = `AKUBE-IPB-${chainHash('in 192.168.0.0/16 192.168.1.0/24 0x10000')}`;
  assert.equal(text, [
    '*filter',
    `:${ipb} - [0:0]`,
    `:${pi} - [0:0]`,
    `:${pe} - [0:0]`,
    ':AKUBE-POLICY - [0:0]',
    `-A ${ipb} -s 192.168.1.0/24 -j RETURN`,
    `-A ${ipb} -s 192.168.0.0/16 -j MARK --set-xmark 0x10000/0x10000`,
    `-A ${pi} -s 10.244.0.11/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x10000/0x10000`,
    `-A ${pi} -s 10.244.0.20/32 -p tcp -m tcp --dport 8080 -j MARK --set-xmark 0x10000/0x10000`,
    `-A ${pi} -p udp -m udp --dport 5000:5010 -j ${ipb}`,
    `-A ${pi} -m mark --mark 0x10000/0x10000 -j RETURN`,
    `-A ${pi} -m comment --comment "web/front ingress denied by network policy" -j DROP`,
    `-A ${pe} -d 10.244.0.20/32 -p tcp -m tcp --dport 9090 -j MARK --set-xmark 0x20000/0x20000`,
    `-A ${pe} -p udp -m udp --dport 53 -j MARK --set-xmark 0x20000/0x20000`,
    `-A ${pe} -m mark --mark 0x20000/0x20000 -j RETURN`,
    `-A ${pe} -m comment --comment "web/front egress denied by network policy" -j DROP`,
    '-A AKUBE-POLICY -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
    `-A AKUBE-POLICY -d 10.244.0.10/32 -m comment --comment "web/front ingress" -j ${pi}`,
    `-A AKUBE-POLICY -s 10.244.0.10/32 -m comment --comment "web/front egress" -j ${pe}`,
    'COMMIT',
    '',
  ].join('\n'));
});

test('allow-all rules, policies that add up, a named port the pod lacks, and stale chains deleted', () => {
  const out = podPolicies([
    policy('web', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }),
    policy('web', 'allow-back', { podSelector: { matchLabels: { app: 'back' } }, ingress: [{}] }),
    policy('web', 'nothing', { podSelector: { matchLabels: { app: 'back' } }, ingress: [{ ports: [{ port: 'missing' }] }] }),
  ], ctx, () => true);
  assert.deepEqual(out.find((p) => p.name === 'back')?.ingress, [{ peers: 'any', ports: 'any' }]);
  assert.deepEqual(out.find((p) => p.name === 'front')?.ingress, []);
  const text = policyRestoreText(buildPolicyRules(out), new Set(['AKUBE-PI-OLD', 'KUBE-SERVICES']));
  assert.match(text, /\n:AKUBE-PI-OLD - \[0:0\]\n/);
  assert.match(text, /\n-X AKUBE-PI-OLD\nCOMMIT\n$/);
  assert.doesNotMatch(text, /KUBE-SERVICES/);
});

test('pods without an address, on the host network or finished are left out', () => {
  const base = { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'a', name: 'p' } };
  assert.equal(podInfo({ ...base, spec: {}, status: { phase: 'Pending' } }), undefined);
  assert.equal(podInfo({ ...base, spec: { hostNetwork: true }, status: { phase: 'Running', podIP: '10.0.0.1' } }), undefined);
  assert.equal(podInfo({ ...base, spec: {}, status: { phase: 'Succeeded', podIP: '10.0.0.1' } }), undefined);
});

test('egress to every address by a named port: each pod with a port of that name becomes a peer on its number', () => {
  const out = podPolicies([
    policy('web', 'named-egress', { podSelector: { matchLabels: { app: 'back' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }, { protocol: 'UDP', port: 53 }] }] }),
  ], ctx, () => true);
  assert.deepEqual(out.map((p) => [p.name, p.egress]), [['back', [
    { peers: 'any', ports: [{ protocol: 'UDP', port: 53 }] },
    { peers: [{ kind: 'ip', ip: '10.244.0.10' }], ports: [{ protocol: 'TCP', port: 8080 }] },
    { peers: [{ kind: 'ip', ip: '10.244.0.20' }], ports: [{ protocol: 'TCP', port: 9090 }] },
  ]]]);
});
