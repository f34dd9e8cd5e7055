// The cluster DNS server over real sockets on loopback, fed by informers over a fake API, with a fake
// upstream resolver for names outside the cluster.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { KubeObject } from '../../../../../src/api/object.js';
import { Informer, restListerWatcher } from '../../../../../src/client/informer.js';
import { hostUpstreams, informerDnsSource } from '../../../../../src/kubelet/network/dns/cluster-dns.js';
import { startDnsServer, type RunningDnsServer } from '../../../../../src/kubelet/network/dns/server.js';
import { FakeFeed } from '../fake-feed.js';

const servicesPath = '/api/v1/services';
const slicesPath = '/apis/discovery.k8s.io/v1/endpointslices';

const svc = (ns: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec });
const slice = (ns: string, svcName: string, ports: unknown[], endpoints: unknown[]): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${svcName}-abcde`, namespace: ns, labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  ports,
  endpoints,
});

let server: RunningDnsServer;
let upstream: ReturnType<typeof createSocket>;
const upstreamQuestions: string[] = [];
const stop = new AbortController();
const feed = new FakeFeed();

before(async () => {
  // The "host resolver": answers every A question with 192.0.2.99.
  upstream = createSocket('udp4');
  upstream.on('message', (msg, rinfo) => {
    const q = dnsPacket.decode(msg);
    upstreamQuestions.push(q.questions?.[0]?.name ?? '');
    const reply = dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions ?? [], answers: [{ type: 'A', name: q.questions?.[0]?.name ?? '', ttl: 60, data: '192.0.2.99' }] });
    upstream.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));

  feed.put(servicesPath, svc('default', 'kubernetes', { type: 'ClusterIP', clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }));
  feed.put(servicesPath, svc('ns-1', 'web', { type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 9000, protocol: 'TCP' }] }));
  feed.put(servicesPath, svc('ns-1', 'db', { clusterIP: 'None', clusterIPs: ['None'], ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }));
  feed.put(slicesPath, slice('ns-1', 'db', [{ name: 'pg', port: 5432, protocol: 'TCP' }], [
    { addresses: ['10.244.0.11'], hostname: 'db-0', conditions: { ready: true } },
    { addresses: ['10.244.0.12'], conditions: { ready: true } },
    { addresses: ['10.244.0.13'], hostname: 'db-2', conditions: { ready: false } },
  ]));
  feed.put(servicesPath, svc('ns-1', 'ext', { type: 'ExternalName', externalName: 'example.org' }));
  const services = new Informer({ listerWatcher: restListerWatcher(feed, { path: servicesPath }), name: 'services' });
  const slices = new Informer({ listerWatcher: restListerWatcher(feed, { path: slicesPath }), name: 'slices' });
  const source = informerDnsSource(services, slices);
  void services.run(stop.signal);
  void slices.run(stop.signal);
  await services.waitForSync(stop.signal);
  await slices.waitForSync(stop.signal);
  server = await startDnsServer({ source, listen: [{ host: '127.0.0.1', port: 0 }], upstreams: [`127.0.0.1:${upstream.address().port}`] });
});

after(async () => {
  stop.abort();
  await server?.close();
  upstream?.close();
});

/** dns-packet decodes the response code too; its type declarations leave it out. */
type Reply = dnsPacket.DecodedPacket & { rcode: string };

let nextId = 1;
function query(name: string, type: dnsPacket.RecordType, opts: { tcp?: boolean; edns?: boolean } = {}): Promise<Reply> {
  const id = nextId++;
  const msg = dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name }],
    ...(opts.edns ? { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] } : {}),
  });
  const port = server.addresses[0]!.port;
  if (opts.tcp) {
    return new Promise((resolve, reject) => {
      const sock = connect({ host: '127.0.0.1', port });
      let buf = Buffer.alloc(0);
      sock.on('error', reject);
      sock.on('connect', () => sock.write(Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg])));
      sock.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          sock.destroy();
          resolve(dnsPacket.decode(buf.subarray(2)) as Reply);
        }
      });
    });
  }
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no answer for ${name}`));
    }, 3000);
    sock.on('message', (m) => {
      clearTimeout(timer);
      sock.close();
      resolve(dnsPacket.decode(m) as Reply);
    });
    sock.send(msg, port, '127.0.0.1');
  });
}

