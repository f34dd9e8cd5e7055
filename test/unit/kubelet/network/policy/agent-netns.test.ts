// The network-policy agent enforcing for real, inside network namespaces: a "host" namespace with the pod
// bridge, its own iptables, IP sets and bridge netfilter, pods attached by the CNI plugins, the API fed by a fake.
// Pod to pod across the bridge is denied and allowed by policy, a pod under default deny still reaches itself
// through a Service address (hairpin, DNAT and masquerade as the service proxy writes them), a DNS server on the
// gateway answers through the kube-dns carve-out, and nothing of the agent (rules or sets) is left after it stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../../../src/api/object.js';
import { cniConfList } from '../../../../../src/kubelet/network/cni-config.js';
import { hostIptables } from '../../../../../src/kubelet/network/iptables.js';
import { setUpPodNetwork } from '../../../../../src/kubelet/network/pod-network.js';
import { PolicyAgent } from '../../../../../src/kubelet/network/policy/agent.js';
import { FakeFeed } from '../fake-feed.js';
import { NetLab, echoServerScript, httpGetFrom, netnsUnavailable } from '../netlab.js';

const policiesPath = '/apis/networking.k8s.io/v1/networkpolicies';
const podsPath = '/api/v1/pods';
const namespacesPath = '/api/v1/namespaces';

const namespace = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
const pod = (ns: string, name: string, ip: string, labels: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, labels },
  spec: { nodeName: 'node-1', containers: [{ name: 'c' }] },
  status: { phase: 'Running', podIP: ip },
});
const policy = (ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: ns, name }, spec });

/** A UDP server answering every datagram with "dns <payload>" (a stand-in for the cluster DNS on the gateway). */
const udpEchoScript = (host: string, port: number) =>
  `const s = require('node:dgram').createSocket('udp4'); s.on('message', (m, r) => s.send('dns ' + m, r.port, r.address)); s.bind(${port}, ${JSON.stringify(host)}, () => console.log('ready'))`;

const skip = netnsUnavailable();

