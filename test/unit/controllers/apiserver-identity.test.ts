// The API servers' identity Leases and the lease-based endpoint reconciler of the kubernetes Service: every server
// with a current Lease is listed (one Endpoints subset and one EndpointSlice per port), an expired Lease drops out
// and is deleted, and a server that leaves takes itself out at once; peers' clocks that disagree neither keep a dead
// server listed nor get a live one deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { ApiServerIdentity, apiServerLeaseName, endpointAnnotation, identityLabel, leaseEndpoint } from '../../../src/controllers/apiserver-identity.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import { FakeApi } from './fake-client.js';

const leases = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases';
const endpointsPath = '/api/v1/namespaces/default/endpoints/kubernetes';
const slices = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';

function server(api: FakeApi, clock: FakeClock, address: string, port: number): ApiServerIdentity {
  return new ApiServerIdentity({ client: api, hostname: 'host-a', endpoint: { address, port }, signal: new AbortController().signal, clock });
}

test('the Lease is named and labelled as kube-apiserver names its own, and says where the server answers', async () => {
  const api = new FakeApi();
  const clock = new FakeClock();
  const a = server(api, clock, '10.0.0.1', 6443);
  assert.match(a.name, /^apiserver-[a-z2-7]{26}$/);
  assert.equal(a.name, apiServerLeaseName('host-a', { address: '10.0.0.1', port: 6443 }));
  assert.notEqual(a.name, apiServerLeaseName('host-a', { address: '10.0.0.1', port: 6444 }), 'two servers on one host have two Leases');
  await a.renew();
  const lease = api.objects.get(`${leases}/${a.name}`) as KubeObject;
  assert.equal(lease.metadata.labels?.[identityLabel], 'kube-apiserver');
  assert.equal(lease.metadata.labels?.['kubernetes.io/hostname'], 'host-a');
  assert.deepEqual(leaseEndpoint(lease), { address: '10.0.0.1', port: 6443 });
  const spec = lease['spec'] as Record<string, unknown>;
  assert.equal(spec['holderIdentity'], a.holderIdentity);
  assert.match(a.holderIdentity, new RegExp(`^${a.name}_[0-9a-f-]{36}$`));
  assert.equal(spec['leaseDurationSeconds'], 15);
  clock.advance(10_000);
  await a.renew();
  const renewed = (api.objects.get(`${leases}/${a.name}`) as KubeObject)['spec'] as Record<string, unknown>;
  assert.equal(renewed['acquireTime'], spec['acquireTime']);
  assert.notEqual(renewed['renewTime'], spec['renewTime']);
});

test('every server with a current Lease is in the kubernetes Service; an expired one drops out and its Lease goes', async () => {
  const api = new FakeApi();
  const clock = new FakeClock();
  const a = server(api, clock, '127.0.0.1', 7001);
  const b = server(api, clock, '127.0.0.1', 7002);
  const c = server(api, clock, '10.0.0.3', 7001);
  for (const s of [a, b, c]) await s.renew();
  await a.reconcile();
  const ep = api.objects.get(endpointsPath) as KubeObject;
  assert.deepEqual(ep['subsets'], [
    { addresses: [{ ip: '10.0.0.3' }, { ip: '127.0.0.1' }], ports: [{ name: 'https', port: 7001, protocol: 'TCP' }] },
    { addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 7002, protocol: 'TCP' }] },
  ]);
  assert.deepEqual(api.under(slices).map((s) => [s.metadata.name, (s['endpoints'] as { addresses: string[] }[]).map((e) => e.addresses[0]), (s['ports'] as { port: number }[])[0]?.port]), [
    ['kubernetes', ['10.0.0.3', '127.0.0.1'], 7001],
    ['kubernetes-7002', ['127.0.0.1'], 7002],
  ]);
  const svc = api.objects.get('/api/v1/namespaces/default/services/kubernetes') as KubeObject;
  assert.deepEqual((svc['spec'] as Record<string, unknown>)['ports'], [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 7001 }]);

  // b stops renewing (killed); a and c go on. Past b's 15 s it is out, and its Lease is deleted.
  clock.advance(10_000);
  await a.renew();
  await c.renew();
  await a.reconcile();
  assert.equal((api.objects.get(endpointsPath)?.['subsets'] as unknown[]).length, 2, 'b is still current 10 s after its renewal');
  clock.advance(10_000);
  await a.renew();
  await c.renew();
  // c sees b's Lease for the first time: past its renewTime and duration, so out of the Service, but c has not
  // watched it go unrenewed for a duration itself, so the Lease stays.
  await c.reconcile();
  assert.deepEqual(api.objects.get(endpointsPath)?.['subsets'], [{ addresses: [{ ip: '10.0.0.3' }, { ip: '127.0.0.1' }], ports: [{ name: 'https', port: 7001, protocol: 'TCP' }] }]);
  assert.equal(api.objects.has(`${leases}/${b.name}`), true);
  // a has watched it since the start: deleted.
  await a.reconcile();
  assert.equal(api.objects.has(`${leases}/${b.name}`), false);
  assert.deepEqual(api.under(slices).map((s) => s.metadata.name), ['kubernetes']);
  const writes = api.writes().length;
  await c.reconcile();
  assert.equal(api.writes().length, writes, 'a pass with nothing new writes nothing');

  // a stops cleanly: out at once, without waiting for its Lease to expire.
  await a.leave();
  assert.equal(api.objects.has(`${leases}/${a.name}`), false);
  assert.deepEqual(api.objects.get(endpointsPath)?.['subsets'], [{ addresses: [{ ip: '10.0.0.3' }], ports: [{ name: 'https', port: 7001, protocol: 'TCP' }] }]);
  // the last one leaving leaves the Service without endpoints (and its targetPort as it was)
  await c.leave();
  assert.deepEqual(api.objects.get(endpointsPath)?.['subsets'], []);
  assert.deepEqual((api.objects.get(`${slices}/kubernetes`) as KubeObject)['endpoints'], []);
  assert.equal(((svc['spec'] as Record<string, unknown>)['ports'] as { targetPort: number }[])[0]?.targetPort, 7001);
});