const data = (p: dnsPacket.DecodedPacket) => (p.answers ?? []).map((a) => ('data' in a ? a.data : undefined));

test('a ClusterIP Service: A record with the cluster IP, authoritative, TTL 5, case-insensitive, over UDP and TCP', async () => {
  const r = await query('kubernetes.default.svc.cluster.local', 'A');
  assert.equal(r.rcode, 'NOERROR');
  assert.ok(r.flag_aa);
  assert.deepEqual(data(r), ['10.96.0.1']);
  assert.equal(r.answers?.[0]?.type === 'A' ? r.answers[0].ttl : 0, 5);
  assert.deepEqual(data(await query('WEB.ns-1.SVC.cluster.local', 'A', { tcp: true })), ['10.96.0.20']);
  const aaaa = await query('web.ns-1.svc.cluster.local', 'AAAA');
  assert.equal(aaaa.rcode, 'NOERROR');
  assert.deepEqual(aaaa.answers, []);
  assert.equal(aaaa.authorities?.[0]?.type, 'SOA');
});

test('names in the zone that do not exist: NXDOMAIN with the SOA', async () => {
  for (const name of ['nope.ns-1.svc.cluster.local', 'web.other.svc.cluster.local', 'x.web.ns-1.svc.cluster.local', 'foo.cluster.local']) {
    const r = await query(name, 'A');
    assert.equal(r.rcode, 'NXDOMAIN', name);
    const soa = r.authorities?.[0];
    assert.equal(soa?.type, 'SOA');
    assert.equal(soa?.type === 'SOA' ? soa.data.mname : '', 'ns.dns.cluster.local');
  }
});

test('a headless Service: one A per ready endpoint, hostnames, SRV per endpoint with targets', async () => {
  assert.deepEqual((data(await query('db.ns-1.svc.cluster.local', 'A')) as string[]).sort(), ['10.244.0.11', '10.244.0.12']);
  assert.deepEqual(data(await query('db-0.db.ns-1.svc.cluster.local', 'A')), ['10.244.0.11']);
  assert.deepEqual(data(await query('10-244-0-12.db.ns-1.svc.cluster.local', 'A')), ['10.244.0.12']);
  assert.equal((await query('db-2.db.ns-1.svc.cluster.local', 'A')).rcode, 'NXDOMAIN'); // not ready
  const srv = await query('_pg._tcp.db.ns-1.svc.cluster.local', 'SRV');
  const targets = (srv.answers ?? []).map((a) => (a.type === 'SRV' ? `${a.data.target}:${a.data.port}` : '')).sort();
  assert.deepEqual(targets, ['10-244-0-12.db.ns-1.svc.cluster.local:5432', 'db-0.db.ns-1.svc.cluster.local:5432']);
  assert.deepEqual((srv.additionals ?? []).filter((a) => a.type === 'A').map((a) => a.name).sort(), ['10-244-0-12.db.ns-1.svc.cluster.local', 'db-0.db.ns-1.svc.cluster.local']);
});

test('SRV for a named port of a ClusterIP Service; unknown port NXDOMAIN', async () => {
  const srv = await query('_http._tcp.web.ns-1.svc.cluster.local', 'SRV');
  assert.deepEqual(srv.answers?.map((a) => (a.type === 'SRV' ? a.data : undefined)), [{ priority: 0, weight: 100, port: 80, target: 'web.ns-1.svc.cluster.local' }]);
  assert.deepEqual(data({ ...srv, answers: srv.additionals ?? [] } as dnsPacket.DecodedPacket), ['10.96.0.20']);
  assert.equal((await query('_grpc._tcp.web.ns-1.svc.cluster.local', 'SRV')).rcode, 'NXDOMAIN');
  assert.equal((await query('_http._udp.web.ns-1.svc.cluster.local', 'SRV')).rcode, 'NXDOMAIN');
});

