// `npm run bench -- network-policy [--quick] [--runs N]`: what enforcing NetworkPolicy costs, in network
// namespaces of the benchmark's own (nothing on the host changes):
//  1. a policy sync for S and 4×S local pods (10 namespaces, a default deny and 20 allow policies in each, peers
//     by pod and namespace selectors, named ports): resolving + building the rules, and one iptables-restore of
//     them, against the floor: one restore of the same number of plain ACCEPT rules in one chain. Growth ratio
//     S → 4×S (4.0 is linear).
//  2. the per-connection cost: pod → pod HTTP round trip (new connection each) with no policy (the floor)
//     against the same with the server policied, its entry rule behind every other pod's in AKUBE-POLICY.
// Medians over the runs. Needs root.
import { parseArgs } from 'node:util';
import type { KubeObject } from '../src/api/object.js';
import { cniConfList } from '../src/kubelet/network/cni-config.js';
import { hostIptables } from '../src/kubelet/network/iptables.js';
import { setUpPodNetwork } from '../src/kubelet/network/pod-network.js';
import { PolicyAgent } from '../src/kubelet/network/policy/agent.js';
import { podInfo, podPolicies, type PodInfo } from '../src/kubelet/network/policy/model.js';
import { buildPolicyRules, policyRestoreText } from '../src/kubelet/network/policy/rules.js';
import { FakeFeed } from '../test/unit/kubelet/network/fake-feed.js';
import { NetLab, echoServerScript, netnsUnavailable } from '../test/unit/kubelet/network/netlab.js';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean' }, runs: { type: 'string' } }, strict: true });
const quick = flags.quick ?? false;
const runs = Number(flags.runs ?? (quick ? 1 : 3));
const small = quick ? 100 : 250;
const sizes = [small, small * 4];
const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const why = netnsUnavailable();
if (why) {
  say(`skipped: ${why}`);
  process.exit(0);
}

const namespaces = Array.from({ length: 10 }, (_, i) => `ns-${i}`);
const nsObject = (name: string, i: number): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name, team: `t${i % 3}` } } });

function podObject(i: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: namespaces[i % 10]!, name: `pod-${i}`, labels: { app: `app-${i % 20}`, role: i % 2 ? 'client' : 'server' } },
    spec: { nodeName: 'node', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: `10.244.${Math.floor(i / 250) + 1}.${(i % 250) + 2}` },
  };
}

function policyObjects(): KubeObject[] {
  const out: KubeObject[] = [];
  for (const ns of namespaces) {
    out.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: ns, name: 'default-deny' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    for (let k = 0; k < 20; k++) {
      out.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { namespace: ns, name: `allow-${k}` },
        spec: {
          podSelector: { matchLabels: { app: `app-${k}`, role: 'server' } },
          ingress: [{ from: [{ podSelector: { matchLabels: { app: `app-${(k + 1) % 20}` } } }, { namespaceSelector: { matchLabels: { team: `t${k % 3}` } }, podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 'http' }] }],
        },
      });
    }
  }
  return out;
}

interface SyncFigures {
  resolve: number;
  restore: number;
  floor: number;
  rules: number;
}

async function syncCost(lab: NetLab, count: number, run: number): Promise<SyncFigures> {
  const pods = Array.from({ length: count }, (_, i) => podInfo(podObject(i))).filter((p): p is PodInfo => p !== undefined);
  const ctx = { pods, namespaceLabels: new Map(namespaces.map((n, i) => [n, nsObject(n, i).metadata.labels ?? {}])) };
  let t = performance.now();
  const text = policyRestoreText(buildPolicyRules(podPolicies(policyObjects(), ctx, () => true)));
  const resolve = performance.now() - t;
  const rules = text.split('\n').filter((l) => l.startsWith('-A ')).length;
  const ns = await lab.netns(`s${count}r${run}`);
  t = performance.now();
  await lab.exec(ns, 'iptables-restore', ['--noflush'], text);
  const restore = performance.now() - t;
  const floorNs = await lab.netns(`f${count}r${run}`);
  const plain = ['*filter', ':BENCH-FLOOR - [0:0]', ...Array.from({ length: rules }, (_, i) => `-A BENCH-FLOOR -s 10.${Math.floor(i / 65536) % 256}.${Math.floor(i / 256) % 256}.${i % 256}/32 -j ACCEPT`), 'COMMIT', ''].join('\n');
  t = performance.now();
  await lab.exec(floorNs, 'iptables-restore', ['--noflush'], plain);
  const floor = performance.now() - t;
  return { resolve, restore, floor, rules };
}

const httpScript = (target: string, port: number, total: number) => `
const http = require('node:http'); const lat = []; let n = 0;
function one() { const t = performance.now(); http.get({ host: '${target}', port: ${port}, agent: false }, (r) => { r.resume(); r.on('end', () => { lat.push(performance.now() - t); if (++n < ${total}) one(); else { lat.sort((a, b) => a - b); console.log(JSON.stringify({ p50: lat[Math.floor(lat.length / 2)] })); } }); }).on('error', (e) => { console.error(e.message); process.exit(1); }); }
one();`;