test('ingress deny, self through a Service, allow by pod and by namespace, egress deny with the kube-dns carve-out, removal on stop', { skip, timeout: 120_000 }, async (t) => {
  const lab = new NetLab();
  t.after(() => lab.cleanup());
  const host = await lab.netns('host');
  const server = await lab.netns('srv');
  const client = await lab.netns('cli');
  const other = await lab.netns('oth');
  const ipt = hostIptables(lab.runner(host));
  const net = await setUpPodNetwork({ bridge: 'akt0', podCidr: '10.244.0.0/24', clusterCidr: '10.244.0.0/16', run: lab.runner(host), iptables: ipt, lockPath: null });
  lab.defer(() => net.teardown());
  const conf = cniConfList({ podCidr: '10.244.0.0/24', bridge: 'akt0', ipamDataDir: `${lab.dir}/ipam` });
  const ipOf = async (ns: string) => (await lab.cniAdd(host, ns, conf, `${lab.tag}-${ns}`)).ips[0]!.address.split('/')[0]!;
  const serverIP = await ipOf(server);
  const clientIP = await ipOf(client);
  const otherIP = await ipOf(other);
  await lab.serve(server, echoServerScript('server', 8080));
  await lab.serve(host, udpEchoScript('10.244.0.1', 53));
  // A Service address for the server, with the service proxy's hairpin masquerade.
  await ipt.restore(`*nat\n-A PREROUTING -d 10.96.0.50/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination ${serverIP}:8080\n-A POSTROUTING -s ${serverIP}/32 -d ${serverIP}/32 -j MASQUERADE\nCOMMIT\n`);

  const feed = new FakeFeed();
  for (const ns of ['kube-system', 'web', 'ops']) feed.put(namespacesPath, namespace(ns));
  feed.put(podsPath, pod('web', 'server', serverIP, { app: 'server' }));
  feed.put(podsPath, pod('web', 'client', clientIP, { app: 'client' }));
  feed.put(podsPath, pod('ops', 'other', otherIP, { app: 'client' }));

  let waiters: (() => void)[] = [];
  const agent = new PolicyAgent({
    client: feed,
    nodeName: 'node-1',
    bridge: 'akt0',
    clusterDnsIP: '10.244.0.1',
    iptables: ipt,
    run: lab.runner(host),
    minSyncPeriodMs: 50,
    onSync: () => {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    },
  });
  const stop = new AbortController();
  let stopped = false;
  lab.defer(async () => {
    stop.abort();
    if (!stopped) await agent.stop();
  });
  await agent.start(stop.signal);
  assert.equal(agent.bridgeNetfilter?.enabled, true);
  const apply = async (change: () => void) => {
    const synced = new Promise<void>((r) => waiters.push(r));
    change();
    await synced;
  };
  const get = (from: string) => httpGetFrom(lab, from, serverIP, 8080, 1500);
  const dns = async (from: string) =>
    (await lab.exec(from, process.execPath, ['-e', `const s = require('node:dgram').createSocket('udp4'); const t = setTimeout(() => { process.stderr.write('timeout'); process.exit(2); }, 1500); s.on('message', (m) => { clearTimeout(t); process.stdout.write(String(m)); s.close(); }); s.send('q', 53, '10.244.0.1');`])).stdout;

  // No policy: everyone reaches the server.
  assert.equal(await get(client), `server ${clientIP}`);
  assert.equal(await get(other), `server ${otherIP}`);

  assert.equal(await httpGetFrom(lab, server, '10.96.0.50', 80, 1500), 'server 10.244.0.1');
  await apply(() => feed.put(policiesPath, policy('web', 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] })));
  await assert.rejects(get(client), /timeout/);
  // A pod cannot block access to itself: the server still reaches itself through the Service address.
  assert.equal(await httpGetFrom(lab, server, '10.96.0.50', 80, 1500), 'server 10.244.0.1');
  assert.match(await lab.exec(host, 'ipset', ['list', 'AKUBE-INGRESS-ISOLATED']).then((r) => r.stdout), new RegExp(`^${serverIP.replace(/\./g, '\\.')}$`, 'm'));

  await apply(() => feed.put(policiesPath, policy('web', 'allow-client', { podSelector: { matchLabels: { app: 'server' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 8080 }] }] })));
  assert.equal(await get(client), `server ${clientIP}`);
  // Same label, other namespace: a podSelector alone means the policy's own namespace.
  await assert.rejects(get(other), /timeout/);
  await apply(() => feed.put(policiesPath, policy('web', 'allow-ops', { podSelector: { matchLabels: { app: 'server' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }] }] })));
  assert.equal(await get(other), `server ${otherIP}`);

  // Egress: deny all from the client, DNS included, then the usual carve-out lets DNS (only) through.
  assert.equal(await dns(client), 'dns q');
  await apply(() => feed.put(policiesPath, policy('web', 'deny-egress', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'] })));
  await assert.rejects(get(client), /timeout/);
  await assert.rejects(dns(client), /timeout/);
  await apply(() => feed.put(policiesPath, policy('web', 'allow-dns', {
    podSelector: { matchLabels: { app: 'client' } },
    policyTypes: ['Egress'],
    egress: [{ to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
  })));
  assert.equal(await dns(client), 'dns q');
  await assert.rejects(get(client), /timeout/);
  // The other pod has no egress policy.
  assert.equal(await dns(other), 'dns q');

  await apply(() => {
    for (const name of ['deny-ingress', 'allow-client', 'allow-ops', 'deny-egress', 'allow-dns']) feed.remove(policiesPath, 'web', name);
  });
  assert.equal(await get(client), `server ${clientIP}`);
  assert.equal(await get(other), `server ${otherIP}`);

  stopped = true;
  await agent.stop();
  assert.doesNotMatch(await ipt.save('filter'), /AKUBE-(POLICY|PI-|PE-|IPB-)/);
  assert.equal((await lab.exec(host, 'ipset', ['list', '-n'])).stdout, '', 'every set is destroyed');
});