test('ExternalName is a CNAME; pod names resolve to their dashed address; PTR for cluster IPs and endpoints', async () => {
  const ext = await query('ext.ns-1.svc.cluster.local', 'A');
  assert.deepEqual(ext.answers?.map((a) => [a.type, 'data' in a ? a.data : '']), [['CNAME', 'example.org']]);
  assert.deepEqual(data(await query('10-244-0-7.ns-1.pod.cluster.local', 'A')), ['10.244.0.7']);
  assert.equal((await query('10-244-0-999.ns-1.pod.cluster.local', 'A')).rcode, 'NXDOMAIN');
  assert.deepEqual(data(await query('20.0.96.10.in-addr.arpa', 'PTR')), ['web.ns-1.svc.cluster.local']);
  assert.deepEqual(data(await query('11.0.244.10.in-addr.arpa', 'PTR')), ['db-0.db.ns-1.svc.cluster.local']);
});

test('names outside the cluster go to the host resolver unchanged', async () => {
  const r = await query('deb.debian.org', 'A');
  assert.deepEqual(data(r), ['192.0.2.99']);
  assert.ok(upstreamQuestions.includes('deb.debian.org'));
  // An unknown reverse address is not ours either.
  await query('1.2.0.192.in-addr.arpa', 'PTR');
  assert.ok(upstreamQuestions.includes('1.2.0.192.in-addr.arpa'));
});

test('changes arrive through the informers', async () => {
  feed.put(servicesPath, svc('ns-2', 'late', { clusterIP: '10.96.0.77', clusterIPs: ['10.96.0.77'], ports: [{ port: 80 }] }));
  let r = await query('late.ns-2.svc.cluster.local', 'A');
  for (let i = 0; i < 50 && r.rcode !== 'NOERROR'; i++) {
    await new Promise((res) => setTimeout(res, 20));
    r = await query('late.ns-2.svc.cluster.local', 'A');
  }
  assert.deepEqual(data(r), ['10.96.0.77']);
  feed.remove(servicesPath, 'ns-2', 'late');
  for (let i = 0; i < 50 && r.rcode !== 'NXDOMAIN'; i++) {
    await new Promise((res) => setTimeout(res, 20));
    r = await query('late.ns-2.svc.cluster.local', 'A');
  }
  assert.equal(r.rcode, 'NXDOMAIN');
});

test('garbage and oversized answers: FORMERR for junk, TC over UDP when the answer does not fit', async () => {
  const port = server.addresses[0]!.port;
  const junk = Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);
  const reply = await new Promise<Buffer>((resolve) => {
    const sock = createSocket('udp4');
    sock.on('message', (m) => {
      sock.close();
      resolve(m);
    });
    sock.send(junk, port, '127.0.0.1');
  });
  assert.equal(reply.readUInt16BE(0), 0x1234);
  assert.equal(reply.readUInt16BE(2) & 0xf, 1);
  const many = Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.244.1.${i + 1}`], conditions: { ready: true } }));
  feed.put(servicesPath, svc('ns-3', 'big', { clusterIP: 'None', ports: [{ name: 'x', port: 1 }] }));
  feed.put(slicesPath, slice('ns-3', 'big', [{ name: 'x', port: 1, protocol: 'TCP' }], many));
  let udp = await query('big.ns-3.svc.cluster.local', 'A');
  for (let i = 0; i < 50 && !udp.flag_tc; i++) {
    await new Promise((res) => setTimeout(res, 20));
    udp = await query('big.ns-3.svc.cluster.local', 'A');
  }
  assert.ok(udp.flag_tc);
  assert.equal((await query('big.ns-3.svc.cluster.local', 'A', { tcp: true })).answers?.length, 60);
  assert.equal((await query('big.ns-3.svc.cluster.local', 'A', { edns: true })).answers?.length, 60);
});

test('upstreams come from the host resolv.conf, never the cluster DNS itself', () => {
  assert.deepEqual(hostUpstreams('nameserver 10.96.0.10\nnameserver 127.0.0.53\n# nameserver 9.9.9.9\nnameserver 10.244.0.1\n', ['10.244.0.1', '10.96.0.10']), ['127.0.0.53']);
});
