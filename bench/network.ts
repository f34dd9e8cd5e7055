// `npm run bench -- network [--quick] [--runs N]`: the pod network's costs, measured in network namespaces of
// the benchmark's own (nothing on the host changes):
//  1. service-proxy sync: building the rules (whole, and with the restore text in slices as the proxy does, with
//     the longest event-loop stall) and one iptables-restore for 1,000 Services × 10 endpoints, then 5,000 × 10
//     (growth ratio; 5.0 is linear): the first sync, the same without its leading -S (1,000 only), and a
//     steady-state sync after one change, against the legacy backend restoring the same text;
//  2. cluster DNS from inside a pod through the kube-dns Service IP, against a bare UDP responder on the same
//     node address answering a fixed reply (the floor of any resolver here) and, when installed, Debian's
//     dnsmasq answering the same name from its own table: queries/s and p99;
//  3. pod → Service HTTP round trip (new connection each, through DNAT) against pod → pod IP (the floor).
// Medians over the runs. Needs root.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as dnsPacket from 'dns-packet';
import type { KubeObject } from '../src/api/object.js';
import { cniConfList } from '../src/kubelet/network/cni-config.js';
import { hostIptables } from '../src/kubelet/network/iptables.js';
import { setUpPodNetwork } from '../src/kubelet/network/pod-network.js';
import type { ServicePort } from '../src/kubelet/network/proxy/model.js';
import { ServiceProxy } from '../src/kubelet/network/proxy/proxier.js';
import { buildRules, buildRulesInSlices, restoreText, restoreTextInSlices } from '../src/kubelet/network/proxy/rules.js';
import { fileURLToPath } from 'node:url';
import { FakeFeed } from '../test/unit/kubelet/network/fake-feed.js';
import { NetLab, echoServerScript, netnsUnavailable } from '../test/unit/kubelet/network/netlab.js';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean' }, runs: { type: 'string' }, sizes: { type: 'string' } }, strict: true });
const quick = flags.quick ?? false;
const runs = Number(flags.runs ?? (quick ? 1 : 3));
// Service counts for the sync figures (10 endpoints each).
const sizes = (flags.sizes ?? (quick ? '250,500' : '1000,5000')).split(',').map(Number);
if (sizes.length !== 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--sizes takes two counts, e.g. 1000,5000');
const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const why = netnsUnavailable();
if (why) {
  say(`skipped: ${why}`);
  process.exit(0);
}

function servicePortsFor(count: number, endpoints: number, salt = 0): ServicePort[] {
  const out: ServicePort[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      namespace: `ns-${i % 50}`,
      name: `svc-${i}`,
      portName: 'http',
      protocol: 'TCP',
      clusterIPs: [`10.96.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`],
      port: 80,
      externalIPs: [],
      externalPolicyLocal: false,
      internalPolicyLocal: false,
      endpoints: Array.from({ length: endpoints }, (_, e) => {
        const n = i * endpoints + e + (i === 0 ? salt : 0);
        return { ip: `10.244.${Math.floor(n / 250) % 256}.${(n % 250) + 2}`, port: 8080, ready: true, serving: true, terminating: false, local: true };
      }),
    });
  }
  return out;
}

interface SyncFigures {
  build: number;
  sliced: number;
  stall: number;
  first: number;
  unlisted: number;
  steady: number;
  legacy: number;
  rules: number;
}