async function main(): Promise<void> {
  const lab = new NetLab();
  try {
    const sync: Record<number, { resolve: number[]; restore: number[]; floor: number[]; rules: number }> = {};
    for (let r = 0; r < runs; r++) {
      for (const count of sizes) {
        const m = await syncCost(lab, count, r);
        const s = (sync[count] ??= { resolve: [], restore: [], floor: [], rules: m.rules });
        s.resolve.push(m.resolve);
        s.restore.push(m.restore);
        s.floor.push(m.floor);
        say(`policy sync ${count} pods run ${r + 1}: resolve+build ${m.resolve.toFixed(0)} ms, restore ${m.restore.toFixed(0)} ms, floor ${m.floor.toFixed(0)} ms (${m.rules} rules)`);
      }
    }

    const host = await lab.netns('node');
    const ipt = hostIptables(lab.runner(host));
    const net = await setUpPodNetwork({ bridge: 'aktp0', podCidr: '10.244.0.0/24', clusterCidr: '10.244.0.0/16', run: lab.runner(host), iptables: ipt, lockPath: null });
    lab.defer(() => net.teardown());
    const conf = cniConfList({ podCidr: '10.244.0.0/24', bridge: 'aktp0', ipamDataDir: `${lab.dir}/ipam` });
    const client = await lab.netns('client');
    const server = await lab.netns('server');
    const clientIP = (await lab.cniAdd(host, client, conf, `${lab.tag}-client`)).ips[0]!.address.split('/')[0]!;
    const serverIP = (await lab.cniAdd(host, server, conf, `${lab.tag}-server`)).ips[0]!.address.split('/')[0]!;
    await lab.serve(server, echoServerScript('server', 8080));
    const total = quick ? 200 : 1000;
    const floor: number[] = [];
    const policied: number[] = [];
    // A first round warms ARP, the server and the JIT; its figure is dropped.
    await lab.exec(client, process.execPath, ['-e', httpScript(serverIP, 8080, 100)]);
    for (let r = 0; r < runs; r++) floor.push((JSON.parse((await lab.exec(client, process.execPath, ['-e', httpScript(serverIP, 8080, total)])).stdout) as { p50: number }).p50);

    const feed = new FakeFeed();
    namespaces.forEach((n, i) => feed.put('/api/v1/namespaces', nsObject(n, i)));
    feed.put('/api/v1/namespaces', nsObject('zz', 0));
    for (let i = 0; i < sizes[1]!; i++) feed.put('/api/v1/pods', podObject(i));
    for (const p of policyObjects()) feed.put('/apis/networking.k8s.io/v1/networkpolicies', p);
    const real = (name: string, ip: string, labels: Record<string, string>): KubeObject => ({ ...podObject(0), metadata: { namespace: 'zz', name, labels }, status: { phase: 'Running', podIP: ip } });
    feed.put('/api/v1/pods', real('zz-client', clientIP, { app: 'client' }));
    feed.put('/api/v1/pods', real('zz-server', serverIP, { app: 'server' }));
    feed.put('/apis/networking.k8s.io/v1/networkpolicies', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'zz', name: 'server' }, spec: { podSelector: { matchLabels: { app: 'server' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 8080 }] }] } });
    const stop = new AbortController();
    lab.defer(() => stop.abort());
    const agent = new PolicyAgent({ client: feed, nodeName: 'node', bridge: 'aktp0', iptables: ipt, run: lab.runner(host) });
    await agent.start(stop.signal);
    lab.defer(() => agent.stop());
    const entries = (await ipt.save('filter')).split('\n').filter((l) => l.startsWith('-A AKUBE-POLICY ')).length;
    for (let r = 0; r < runs; r++) policied.push((JSON.parse((await lab.exec(client, process.execPath, ['-e', httpScript(serverIP, 8080, total)])).stdout) as { p50: number }).p50);

    const fmt = (n: number) => (Number.isNaN(n) ? 'not measured' : n.toFixed(n < 10 ? 2 : 0));
    const [a = 0, b = 0] = sizes;
    console.log('\nNetwork-policy sync (10 namespaces × (default deny + 20 allows); median of runs):');
    console.log('  pods   rules    resolve+build ms  one restore ms  floor: restore of as many plain rules ms  restore / floor');
    for (const n of sizes) {
      const s = sync[n]!;
      console.log(`  ${String(n).padEnd(6)} ${String(s.rules).padEnd(8)} ${fmt(median(s.resolve)).padEnd(17)} ${fmt(median(s.restore)).padEnd(15)} ${fmt(median(s.floor)).padEnd(40)} ×${fmt(median(s.restore) / median(s.floor))}`);
    }
    const g = (k: 'resolve' | 'restore' | 'floor') => fmt(median(sync[b]![k]) / median(sync[a]![k]));
    console.log(`  growth ${a} → ${b} pods (×4): resolve+build ×${g('resolve')}, restore ×${g('restore')}, floor ×${g('floor')}`);
    console.log(`\nHTTP round trip pod → pod, new connection each (median of ${runs} runs of ${total}):`);
    console.log(`  no policy (floor)                                  ${fmt(median(floor))} ms`);
    console.log(`  server policied, ${entries} AKUBE-POLICY entries ahead   ${fmt(median(policied))} ms`);
    console.log(`  ratio ×${(median(policied) / median(floor)).toFixed(2)}`);
  } finally {
    await lab.cleanup();
  }
}

await main();
