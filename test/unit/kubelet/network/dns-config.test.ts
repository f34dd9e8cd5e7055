import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatResolvConf, parseResolvConf, podResolvConf } from '../../../../src/kubelet/network/dns-config.js';

const host = 'domain corp.example\nsearch corp.example lab.example\nnameserver 10.255.255.53\nnameserver 10.255.255.54\noptions edns0 timeout:2\n';
const pod = (spec: Record<string, unknown>, namespace = 'ns-1') => ({ metadata: { namespace }, spec });

test('the host resolv.conf is read as glibc reads it', () => {
  assert.deepEqual(parseResolvConf(host), { nameservers: ['10.255.255.53', '10.255.255.54'], searches: ['corp.example', 'lab.example'], options: ['edns0', 'timeout:2'] });
  assert.deepEqual(parseResolvConf('search a\ndomain b\n; comment\n'), { nameservers: [], searches: ['b'], options: [] });
});

test('ClusterFirst (the default): cluster DNS, namespace search path plus the host search, ndots:5', () => {
  const c = podResolvConf(pod({}), host);
  assert.deepEqual(c, { nameservers: ['10.96.0.10'], searches: ['ns-1.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example', 'lab.example'], options: ['ndots:5'] });
  assert.equal(formatResolvConf(c), 'search ns-1.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 10.96.0.10\noptions ndots:5\n');
});

test('Default takes the host configuration; ClusterFirst on the host network too, unless ClusterFirstWithHostNet', () => {
  assert.deepEqual(podResolvConf(pod({ dnsPolicy: 'Default' }), host), parseResolvConf(host));
  assert.deepEqual(podResolvConf(pod({ hostNetwork: true }), host), parseResolvConf(host));
  assert.deepEqual(podResolvConf(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), host).nameservers, ['10.96.0.10']);
});

test('None uses only dnsConfig; dnsConfig options replace same-named ones and add others', () => {
  const none = podResolvConf(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['x.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }), host);
  assert.deepEqual(none, { nameservers: ['1.1.1.1'], searches: ['x.example'], options: ['ndots:2', 'edns0'] });
  const merged = podResolvConf(pod({ dnsConfig: { nameservers: ['10.96.0.10', '8.8.8.8', '9.9.9.9', '7.7.7.7'], options: [{ name: 'ndots', value: '1' }, { name: '' }, 'junk'] } }), host);
  assert.deepEqual(merged.nameservers, ['10.96.0.10', '8.8.8.8', '9.9.9.9']);
  assert.deepEqual(merged.options, ['ndots:1']);
});
