// Routes between nodes' pod networks: the plan from Nodes, the changes from what is installed, and for real: two
// "node" namespaces on one link, each with its bridge and a pod, whose PodRoutes let the pods talk directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../../src/api/object.js';
import { cniConfList } from '../../../../src/kubelet/network/cni-config.js';
import { hostIptables } from '../../../../src/kubelet/network/iptables.js';
import { setUpPodNetwork } from '../../../../src/kubelet/network/pod-network.js';
import { desiredPodRoutes, parseInstalledRoutes, PodRoutes, routeChanges } from '../../../../src/kubelet/network/routes.js';
import { FakeFeed } from './fake-feed.js';
import { NetLab, echoServerScript, httpGetFrom, netnsUnavailable } from './netlab.js';

function node(name: string, podCIDR: string | undefined, internalIP: string | undefined): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: podCIDR === undefined ? {} : { podCIDR },
    status: { addresses: [{ type: 'Hostname', address: name }, ...(internalIP ? [{ type: 'InternalIP', address: internalIP }] : [])] },
  };
}

test('each other node with a pod CIDR and an InternalIP gets a route; own, incomplete and duplicate blocks none', () => {
  const nodes = [
    node('self', '10.244.0.0/24', '192.168.5.1'),
    node('b', '10.244.2.0/24', '192.168.5.3'),
    node('a', '10.244.1.0/24', '192.168.5.2'),
    node('no-cidr', undefined, '192.168.5.4'),
    node('no-ip', '10.244.4.0/24', undefined),
    node('dup', '10.244.1.0/24', '192.168.5.9'),
    node('own-block', '10.244.0.0/24', '192.168.5.8'),
    node('own-ip', '10.244.7.0/24', '192.168.5.1'),
    node('bad', 'not-a-cidr', '192.168.5.6'),
    node('unnormalised', '10.244.9.7/24', '192.168.5.7'),
  ];
  assert.deepEqual(desiredPodRoutes(nodes, 'self'), [
    { cidr: '10.244.1.0/24', via: '192.168.5.2', node: 'a' },
    { cidr: '10.244.2.0/24', via: '192.168.5.3', node: 'b' },
    { cidr: '10.244.9.0/24', via: '192.168.5.7', node: 'unnormalised' },
  ]);
  // The first by name wins a duplicated block, whatever the list order.
  assert.deepEqual(desiredPodRoutes([...nodes].reverse(), 'self'), desiredPodRoutes(nodes, 'self'));
});

test('installed routes are read back from ip route show and changed only where they differ', () => {
  const installed = parseInstalledRoutes('10.244.1.0/24 via 192.168.5.2 dev eth0 \n10.244.3.0/24 via 192.168.5.4 dev eth0 \n10.244.2.0/24 via 192.168.5.9 dev eth0 \nbroken line\n');
  assert.deepEqual([...installed], [['10.244.1.0/24', '192.168.5.2'], ['10.244.3.0/24', '192.168.5.4'], ['10.244.2.0/24', '192.168.5.9']]);
  const changes = routeChanges(installed, [
    { cidr: '10.244.1.0/24', via: '192.168.5.2', node: 'a' },
    { cidr: '10.244.2.0/24', via: '192.168.5.3', node: 'b' },
    { cidr: '10.244.5.0/24', via: '192.168.5.5', node: 'c' },
  ]);
  assert.deepEqual(changes, [
    ['route', 'del', '10.244.3.0/24', 'via', '192.168.5.4', 'proto', '212'],
    ['route', 'del', '10.244.2.0/24', 'via', '192.168.5.9', 'proto', '212'],
    ['route', 'replace', '10.244.2.0/24', 'via', '192.168.5.3', 'proto', '212'],
    ['route', 'replace', '10.244.5.0/24', 'via', '192.168.5.5', 'proto', '212'],
  ]);
  assert.deepEqual(routeChanges(installed, [...installed].map(([cidr, via]) => ({ cidr, via, node: 'x' }))), []);
});

const skip = netnsUnavailable();

