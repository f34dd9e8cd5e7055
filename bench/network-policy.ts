// `npm run bench -- network-policy [--quick] [--runs N]`: what enforcing NetworkPolicy costs, in network
// namespaces of the benchmark's own (nothing on the host changes):
//  1. the policy agent's sync that writes every policy at once, for S and 4×S local pods (10 namespaces, a default
//     deny and 20 allow policies in each, peers by pod and namespace selectors, named ports), with IP sets against
//     the baseline in the same run: the same agent writing one rule per address (as on a host without ipset). Per
//     mode: rules written, set members, sync time split into compute (resolve + build, in slices on the event
//     loop) and iptables/ipset, the longest the event loop was held during the sync, and growth S → 4×S (4.0 is
//     linear). Then the cost of one pod joining at 4×S: the sync time and the bytes each tool was given.
//  2. the per-connection cost: pod → pod HTTP round trip (new connection each) with no policy (the floor)
//     against the same with the server policied.
// Medians over the runs. Needs root.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { KubeObject } from '../src/api/object.js';
import { cniConfList } from '../src/kubelet/network/cni-config.js';
import type { Runner } from '../src/kubelet/network/command.js';
import { hostIptables, type Iptables } from '../src/kubelet/network/iptables.js';
import { hostIpset, setsOf, type Ipset } from '../src/kubelet/network/ipset.js';
import { setUpPodNetwork } from '../src/kubelet/network/pod-network.js';
import { PolicyAgent } from '../src/kubelet/network/policy/agent.js';
import { isPolicySet } from '../src/kubelet/network/policy/rules.js';
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

const policiesPath = '/apis/networking.k8s.io/v1/networkpolicies';

/** Time spent in a tool (saves and restores), and bytes given to its restores. */
interface Io {
  ms: number;
  bytes: number;
}

async function timed<T>(io: Io, f: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await f();
  } finally {
    io.ms += performance.now() - t;
  }
}

const timedIptables = (inner: Iptables, io: Io): Iptables => ({
  save: (t) => timed(io, () => inner.save(t)),
  restore: (text) => ((io.bytes += text.length), timed(io, () => inner.restore(text))),
});
const timedIpset = (inner: Ipset, io: Io): Ipset => ({
  save: () => timed(io, () => inner.save()),
  restore: (text) => ((io.bytes += text.length), timed(io, () => inner.restore(text))),
});

type Mode = 'sets' | 'per-address';
const modes: Mode[] = ['sets', 'per-address'];
interface SyncFigures {
  total: number;
  compute: number;
  iptables: number;
  ipset: number;
  /** The longest the event loop was held during the sync (ms): wall time, and CPU time of the process. */
  blocked: number;
  blockedCpu: number;
  rules: number;
  members: number;
  /** One pod joining: sync time and bytes given to iptables-restore / ipset restore. */
  joinMs: number;
  joinIptablesBytes: number;
  joinIpsetBytes: number;
}

/**
 * The longest stretch the event loop was held, two ways: wall time between turns (monitorEventLoopDelay: on a
 * busy machine it includes time the process waited for a CPU), and CPU time the process used between two turns
 * of a 1 ms timer (what a-kube's own work held it for).
 */
function loopHold(): { stop(): { wallMs: number; cpuMs: number } } {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  let cpuMax = 0;
  let last = process.cpuUsage();
  const timer = setInterval(() => {
    const d = process.cpuUsage(last);
    cpuMax = Math.max(cpuMax, (d.user + d.system) / 1000);
    last = process.cpuUsage();
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      delay.disable();
      return { wallMs: delay.max / 1e6, cpuMs: cpuMax };
    },
  };
}

/**
 * The agent starts on a cluster without policies; then every policy arrives at once and one sync writes them
 * (the figure), and then one more client pod arrives (the join figure).
 */
async function syncCost(lab: NetLab, count: number, mode: Mode, run: number): Promise<SyncFigures> {
  const ns = await lab.netns(`${mode === 'sets' ? 's' : 'a'}${count}r${run}`);
  const runner = lab.runner(ns);
  const ipt: Io = { ms: 0, bytes: 0 };
  const set: Io = { ms: 0, bytes: 0 };
  const feed = new FakeFeed();
  namespaces.forEach((n, i) => feed.put('/api/v1/namespaces', nsObject(n, i)));
  for (let i = 0; i < count; i++) feed.put('/api/v1/pods', podObject(i));
  let synced: ((ms: number) => void) | undefined;
  const nextSync = () => new Promise<number>((r) => (synced = r));
  const agent = new PolicyAgent({
    client: feed,
    nodeName: 'node',
    bridge: 'aktp0',
    iptables: timedIptables(hostIptables(runner), ipt),
    ipset: mode === 'sets' ? timedIpset(hostIpset(runner), set) : false,
    run: runner,
    minSyncPeriodMs: 10,
    onSync: (_p, ms) => synced?.(ms),
  });
  const stop = new AbortController();
  lab.defer(() => stop.abort());
  await agent.start(stop.signal);
  lab.defer(() => agent.stop());
  ipt.ms = set.ms = 0;
  let next = nextSync();
  for (const p of policyObjects()) feed.put(policiesPath, p);
  // The puts above are the benchmark's own work; the sync starts after the minimum sync period.
  const hold = loopHold();
  const total = await next;
  const held = hold.stop();
  const figures = { total, iptables: ipt.ms, ipset: set.ms, compute: total - ipt.ms - set.ms, blocked: held.wallMs, blockedCpu: held.cpuMs };
  const rules = (await lab.exec(ns, 'iptables-save', ['-t', 'filter'])).stdout.split('\n').filter((l) => l.startsWith('-A AKUBE-')).length;
  const members = mode === 'sets' ? [...setsOf((await lab.exec(ns, 'ipset', ['save'])).stdout, isPolicySet).values()].reduce((n, m) => n + m.size, 0) : 0;
  ipt.bytes = set.bytes = 0;
  next = nextSync();
  feed.put('/api/v1/pods', { ...podObject(count + 1), metadata: { namespace: 'ns-1', name: 'joining', labels: { app: 'app-1', role: 'client' } } });
  const joinMs = await next;
  return { ...figures, rules, members, joinMs, joinIptablesBytes: ipt.bytes, joinIpsetBytes: set.bytes };
}

