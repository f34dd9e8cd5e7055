import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { KubeObject } from '../../../../../src/api/object.js';
import { servicePorts, usableEndpoints, type Endpoint, type ServicePort } from '../../../../../src/kubelet/network/proxy/model.js';
import { chainHash } from '../../../../../src/kubelet/network/chain-name.js';
import { buildRules, buildRulesInSlices, probability, restoreText, restoreTextInSlices, wholeTableCacheFrom } from '../../../../../src/kubelet/network/proxy/rules.js';

const ep = (ip: string, port: number, extra: Partial<Endpoint> = {}): Endpoint => ({ ip, port, ready: true, serving: true, terminating: false, local: true, ...extra });
const port = (o: Partial<ServicePort> & Pick<ServicePort, 'name' | 'endpoints'>): ServicePort => ({ namespace: 'ns', portName: '', protocol: 'TCP', clusterIPs: ['10.96.0.50'], port: 80, externalIPs: [], externalPolicyLocal: false, internalPolicyLocal: false, ...o });
const opts = { clusterCidr: '10.244.0.0/16' };
const lines = (text: string, table: 'nat' | 'filter') => {
  const start = text.indexOf(`*${table}\n`);
  return text.slice(start, text.indexOf('COMMIT', start)).split('\n').filter((l) => l.startsWith('-'));
};

test('chain names hash as kube-proxy does (the kubernetes Service is KUBE-SVC-NPX46M4PTMTKRN6Y everywhere)', () => {
  assert.equal(chainHash('default/kubernetes:httpstcp'), 'NPX46M4PTMTKRN6Y');
  assert.equal(probability(3), '0.3333333333');
});

test('golden: the kubernetes Service, a NodePort Service with ClientIP affinity, a stale endpoint chain deleted', () => {
  const r = buildRules(
    [
      port({ namespace: 'default', name: 'kubernetes', portName: 'https', clusterIPs: ['10.96.0.1'], port: 443, endpoints: [ep('10.244.0.1', 6443)] }),
      port({ namespace: 'ns-1', name: 'web', clusterIPs: ['10.96.0.20'], nodePort: 30080, affinitySeconds: 10800, endpoints: [ep('10.244.0.5', 8080), ep('10.244.0.6', 8080)] }),
    ],
    { ...opts, previous: { nat: new Set(['KUBE-SEP-OLD', 'KUBE-SERVICES', 'OTHER-CHAIN']), filter: new Set() } },
  );
  assert.equal(`${r.text}\n`, readFileSync(new URL('../../../../fixtures/proxy/basic.rules', import.meta.url), 'utf8'));
  assert.deepEqual(r.counts, { servicePorts: 2, endpointChains: 3, rules: 26 });
});

test('three endpoints are spread 1/3, 1/2, rest', () => {
  const r = buildRules([port({ name: 'three', endpoints: [ep('10.244.0.3', 80), ep('10.244.0.4', 80), ep('10.244.0.5', 80)] })], opts);
  const svc = lines(r.text, 'nat').filter((l) => l.startsWith(`-A KUBE-SVC-`) && l.includes('->'));
  assert.deepEqual(svc.map((l) => /--probability (\S+)/.exec(l)?.[1] ?? 'rest'), ['0.3333333333', '0.5000000000', 'rest']);
});

test('a service port without endpoints is rejected in filter and has no chains', () => {
  const r = buildRules([port({ name: 'empty', nodePort: 30001, endpoints: [ep('10.244.0.9', 80, { ready: false, serving: false })] })], opts);
  assert.deepEqual(lines(r.text, 'filter').slice(0, 2), [
    '-A KUBE-SERVICES -m comment --comment "ns/empty has no endpoints" -m tcp -p tcp -d 10.96.0.50/32 --dport 80 -j REJECT --reject-with icmp-port-unreachable',
    '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns/empty has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30001 -j REJECT --reject-with icmp-port-unreachable',
  ]);
  assert.ok(![...r.chains.nat].some((c) => /^KUBE-(SVC|SEP|EXT)-/.test(c)));
});

