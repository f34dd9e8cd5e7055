import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeStatus, type NodeSpecOptions } from '../../../src/kubelet/node-status.js';

const spec: NodeSpecOptions = {
  name: 'n1',
  hostIP: '10.0.0.2',
  podCIDR: '10.244.0.0/24',
  cpu: '2',
  memory: '4000000Ki',
  maxPods: 110,
  kubeletVersion: 'v1.32.0',
  runtimeVersion: 'containerd://1.6.20~ds1',
  machine: { kernelVersion: '6.1.0-13-amd64', osImage: 'Debian GNU/Linux 12 (bookworm)', machineID: 'm', bootID: 'b', systemUUID: 'u', ephemeralStorage: '1000Ki', allocatableMemory: '3897600Ki' },
};

test('a real node reports its machine, allocatable less the eviction reserve, and NotReady with the runtime\'s reason', () => {
  const s = nodeStatus(spec, Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1), { ready: false, message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:cni plugin not initialized' }) as Record<string, any>;
  assert.equal(s['capacity']['memory'], '4000000Ki');
  assert.equal(s['allocatable']['memory'], '3897600Ki');
  assert.equal(s['nodeInfo']['kernelVersion'], '6.1.0-13-amd64');
  assert.equal(s['nodeInfo']['osImage'], 'Debian GNU/Linux 12 (bookworm)');
  const ready = (s['conditions'] as Record<string, string>[]).find((c) => c['type'] === 'Ready');
  assert.equal(ready?.['status'], 'False');
  assert.equal(ready?.['reason'], 'KubeletNotReady');
  assert.match(ready?.['message'] ?? '', /NetworkReady=false/);
  const ok = nodeStatus(spec, 0, 0) as Record<string, any>;
  assert.equal((ok['conditions'] as Record<string, string>[]).find((c) => c['type'] === 'Ready')?.['reason'], 'KubeletReady');
});

test('the managed /etc/hosts: localhost, the pod (FQDN with a subdomain), hostAliases; unsafe aliases dropped', async () => {
  const { hostsFileContent } = await import('../../../src/kubelet/hosts-file.js');
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'ns' }, spec: { hostname: 'web-0', subdomain: 'web', hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo.local', 'bar'] }, { ip: '1.1.1.1\n2.2.2.2', hostnames: ['evil'] }] } };
  const text = hostsFileContent(pod as never, '10.244.0.9');
  assert.match(text, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
  assert.match(text, /^10\.244\.0\.9\tweb-0\.web\.ns\.svc\.cluster\.local\tweb-0$/m);
  assert.match(text, /^10\.1\.2\.3\tfoo\.local\tbar$/m);
  assert.doesNotMatch(text, /evil/);
});
