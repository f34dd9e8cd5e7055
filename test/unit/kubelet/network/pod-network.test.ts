// The pod network for real, inside network namespaces: the node's bridge and rules in a "host" namespace,
// pods attached by Debian's CNI plugins with our configuration, an "outside" namespace behind the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cniConfList } from '../../../../src/kubelet/network/cni-config.js';
import { hostIptables } from '../../../../src/kubelet/network/iptables.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { egressChain, forwardChain, PodNetworkBusyError, podNetworkRules, setUpPodNetwork, type PodNetwork } from '../../../../src/kubelet/network/pod-network.js';
import { NetLab, echoServerScript, httpGetFrom, netnsUnavailable } from './netlab.js';

test('the CNI configuration: bridge with host-local from the node block, gateway .1, portmap', () => {
  const c = cniConfList({ podCidr: '10.244.3.0/24', bridge: 'akube0', ipamDataDir: '/d' });
  assert.equal(c.name, 'a-kube');
  assert.deepEqual(c.plugins.map((p) => p['type']), ['bridge', 'portmap']);
  const bridge = c.plugins[0]!;
  assert.equal(bridge['bridge'], 'akube0');
  assert.equal(bridge['isGateway'], true);
  assert.equal(bridge['hairpinMode'], true);
  assert.deepEqual(bridge['ipam'], { type: 'host-local', ranges: [[{ subnet: '10.244.3.0/24', gateway: '10.244.3.1' }]], dataDir: '/d' });
  assert.deepEqual(c.plugins[1], { type: 'portmap', capabilities: { portMappings: true }, snat: true });
  assert.throws(() => cniConfList({ podCidr: 'nonsense' }), /invalid pod CIDR/);
});

test('the egress rules masquerade only what leaves the cluster CIDR', () => {
  const text = podNetworkRules('10.244.0.0/16', 'akube0');
  assert.match(text, /-A AKUBE-POD-EGRESS -s 10\.244\.0\.0\/16 -d 10\.244\.0\.0\/16 .* -j RETURN/);
  assert.match(text, /-A AKUBE-POD-EGRESS -s 10\.244\.0\.0\/16 ! -o akube0 .* -j MASQUERADE/);
  assert.match(text, /-A AKUBE-POD-FORWARD -s 10\.244\.0\.0\/16 .* -j ACCEPT/);
});

const skip = netnsUnavailable();

test('pods on the bridge reach each other directly and the outside masqueraded; teardown removes everything', { skip }, async (t) => {
  const lab = new NetLab();
  t.after(() => lab.cleanup());
  const host = await lab.netns('host');
  const outside = await lab.netns('out');
  const pod1 = await lab.netns('p1');
  const pod2 = await lab.netns('p2');
  // The outside world: a veth from the host namespace to another namespace with its own server.
  await lab.exec(host, 'ip', ['link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up1', 'netns', outside]);
  await lab.exec(host, 'ip', ['addr', 'add', '198.18.0.1/30', 'dev', 'up0']);
  await lab.exec(host, 'ip', ['link', 'set', 'up0', 'up']);
  await lab.exec(outside, 'ip', ['addr', 'add', '198.18.0.2/30', 'dev', 'up1']);
  await lab.exec(outside, 'ip', ['link', 'set', 'up1', 'up']);

  const ipt = hostIptables(lab.runner(host));
  const net: PodNetwork = await setUpPodNetwork({ bridge: 'akt0', podCidr: '10.244.0.0/24', clusterCidr: '10.244.0.0/16', run: lab.runner(host), iptables: ipt, lockPath: null });
  let tornDown = false;
  lab.defer(() => (tornDown ? undefined : net.teardown()));
  assert.equal(net.gateway, '10.244.0.1');
  // Setting up twice (a restart) changes nothing.
  const again = await setUpPodNetwork({ bridge: 'akt0', podCidr: '10.244.0.0/24', clusterCidr: '10.244.0.0/16', run: lab.runner(host), iptables: ipt, lockPath: null });
  assert.equal((await ipt.save('nat')).split('\n').filter((l) => l.includes(`-j ${egressChain}`)).length, 1);
  void again;

  const conf = cniConfList({ podCidr: '10.244.0.0/24', bridge: 'akt0', ipamDataDir: `${lab.dir}/ipam` });
  const r1 = await lab.cniAdd(host, pod1, conf, `${lab.tag}-c1`);
  const r2 = await lab.cniAdd(host, pod2, conf, `${lab.tag}-c2`);
  const ip1 = r1.ips[0]!.address.split('/')[0]!;
  const ip2 = r2.ips[0]!.address.split('/')[0]!;
  assert.match(ip1, /^10\.244\.0\.\d+$/);
  assert.notEqual(ip1, ip2);

  await lab.serve(pod2, echoServerScript('pod2', 8080));
  await lab.serve(outside, echoServerScript('outside', 8080));
  assert.equal(await httpGetFrom(lab, pod1, ip2, 8080), `pod2 ${ip1}`);
  assert.equal(await httpGetFrom(lab, pod1, '198.18.0.2', 8080), 'outside 198.18.0.1');

  await net.teardown();
  tornDown = true;
  const nat = await ipt.save('nat');
  const filter = await ipt.save('filter');
  assert.doesNotMatch(nat, new RegExp(egressChain));
  assert.doesNotMatch(filter, new RegExp(forwardChain));
  // The bridge was created by setUpPodNetwork, so it is gone too.
  await assert.rejects(lab.exec(host, 'ip', ['link', 'show', 'dev', 'akt0']));
});

test('one pod network per machine: a live holder of the lock is named, a dead one is taken over', { skip }, async (t) => {
  const lab = new NetLab();
  t.after(() => lab.cleanup());
  const host = await lab.netns('host');
  const lockPath = join(lab.dir, 'pod-network.lock');
  const opts = { bridge: 'akt0', podCidr: '10.244.0.0/24', clusterCidr: '10.244.0.0/16', run: lab.runner(host), iptables: hostIptables(lab.runner(host)), lockPath, owner: 'data dir /x' };
  writeFileSync(lockPath, '1\ndata dir /elsewhere\n'); // pid 1 is always alive
  await assert.rejects(setUpPodNetwork(opts), (e: Error) => e instanceof PodNetworkBusyError && /another a-kube \(pid 1, data dir \/elsewhere\)/.test(e.message));
  writeFileSync(lockPath, '999999999\ndata dir /crashed\n');
  const net = await setUpPodNetwork(opts);
  lab.defer(() => net.teardown());
  assert.equal(readFileSync(lockPath, 'utf8'), `${process.pid}\ndata dir /x\n`);
  await net.teardown();
  assert.ok(!existsSync(lockPath));
});