test('ready endpoints only; serving terminating ones only when none is ready', () => {
  const eps = [ep('10.0.0.1', 1, { ready: false, serving: true, terminating: true }), ep('10.0.0.2', 1, { ready: false, serving: false, terminating: true }), ep('10.0.0.3', 1, { ready: false, serving: false })];
  assert.deepEqual(usableEndpoints(eps).map((e) => e.ip), ['10.0.0.1']);
  assert.deepEqual(usableEndpoints([...eps, ep('10.0.0.4', 1)]).map((e) => e.ip), ['10.0.0.4']);
});

test('internalTrafficPolicy Local sends cluster-IP traffic to this node\'s endpoints only, and drops it when there are none', () => {
  const r = buildRules([port({ name: 'itp', internalPolicyLocal: true, endpoints: [ep('10.244.0.7', 80), ep('10.244.1.7', 80, { local: false })] })], opts);
  const nat = lines(r.text, 'nat');
  const hash = chainHash('ns/itptcp');
  assert.ok(nat.includes(`-A KUBE-SERVICES -m comment --comment "ns/itp cluster IP" -m tcp -p tcp -d 10.96.0.50/32 --dport 80 -j KUBE-SVL-${hash}`));
  assert.deepEqual(nat.filter((l) => l.startsWith(`-A KUBE-SVL-${hash}`)).length, 1);
  assert.ok(!nat.some((l) => l.includes('10.244.1.7')));
  const none = buildRules([port({ name: 'itp', internalPolicyLocal: true, endpoints: [ep('10.244.1.7', 80, { local: false })] })], opts);
  assert.ok(lines(none.text, 'filter').includes('-A KUBE-SERVICES -m comment --comment "ns/itp has no local endpoints" -m tcp -p tcp -d 10.96.0.50/32 --dport 80 -j DROP'));
});

test('externalTrafficPolicy Local: pods and the node use every endpoint, outside traffic only local ones, unmasqueraded', () => {
  const r = buildRules([port({ name: 'etp', nodePort: 30002, externalPolicyLocal: true, endpoints: [ep('10.244.0.7', 80), ep('10.244.1.7', 80, { local: false })] })], opts);
  const hash = chainHash('ns/etptcp');
  const ext = lines(r.text, 'nat').filter((l) => l.startsWith(`-A KUBE-EXT-${hash}`));
  assert.deepEqual(ext, [
    `-A KUBE-EXT-${hash} -s 10.244.0.0/16 -m comment --comment "pod traffic for ns/etp external destinations" -j KUBE-SVC-${hash}`,
    `-A KUBE-EXT-${hash} -m comment --comment "masquerade LOCAL traffic for ns/etp external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`,
    `-A KUBE-EXT-${hash} -m comment --comment "route LOCAL traffic for ns/etp external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-${hash}`,
    `-A KUBE-EXT-${hash} -j KUBE-SVL-${hash}`,
  ]);
  const svl = lines(r.text, 'nat').filter((l) => l.startsWith(`-A KUBE-SVL-${hash}`));
  assert.equal(svl.length, 1);
  assert.match(svl[0]!, /10\.244\.0\.7:80/);
});

const svc = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'ns' }, spec });
const slice = (ports: unknown[], endpoints: unknown[]): KubeObject => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's-abc', namespace: 'ns', labels: { 'kubernetes.io/service-name': 's' } }, addressType: 'IPv4', ports, endpoints });