async function proxySync(lab: NetLab, count: number, run: number): Promise<SyncFigures> {
  const host = await lab.netns(`p${count}r${run}`);
  const ipt = hostIptables(lab.runner(host));
  const ports = servicePortsFor(count, 10);
  let t = performance.now();
  const first = buildRules(ports, { clusterCidr: '10.244.0.0/16' });
  const build = performance.now() - t;
  // The proxy's build and restore text: in slices, with the longest the event loop waited meanwhile.
  let last = performance.now();
  let stall = 0;
  const tick = setInterval(() => {
    stall = Math.max(stall, performance.now() - last);
    last = performance.now();
  }, 1);
  t = performance.now();
  await restoreTextInSlices((await buildRulesInSlices(ports, { clusterCidr: '10.244.0.0/16' })).contents, undefined, undefined);
  const sliced = performance.now() - t;
  clearInterval(tick);
  stall = Math.max(stall, performance.now() - last);
  // The first sync as the proxy writes it: everything in one iptables-restore (with -S, see wholeTableCacheFrom).
  const text = restoreText(first.contents, undefined, undefined);
  t = performance.now();
  await ipt.restore(text);
  const firstMs = performance.now() - t;
  // Steady state as the proxy syncs: one endpoint of one Service changed, only the changed chains written.
  const changed = buildRules(servicePortsFor(count, 10, 1), { clusterCidr: '10.244.0.0/16', previous: first.chains });
  t = performance.now();
  await ipt.restore(restoreText(changed.contents, first.contents, first.chains));
  const steady = performance.now() - t;
  // The same first sync without the leading -S (iptables-nft's chain-name list, quadratic): only up to
  // 1,000 Services, beyond that it takes minutes.
  let unlisted = NaN;
  if (count <= 1000) {
    const ns = await lab.netns(`u${count}r${run}`);
    t = performance.now();
    await lab.exec(ns, 'iptables-restore', ['--noflush'], text.replace('*nat\n-S\n', '*nat\n'));
    unlisted = performance.now() - t;
  }
  // Baseline: the same full text through the legacy (x_tables) backend, in a namespace of its own.
  const legacyNs = await lab.netns(`l${count}r${run}`);
  t = performance.now();
  await lab.exec(legacyNs, 'iptables-legacy-restore', ['--noflush'], text);
  const legacy = performance.now() - t;
  return { build, sliced, stall, first: firstMs, unlisted, steady, legacy, rules: first.counts.rules };
}

// A fixed A question for web.ns-1.svc.cluster.local (id 0, RD).
const queryHex = dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'web.ns-1.svc.cluster.local' }] }).toString('hex');

const loadScript = (kind: 'dns' | 'http', target: string, port: number, total: number, concurrency: number) => `
const dgram = require('node:dgram'); const http = require('node:http');
const lat = []; let sent = 0, done = 0, errors = 0; const start = performance.now();
const q = Buffer.from('${queryHex}', 'hex');
function one() {
  if (sent >= ${total}) return; sent++; const t = performance.now();
  const fin = (ok) => { if (ok) lat.push(performance.now() - t); else errors++; done++; if (done === ${total}) report(); else one(); };
  ${
    kind === 'dns'
      ? `const s = dgram.createSocket('udp4'); const timer = setTimeout(() => { s.close(); fin(false); }, 2000);
  s.on('message', () => { clearTimeout(timer); s.close(); fin(true); }); s.send(q, ${port}, '${target}');`
      : `http.get({ host: '${target}', port: ${port}, agent: false }, (r) => { r.resume(); r.on('end', () => fin(true)); }).on('error', () => fin(false));`
  }
}
function report() { const s = lat.sort((a, b) => a - b); const secs = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ qps: s.length / secs, p50: s[Math.floor(s.length * 0.5)], p99: s[Math.floor(s.length * 0.99)], errors })); }
for (let i = 0; i < ${concurrency}; i++) one();
`;

