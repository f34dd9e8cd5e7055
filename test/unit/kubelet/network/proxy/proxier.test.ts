// The service proxy for real, inside network namespaces: a "host" namespace with the pod bridge and the
// proxy's iptables rules, a client pod reaching a ClusterIP Service backed by server pods, and the rules
// gone after the Service is deleted and after the proxy stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../../../src/api/object.js';
import { cniConfList } from '../../../../../src/kubelet/network/cni-config.js';
import { hostIptables } from '../../../../../src/kubelet/network/iptables.js';
import { setUpPodNetwork } from '../../../../../src/kubelet/network/pod-network.js';
import { ServiceProxy } from '../../../../../src/kubelet/network/proxy/proxier.js';
import { FakeFeed } from '../fake-feed.js';
import { NetLab, echoServerScript, httpGetFrom, netnsUnavailable } from '../netlab.js';

const servicesPath = '/api/v1/services';
const slicesPath = '/apis/discovery.k8s.io/v1/endpointslices';

const service = (name: string, ip: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns-1' },
  spec: { type: 'ClusterIP', clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], ...extra },
});
const slice = (svc: string, endpoints: { ip: string; ready: boolean }[]): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svc}-x`, namespace: 'ns-1', labels: { 'kubernetes.io/service-name': svc } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  endpoints: endpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready }, nodeName: 'node-1' })),
});

const skip = netnsUnavailable();

test('a pod reaches a ClusterIP Service backed by other pods; unready endpoints get nothing; deleting the Service removes its rules', { skip }, async (t) => {
  const lab = new NetLab();
  t.after(() => lab.cleanup());
  const host = await lab.netns('host');
  const client = await lab.netns('cl');
  const web1 = await lab.netns('w1');
  const web2 = await lab.netns('w2');
  const ipt = hostIptables(lab.runner(host));
  const net = await setUpPodNetwork({ bridge: 'akt0', podCidr: '10.244.0.0/24', clusterCidr: '10.244.0.0/16', run: lab.runner(host), iptables: ipt, lockPath: null });
  lab.defer(() => net.teardown());
  const conf = cniConfList({ podCidr: '10.244.0.0/24', bridge: 'akt0', ipamDataDir: `${lab.dir}/ipam` });
  const ipOf = async (ns: string) => (await lab.cniAdd(host, ns, conf, `${lab.tag}-${ns}`)).ips[0]!.address.split('/')[0]!;
  const clientIP = await ipOf(client);
  const ip1 = await ipOf(web1);
  const ip2 = await ipOf(web2);
  await lab.serve(web1, echoServerScript('web1', 8080));
  await lab.serve(web2, echoServerScript('web2', 8080));
  // The "API server" on the node address, reached through the kubernetes Service.
  await lab.serve(host, echoServerScript('apiserver', 6443, '10.244.0.1'));

  const feed = new FakeFeed();
  feed.put(servicesPath, { ...service('kubernetes', '10.96.0.1'), metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } });
  feed.put(slicesPath, { ...slice('kubernetes', []), metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } }, ports: [{ name: 'https', port: 6443, protocol: 'TCP' }], endpoints: [{ addresses: ['10.244.0.1'], conditions: { ready: true } }] });
  feed.put(servicesPath, service('web', '10.96.0.20'));
  feed.put(slicesPath, slice('web', [{ ip: ip1, ready: true }, { ip: ip2, ready: false }]));

  let syncs = 0;
  let waiters: (() => void)[] = [];
  const proxy = new ServiceProxy({ client: feed, nodeName: 'node-1', clusterCidr: '10.244.0.0/16', iptables: ipt, minSyncPeriodMs: 50, onSync: () => { syncs++; for (const w of waiters) w(); waiters = []; } });
  const nextSync = () => new Promise<void>((r) => waiters.push(r));
  const stop = new AbortController();
  let stopped = false;
  lab.defer(async () => {
    stop.abort();
    if (!stopped) await proxy.stop();
  });
  await proxy.start(stop.signal);
  assert.ok(syncs >= 1);

  assert.equal(await httpGetFrom(lab, client, '10.96.0.1', 443), `apiserver ${clientIP}`);
  // Only the ready endpoint serves; the client's own address is kept (no masquerade pod to pod).
  for (let i = 0; i < 6; i++) assert.equal(await httpGetFrom(lab, client, '10.96.0.20', 80), `web1 ${clientIP}`);
  // The host itself reaches the Service too. (A real host routes 10.96.0.0/12 by its default route; the bare
  // namespace needs a route before the OUTPUT chain's DNAT can apply.)
  await lab.exec(host, 'ip', ['route', 'add', '10.96.0.0/12', 'dev', 'akt0']);
  assert.match((await lab.exec(host, process.execPath, ['-e', `require('node:http').get('http://10.96.0.20/', (r) => r.pipe(process.stdout))`])).stdout, /^web1 /);
  // Hairpin: a pod reaching itself through its Service is masqueraded to the bridge address.
  assert.equal(await httpGetFrom(lab, web1, '10.96.0.20', 80), 'web1 10.244.0.1');

  // web2 becomes ready, web1 unready: traffic follows.
  let synced = nextSync();
  feed.put(slicesPath, slice('web', [{ ip: ip1, ready: false }, { ip: ip2, ready: true }]));
  await synced;
  assert.equal(await httpGetFrom(lab, client, '10.96.0.20', 80), `web2 ${clientIP}`);

  synced = nextSync();
  feed.remove(servicesPath, 'ns-1', 'web');
  feed.remove(slicesPath, 'ns-1', 'web-x');
  await synced;
  const nat = await ipt.save('nat');
  assert.doesNotMatch(nat, /10\.96\.0\.20|ns-1\/web/);
  assert.match(nat, /default\/kubernetes:https/);
  await assert.rejects(httpGetFrom(lab, client, '10.96.0.20', 80, 1000));

  stopped = true;
  await proxy.stop();
  for (const table of ['nat', 'filter'] as const) assert.doesNotMatch(await ipt.save(table), /\bKUBE-/, `${table} still holds KUBE- rules`);
});