test('service ports from a Service and its EndpointSlices: ports matched by name and protocol, node-local flags', () => {
  const s = svc({ type: 'NodePort', clusterIP: '10.96.1.1', clusterIPs: ['10.96.1.1'], sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP' }] });
  const sl = slice([{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 5353, protocol: 'UDP' }], [
    { addresses: ['10.244.0.9'], conditions: { ready: true }, nodeName: 'me' },
    { addresses: ['10.244.1.9'], conditions: { ready: false, serving: true, terminating: true }, nodeName: 'other' },
    { addresses: ['not-an-ip'], conditions: { ready: true } },
  ]);
  const ports = servicePorts(s, [sl], 'me');
  assert.equal(ports.length, 2);
  assert.deepEqual(ports[0], {
    namespace: 'ns', name: 's', portName: 'http', protocol: 'TCP', clusterIPs: ['10.96.1.1'], port: 80, nodePort: 30080, externalIPs: [], affinitySeconds: 10800, externalPolicyLocal: false, internalPolicyLocal: false,
    endpoints: [ep('10.244.0.9', 8080), ep('10.244.1.9', 8080, { ready: false, serving: true, terminating: true, local: false })],
  });
  assert.equal(ports[1]!.protocol, 'UDP');
  assert.equal(ports[1]!.endpoints[0]!.port, 5353);
  assert.deepEqual(servicePorts(svc({ clusterIP: 'None', ports: [{ port: 80 }] }), [sl], 'me'), []);
  assert.deepEqual(servicePorts(svc({ type: 'ExternalName', externalName: 'example.org' }), [], 'me'), []);
  assert.deepEqual(servicePorts(svc({ clusterIP: '10.96.1.2', ports: [{ port: 70000 }, { port: 80, protocol: 'ICMP' }] }), [], 'me'), []);
});

test('after the first sync only changed chains are written; a replaced endpoint\'s chain is deleted', () => {
  const a = port({ name: 'a', endpoints: [ep('10.244.0.3', 80), ep('10.244.0.4', 80)] });
  const b = port({ name: 'b', clusterIPs: ['10.96.0.51'], endpoints: [ep('10.244.0.5', 80)] });
  const first = buildRules([a, b], opts);
  const second = buildRules([a, { ...b, endpoints: [ep('10.244.0.6', 80)] }], { ...opts, previous: first.chains });
  const text = restoreText(second.contents, first.contents, first.chains);
  const svcB = `KUBE-SVC-${chainHash('ns/btcp')}`;
  const oldSep = `KUBE-SEP-${chainHash('ns/btcp10.244.0.5:80')}`;
  const newSep = `KUBE-SEP-${chainHash('ns/btcp10.244.0.6:80')}`;
  const declared = text.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]);
  assert.deepEqual(declared.sort(), [svcB, newSep, oldSep].sort());
  assert.ok(text.includes(`-X ${oldSep}`));
  assert.ok(!text.includes(`KUBE-SVC-${chainHash('ns/atcp')}`));
  assert.equal(restoreText(second.contents, second.contents, second.chains), '*filter\nCOMMIT\n*nat\nCOMMIT\n');
});

test('a restore naming many chains of a table starts that table with -S (iptables-nft then loads the whole table at once); one restore whatever the size', async () => {
  const ports = Array.from({ length: 120 }, (_, i) => port({ name: `s${i}`, clusterIPs: [`10.96.1.${i + 1}`], endpoints: Array.from({ length: 10 }, (_, e) => ep(`10.244.${i}.${e + 2}`, 80)) }));
  const r = buildRules(ports, opts);
  assert.ok(r.contents.nat.size >= wholeTableCacheFrom);
  const full = restoreText(r.contents, undefined, undefined);
  const nat = full.slice(full.indexOf('*nat\n'));
  assert.ok(nat.startsWith('*nat\n-S\n:'), nat.slice(0, 40));
  assert.equal(full.split('\n').filter((l) => l === '-S').length, 1, 'the filter table names few chains: no listing there');
  assert.equal(full.split('\n').filter((l) => l === 'COMMIT').length, 2);
  // A small change names few chains: no listing.
  const changed = buildRules([{ ...ports[0]!, endpoints: [ep('10.244.200.2', 80)] }, ...ports.slice(1)], { ...opts, previous: r.chains });
  assert.ok(!restoreText(changed.contents, r.contents, r.chains).split('\n').includes('-S'));
  // Built and written out in slices, the rules and the text are the same.
  const sliced = await buildRulesInSlices(ports, opts, 7);
  assert.equal(sliced.text, r.text);
  assert.deepEqual(sliced.counts, r.counts);
  assert.equal(await restoreTextInSlices(r.contents, undefined, undefined, 100), full);
  assert.equal(await restoreTextInSlices(changed.contents, r.contents, r.chains, 3), restoreText(changed.contents, r.contents, r.chains));
});