function dnsmasqVersion(): string {
  return /version (\S+)/.exec(spawnSync('dnsmasq', ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? '';
}

async function inPod(lab: NetLab, ns: string, script: string): Promise<{ qps: number; p50: number; p99: number; errors: number }> {
  return JSON.parse((await lab.exec(ns, process.execPath, ['-e', script])).stdout) as { qps: number; p50: number; p99: number; errors: number };
}

async function main(): Promise<void> {
  const lab = new NetLab();
  try {
    // 1. Proxy sync.
    const keys = ['build', 'sliced', 'stall', 'first', 'unlisted', 'steady', 'legacy'] as const;
    type Key = (typeof keys)[number];
    const sync: Record<number, Record<Key, number[]> & { rules: number }> = {};
    for (let r = 0; r < runs; r++) {
      for (const count of sizes) {
        const m = await proxySync(lab, count, r);
        const s = (sync[count] ??= { build: [], sliced: [], stall: [], first: [], unlisted: [], steady: [], legacy: [], rules: m.rules });
        for (const k of keys) s[k].push(m[k]);
        say(`proxy sync ${count} services run ${r + 1}: build ${m.build.toFixed(0)} ms (sliced with text ${m.sliced.toFixed(0)} ms, longest stall ${m.stall.toFixed(0)} ms), one restore ${m.first.toFixed(0)} ms, without -S ${m.unlisted.toFixed(0)} ms, one change ${m.steady.toFixed(0)} ms, legacy backend ${m.legacy.toFixed(0)} ms`);
      }
    }

    // 2 and 3: a node namespace with the pod network, the proxy and the DNS server; pods on the bridge.
    const host = await lab.netns('node');
    const ipt = hostIptables(lab.runner(host));
    const net = await setUpPodNetwork({ bridge: 'aktb0', podCidr: '10.244.0.0/24', clusterCidr: '10.244.0.0/16', run: lab.runner(host), iptables: ipt, lockPath: null });
    lab.defer(() => net.teardown());
    const conf = cniConfList({ podCidr: '10.244.0.0/24', bridge: 'aktb0', ipamDataDir: `${lab.dir}/ipam` });
    const client = await lab.netns('client');
    const server = await lab.netns('server');
    await lab.cniAdd(host, client, conf, `${lab.tag}-client`);
    const serverIP = (await lab.cniAdd(host, server, conf, `${lab.tag}-server`)).ips[0]!.address.split('/')[0]!;
    await lab.serve(server, echoServerScript('server', 8080));

    const feed = new FakeFeed();
    const svc = (ns: string, name: string, ip: string, ports: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { clusterIP: ip, clusterIPs: [ip], ports } });
    const slice = (ns: string, name: string, ip: string, ports: unknown[]): KubeObject => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': name } }, addressType: 'IPv4', ports, endpoints: [{ addresses: [ip], conditions: { ready: true } }] });
    const dnsPorts = [{ name: 'dns', port: 53, protocol: 'UDP' }];
    feed.put('/api/v1/services', svc('kube-system', 'kube-dns', '10.96.0.10', dnsPorts));
    feed.put('/apis/discovery.k8s.io/v1/endpointslices', slice('kube-system', 'kube-dns', '10.244.0.1', dnsPorts));
    feed.put('/api/v1/services', svc('ns-1', 'web', '10.96.0.20', [{ name: 'http', port: 80, protocol: 'TCP' }]));
    feed.put('/apis/discovery.k8s.io/v1/endpointslices', slice('ns-1', 'web', serverIP, [{ name: 'http', port: 8080, protocol: 'TCP' }]));
    for (let i = 0; i < 1000; i++) feed.put('/api/v1/services', svc(`ns-${i % 20}`, `filler-${i}`, `10.97.${Math.floor(i / 250)}.${(i % 250) + 1}`, [{ port: 80 }]));
    const stop = new AbortController();
    lab.defer(() => stop.abort());
    const proxy = new ServiceProxy({ client: feed, nodeName: 'node', clusterCidr: '10.244.0.0/16', iptables: ipt });
    await proxy.start(stop.signal);
    lab.defer(() => proxy.stop());
    await lab.serve(host, `require('node:dgram').createSocket('udp4').on('message', function (m, r) { const b = Buffer.from(m); b[2] |= 0x80; this.send(b, r.port, r.address); }).bind(5353, '10.244.0.1', () => console.log('ready'))`);
    // The DNS server runs inside the node namespace (a socket belongs to the namespace of its process).
    await lab.serveNode(host, ['--import', 'tsx', fileURLToPath(new URL('./lib/dns-in-namespace.ts', import.meta.url)), '10.244.0.1', String(1000)]);
    // A real resolver for the same name, when Debian's dnsmasq (dnsmasq-base) is installed: answering from its
    // own table (--host-record), no upstream, on the node address like the floor.
    const dnsmasq = spawnSync('sh', ['-c', 'command -v dnsmasq']).status === 0;
    if (dnsmasq) {
      const args = ['--keep-in-foreground', '--conf-file=/dev/null', '--no-resolv', '--no-hosts', '--bind-interfaces', '--listen-address=10.244.0.1', '--port=5354', '--host-record=web.ns-1.svc.cluster.local,10.96.0.20', '--user=root', '--pid-file=', '--log-facility=-'];
      await lab.start(host, 'dnsmasq', args, 'started');
    } else say('dnsmasq is not installed (apt-get install dnsmasq-base): no real-resolver comparison');

    const total = quick ? 2000 : 10_000;
    const dns: Record<'cluster' | 'floor' | 'dnsmasq', { qps: number; p99: number }[]> = { cluster: [], floor: [], dnsmasq: [] };
    const http: { service: number[]; pod: number[] } = { service: [], pod: [] };
    for (let r = 0; r < runs; r++) {
      dns.floor.push(await inPod(lab, client, loadScript('dns', '10.244.0.1', 5353, total, 16)));
      dns.cluster.push(await inPod(lab, client, loadScript('dns', '10.96.0.10', 53, total, 16)));
      if (dnsmasq) dns.dnsmasq.push(await inPod(lab, client, loadScript('dns', '10.244.0.1', 5354, total, 16)));
      http.pod.push((await inPod(lab, client, loadScript('http', serverIP, 8080, total / 10, 1))).p50);
      http.service.push((await inPod(lab, client, loadScript('http', '10.96.0.20', 80, total / 10, 1))).p50);
      say(`dns/http run ${r + 1} done`);
    }

    const fmt = (n: number) => (Number.isNaN(n) ? 'not measured' : n.toFixed(n < 10 ? 2 : 0));
    const [small = 0, large = 0] = sizes;
    const s1 = sync[small]!;
    const s5 = sync[large]!;
    console.log('\nService proxy sync (10 endpoints per Service; one iptables-restore --noflush per sync; median of runs):');
    console.log('  services  rules    build ms  sliced build+text ms (longest stall)  first sync ms  first sync without -S ms  one change ms  legacy full ms (baseline)');
    for (const [n, s] of [[small, s1], [large, s5]] as const) {
      const sliced = `${fmt(median(s.sliced))} (${fmt(median(s.stall))})`;
      console.log(`  ${String(n).padEnd(9)} ${String(s.rules).padEnd(8)} ${fmt(median(s.build)).padEnd(9)} ${sliced.padEnd(37)} ${fmt(median(s.first)).padEnd(14)} ${fmt(median(s.unlisted)).padEnd(25)} ${fmt(median(s.steady)).padEnd(14)} ${fmt(median(s.legacy))}`);
    }
    const g = (k: Key) => fmt(median(s5[k]) / median(s1[k]));
    console.log(`  growth ${small} → ${large} (×${(large / small).toFixed(2)} services): build ×${g('build')}, first sync ×${g('first')}, one change ×${g('steady')}, legacy ×${g('legacy')}`);
    console.log(`  first sync, nft / legacy: ×${fmt(median(s1.first) / median(s1.legacy))} at ${small}, ×${fmt(median(s5.first) / median(s5.legacy))} at ${large}`);
    if (!Number.isNaN(median(s1.unlisted))) console.log(`  first sync at ${small} without / with -S: ×${fmt(median(s1.unlisted) / median(s1.first))}`);
    const q = (xs: { qps: number; p99: number }[]) => ({ qps: median(xs.map((x) => x.qps)), p99: median(xs.map((x) => x.p99)) });
    const c = q(dns.cluster);
    const f = q(dns.floor);
    console.log('\nDNS from a pod (A web.ns-1.svc.cluster.local, 16 in flight, UDP):');
    console.log(`  cluster DNS via 10.96.0.10   ${fmt(c.qps)} queries/s   p99 ${fmt(c.p99)} ms`);
    console.log(`  bare UDP responder (floor)   ${fmt(f.qps)} queries/s   p99 ${fmt(f.p99)} ms`);
    console.log(`  ratio: ${(c.qps / f.qps).toFixed(2)} of the floor's rate, p99 ×${(c.p99 / f.p99).toFixed(2)}`);
    if (dnsmasq) {
      const d = q(dns.dnsmasq);
      console.log(`  dnsmasq ${dnsmasqVersion()} (same name, its own table)   ${fmt(d.qps)} queries/s   p99 ${fmt(d.p99)} ms`);
      console.log(`  ratio: ${(c.qps / d.qps).toFixed(2)} of dnsmasq's rate, p99 ×${(c.p99 / d.p99).toFixed(2)}`);
    }
    console.log('\nHTTP round trip from a pod, new connection each (median):');
    console.log(`  pod → Service IP  ${fmt(median(http.service))} ms`);
    console.log(`  pod → pod IP      ${fmt(median(http.pod))} ms (floor)`);
    console.log(`  ratio ×${(median(http.service) / median(http.pod)).toFixed(2)}`);
  } finally {
    await lab.cleanup();
  }
}

await main();