const httpScript = (target: string, port: number, total: number) => `
const http = require('node:http'); const lat = []; let n = 0;
function one() { const t = performance.now(); http.get({ host: '${target}', port: ${port}, agent: false }, (r) => { r.resume(); r.on('end', () => { lat.push(performance.now() - t); if (++n < ${total}) one(); else { lat.sort((a, b) => a - b); console.log(JSON.stringify({ p50: lat[Math.floor(lat.length / 2)] })); } }); }).on('error', (e) => { console.error(e.message); process.exit(1); }); }
one();`;

async function main(): Promise<void> {
  const lab = new NetLab();
  try {
    const sync = new Map<string, SyncFigures[]>();
    for (let r = 0; r < runs; r++) {
      for (const count of sizes) {
        for (const mode of modes) {
          const m = await syncCost(lab, count, mode, r);
          sync.set(`${mode} ${count}`, [...(sync.get(`${mode} ${count}`) ?? []), m]);
          say(`${mode} ${count} pods run ${r + 1}: sync ${m.total.toFixed(0)} ms (compute ${m.compute.toFixed(0)}, iptables ${m.iptables.toFixed(0)}, ipset ${m.ipset.toFixed(0)}), event loop held ≤ ${m.blocked.toFixed(1)} ms (CPU ${m.blockedCpu.toFixed(1)} ms), ${m.rules} rules, ${m.members} set members; a pod joins: ${m.joinMs.toFixed(0)} ms`);
        }
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
    for (const p of policyObjects()) feed.put(policiesPath, p);
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
    const med = (mode: Mode, n: number, k: keyof SyncFigures) => median((sync.get(`${mode} ${n}`) ?? []).map((f) => f[k]));
    const [a = 0, b = 0] = sizes;
    console.log('\nNetwork-policy sync, every policy written at once (10 namespaces × (default deny + 20 allows); median of runs):');
    console.log('  mode         pods   rules   set members  sync ms  compute ms  iptables ms  ipset ms  loop held: wall ms  CPU ms');
    for (const n of sizes) {
      for (const mode of modes) {
        const row = [mode.padEnd(12), String(n).padEnd(6), fmt(med(mode, n, 'rules')).padEnd(7), fmt(med(mode, n, 'members')).padEnd(12), fmt(med(mode, n, 'total')).padEnd(8), fmt(med(mode, n, 'compute')).padEnd(11), fmt(med(mode, n, 'iptables')).padEnd(12), fmt(med(mode, n, 'ipset')).padEnd(9), fmt(med(mode, n, 'blocked')).padEnd(18), fmt(med(mode, n, 'blockedCpu'))];
        console.log(`  ${row.join(' ')}`);
      }
      console.log(`  ${n} pods, per-address / sets: rules ×${fmt(med('per-address', n, 'rules') / med('sets', n, 'rules'))}, sync ×${fmt(med('per-address', n, 'total') / med('sets', n, 'total'))}, loop held (CPU) ×${fmt(med('per-address', n, 'blockedCpu') / med('sets', n, 'blockedCpu'))}`);
    }
    for (const mode of modes) console.log(`  growth ${a} → ${b} pods (×4), ${mode}: rules ×${fmt(med(mode, b, 'rules') / med(mode, a, 'rules'))}, sync ×${fmt(med(mode, b, 'total') / med(mode, a, 'total'))}`);
    console.log(`\nOne pod joining at ${b} pods (median of runs):`);
    for (const mode of modes) console.log(`  ${mode.padEnd(12)} sync ${fmt(med(mode, b, 'joinMs'))} ms, iptables-restore given ${fmt(med(mode, b, 'joinIptablesBytes'))} bytes, ipset restore given ${fmt(med(mode, b, 'joinIpsetBytes'))} bytes`);
    console.log(`\nHTTP round trip pod → pod, new connection each (median of ${runs} runs of ${total}):`);
    console.log(`  no policy (floor)                                  ${fmt(median(floor))} ms`);
    console.log(`  server policied (sets), ${entries} AKUBE-POLICY rules   ${fmt(median(policied))} ms`);
    console.log(`  ratio ×${(median(policied) / median(floor)).toFixed(2)}`);
  } finally {
    await lab.cleanup();
  }
}

await main();