test('a Lease with a garbled endpoint annotation is not published', () => {
  const lease = (value: string): KubeObject => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'x', annotations: { [endpointAnnotation]: value } } });
  for (const bad of ['', '10.0.0.1', '10.0.0.1:0', '10.0.0.1:65536', '300.0.0.1:6443', 'host:6443', '10.0.0.1:6443\n']) assert.equal(leaseEndpoint(lease(bad)), undefined, bad);
  assert.deepEqual(leaseEndpoint(lease('192.168.1.2:443')), { address: '192.168.1.2', port: 443 });
});

test('a server alone on its data dir drops the Leases an earlier server of that dir left, once; later joiners stay', async () => {
  const api = new FakeApi();
  const clock = new FakeClock();
  const of = (port: number, sole: boolean) => new ApiServerIdentity({ client: api, hostname: 'host-a', endpoint: { address: '127.0.0.1', port }, dataDir: '/var/lib/a-kube', soleServerOfDataDir: sole, signal: new AbortController().signal, clock });
  const other = new ApiServerIdentity({ client: api, hostname: 'host-a', endpoint: { address: '127.0.0.1', port: 7100 }, dataDir: '/srv/other', signal: new AbortController().signal, clock });
  const crashed = of(7001, true);
  await crashed.renew();
  await other.renew();
  // Restarted on another port (the earlier process was killed): its Lease would count for 15 s more.
  const restarted = of(7002, true);
  await restarted.renew();
  assert.deepEqual((await restarted.reconcile()).map((e) => e.port).sort(), [7002, 7100]);
  assert.equal(api.objects.has(`${leases}/${crashed.name}`), false);
  assert.equal(api.objects.has(`${leases}/${other.name}`), true, 'a server of another data dir is no predecessor');
  const joined = of(7003, false);
  await joined.renew();
  assert.deepEqual((await restarted.reconcile()).map((e) => e.port).sort(), [7002, 7003, 7100]);
});

test('clocks that disagree: a peer running behind is listed once seen renewing and never deleted; one running ahead drops out when it stops', async () => {
  const api = new FakeApi();
  const clock = new FakeClock();
  const behindClock = new FakeClock(clock.now() - 60_000);
  const aheadClock = new FakeClock(clock.now() + 3_600_000);
  const a = server(api, clock, '10.0.0.1', 6443);
  const behind = server(api, behindClock, '10.0.0.2', 6443);
  const ahead = server(api, aheadClock, '10.0.0.3', 6443);
  const listed = () => ((api.objects.get(endpointsPath)?.['subsets'] as { addresses: { ip: string }[] }[])[0]?.addresses ?? []).map((x) => x.ip);
  const tick = async (ms: number, renewing: ApiServerIdentity[]) => {
    for (const c of [clock, behindClock, aheadClock]) c.advance(ms);
    for (const s of renewing) await s.renew();
    await a.reconcile();
  };
  await a.renew();
  await behind.renew();
  await ahead.renew();
  await a.reconcile();
  // Its renewTime says a minute ago: not listed yet, but not deleted either.
  assert.deepEqual(listed(), ['10.0.0.1', '10.0.0.3']);
  for (let i = 0; i < 6; i++) {
    await tick(10_000, [a, behind, ahead]);
    assert.deepEqual(listed(), ['10.0.0.1', '10.0.0.2', '10.0.0.3'], `pass ${i}`);
    assert.equal(api.objects.has(`${leases}/${behind.name}`), true);
  }
  // Both stop. The one whose renewTime lies an hour ahead is out 15 s after its last renewal was seen, not an hour.
  await tick(10_000, [a]);
  assert.deepEqual(listed(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  await tick(10_000, [a]);
  assert.deepEqual(listed(), ['10.0.0.1']);
  assert.equal(api.objects.has(`${leases}/${ahead.name}`), false);
  assert.equal(api.objects.has(`${leases}/${behind.name}`), false);
});