test('two nodes on one link: pods reach each other unmasqueraded through the routes, which follow the Nodes and go at stop', { skip }, async (t) => {
  const lab = new NetLab();
  t.after(() => lab.cleanup());
  const n1 = await lab.netns('n1');
  const n2 = await lab.netns('n2');
  const p1 = await lab.netns('p1');
  const p2 = await lab.netns('p2');
  await lab.exec(n1, 'ip', ['link', 'add', 'link0', 'type', 'veth', 'peer', 'name', 'link0', 'netns', n2]);
  for (const [ns, addr] of [[n1, '198.18.7.1/30'], [n2, '198.18.7.2/30']] as const) {
    await lab.exec(ns, 'ip', ['addr', 'add', addr, 'dev', 'link0']);
    await lab.exec(ns, 'ip', ['link', 'set', 'link0', 'up']);
  }
  const feed = new FakeFeed();
  feed.put('/api/v1/nodes', node('node-1', '10.244.0.0/24', '198.18.7.1'));
  feed.put('/api/v1/nodes', node('node-2', '10.244.1.0/24', '198.18.7.2'));
  const pods: Record<string, string> = {};
  const agents: PodRoutes[] = [];
  const logs: string[] = [];
  const stop = new AbortController();
  lab.defer(() => stop.abort());
  for (const [ns, name, cidr, pod] of [[n1, 'node-1', '10.244.0.0/24', p1], [n2, 'node-2', '10.244.1.0/24', p2]] as const) {
    const net = await setUpPodNetwork({ bridge: 'akt0', podCidr: cidr, clusterCidr: '10.244.0.0/16', run: lab.runner(ns), iptables: hostIptables(lab.runner(ns)), lockPath: null });
    lab.defer(() => net.teardown());
    const added = await lab.cniAdd(ns, pod, cniConfList({ podCidr: cidr, bridge: 'akt0', ipamDataDir: `${lab.dir}/ipam-${name}` }), `${lab.tag}-${name}`);
    pods[name] = added.ips[0]!.address.split('/')[0]!;
    const routes = new PodRoutes({ client: feed, nodeName: name, run: lab.runner(ns), minSyncPeriodMs: 10, log: (l) => logs.push(`${name}: ${l}`) });
    await routes.start(stop.signal);
    agents.push(routes);
    lab.defer(() => routes.stop());
  }
  const shown = async (ns: string) => (await lab.exec(ns, 'ip', ['-4', 'route', 'show', 'proto', '212'])).stdout;
  assert.match(await shown(n1), /^10\.244\.1\.0\/24 via 198\.18\.7\.2 dev link0/m);
  assert.match(await shown(n2), /^10\.244\.0\.0\/24 via 198\.18\.7\.1 dev link0/m);

  await lab.serve(p2, echoServerScript('pod-2', 8080));
  // The server sees pod 1's own address: pod-to-pod traffic between the nodes is routed, not masqueraded.
  assert.equal(await httpGetFrom(lab, p1, pods['node-2']!, 8080), `pod-2 ${pods['node-1']}`);

  // A route removed behind the agent's back comes back at the next sync; a deleted Node's route goes.
  await lab.exec(n1, 'ip', ['route', 'del', '10.244.1.0/24']);
  feed.put('/api/v1/nodes', node('node-3', '10.244.2.0/24', '198.18.7.2'));
  await waitFor(async () => (await shown(n1)).includes('10.244.1.0/24 via 198.18.7.2') && (await shown(n1)).includes('10.244.2.0/24 via 198.18.7.2'));
  feed.remove('/api/v1/nodes', '', 'node-3');
  await waitFor(async () => !(await shown(n1)).includes('10.244.2.0/24'));

  // A node whose InternalIP is not on a shared link: the kernel refuses the route, the others stay.
  feed.put('/api/v1/nodes', node('far', '10.244.3.0/24', '203.0.113.9'));
  await waitFor(async () => logs.some((l) => l.startsWith('node-1: pod routes: ip route replace 10.244.3.0/24 via 203.0.113.9 proto 212 failed (')));
  assert.match(await shown(n1), /10\.244\.1\.0\/24 via 198\.18\.7\.2/);
  assert.doesNotMatch(await shown(n1), /10\.244\.3\.0/);

  for (const a of agents) await a.stop();
  assert.equal(await shown(n1), '');
  assert.equal(await shown(n2), '');
});

async function waitFor(probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not met within 10 s');
}
