// Container probes (the kubelet's prober): exec through the runtime, httpGet, tcpSocket and grpc against the pod IP.
// Each probe keeps its own schedule (initialDelaySeconds, periodSeconds) and thresholds; the pod's sync runs
// the ones that are due and says when the next is.
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { arr, rec, str } from '../api/pod-util.js';
import type { RuntimeService } from './runtime/types.js';
import { grpcProbe } from './probe-grpc.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface ProbeResult {
  ok: boolean;
  /** Why it failed, as the Unhealthy event says it. */
  output: string;
}

interface ProbeTrack {
  lastRun?: number;
  successes: number;
  failures: number;
  /** The probe's verdict after its thresholds. */
  passing: boolean;
}

/** Probe state of one container instance (reset when the container is replaced). */
export interface ContainerProbes {
  containerId: string;
  startedAt: number;
  tracks: Partial<Record<ProbeKind, ProbeTrack>>;
}

function int(v: unknown, dflt: number, min: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min ? v : dflt;
}

export interface ProbeTarget {
  runtime: RuntimeService;
  containerId: string;
  podIP: string;
  container: Record<string, unknown>;
}

function resolvePort(port: unknown, container: Record<string, unknown>): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  const named = arr(container['ports']).find((p) => p['name'] === port);
  return typeof named?.['containerPort'] === 'number' ? named['containerPort'] : undefined;
}

function httpProbe(spec: Record<string, unknown>, t: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const port = resolvePort(spec['port'], t.container);
  if (port === undefined) return Promise.resolve({ ok: false, output: `unknown port ${JSON.stringify(spec['port'])}` });
  const host = str(spec['host'], t.podIP);
  const scheme = str(spec['scheme'], 'HTTP').toUpperCase();
  const path = str(spec['path'], '/');
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
  for (const h of arr(spec['httpHeaders'])) if (typeof h['name'] === 'string' && /^[!#-'*+.^-`|~0-9A-Za-z-]+$/.test(h['name'])) headers[h['name']] = str(h['value']);
  const url = `${scheme === 'HTTPS' ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}${path.startsWith('/') ? path : `/${path}`}`;
  return new Promise((resolve) => {
    const req = (scheme === 'HTTPS' ? httpsRequest : httpRequest)(url, { method: 'GET', headers, timeout: timeoutMs, ...(scheme === 'HTTPS' ? { rejectUnauthorized: false } : {}) }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? { ok: true, output: '' } : { ok: false, output: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on('timeout', () => req.destroy(new Error(`Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)));
    req.on('error', (e) => resolve({ ok: false, output: e.message.startsWith('Get "') ? e.message : `Get "${url}": ${e.message}` }));
    req.end();
  });
}

function tcpProbe(spec: Record<string, unknown>, t: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const port = resolvePort(spec['port'], t.container);
  if (port === undefined) return Promise.resolve({ ok: false, output: `unknown port ${JSON.stringify(spec['port'])}` });
  const host = str(spec['host'], t.podIP);
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    sock.once('connect', () => {
      sock.destroy();
      resolve({ ok: true, output: '' });
    });
    sock.once('timeout', () => {
      sock.destroy();
      resolve({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` });
    });
    sock.once('error', (e) => resolve({ ok: false, output: `dial tcp ${host}:${port}: ${e.message}` }));
  });
}

/** Runs one probe once. */
export async function runProbe(probe: Record<string, unknown>, t: ProbeTarget): Promise<ProbeResult> {
  const timeoutSeconds = int(probe['timeoutSeconds'], 1, 1);
  if (probe['exec'] !== undefined) {
    const cmd = rec(probe['exec'])['command'];
    if (!Array.isArray(cmd) || cmd.length === 0) return { ok: false, output: 'exec probe without a command' };
    try {
      const r = await t.runtime.execSync(t.containerId, cmd.map(String), timeoutSeconds);
      const out = Buffer.concat([r.stdout, r.stderr]).toString('utf8').slice(0, 10_240);
      return r.exitCode === 0 ? { ok: true, output: out } : { ok: false, output: out || `command ${JSON.stringify(cmd.map(String))} exited with ${r.exitCode}` };
    } catch (e) {
      return { ok: false, output: e instanceof Error ? e.message : String(e) };
    }
  }
  if (probe['httpGet'] !== undefined) return httpProbe(rec(probe['httpGet']), t, timeoutSeconds * 1000);
  if (probe['tcpSocket'] !== undefined) return tcpProbe(rec(probe['tcpSocket']), t, timeoutSeconds * 1000);
  if (probe['grpc'] !== undefined) {
    const g = rec(probe['grpc']);
    const port = g['port'];
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return { ok: false, output: `invalid grpc port ${JSON.stringify(port)}` };
    return grpcProbe(t.podIP, port, str(g['service']), timeoutSeconds * 1000);
  }
  return { ok: false, output: 'probe has no handler this node knows (exec, httpGet, tcpSocket, grpc)' };
}

const probeField: Record<ProbeKind, string> = { liveness: 'livenessProbe', readiness: 'readinessProbe', startup: 'startupProbe' };

export interface ProbeOutcome {
  /** Readiness verdict (true without a readiness probe). */
  ready: boolean;
  /** Startup verdict (true without a startup probe). */
  started: boolean;
  /** Set when liveness or startup failed past its threshold: the container must be restarted. */
  restart?: { kind: 'liveness' | 'startup'; output: string };
  /** Unhealthy events to record. */
  unhealthy: string[];
  /** When the next probe is due (ms from now), if any. */
  nextInMs?: number;
}

/** Runs the container's due probes and folds the results into its state. */
export async function probeContainer(state: ContainerProbes, t: ProbeTarget, now: number): Promise<ProbeOutcome> {
  const out: ProbeOutcome = { ready: true, started: true, unhealthy: [] };
  const due = (kind: ProbeKind): Record<string, unknown> | undefined => {
    const p = t.container[probeField[kind]];
    return p && typeof p === 'object' ? (p as Record<string, unknown>) : undefined;
  };
  const wake = (ms: number) => (out.nextInMs = Math.min(out.nextInMs ?? Infinity, Math.max(0, ms)));
  const step = async (kind: ProbeKind): Promise<ProbeTrack | undefined> => {
    const probe = due(kind);
    if (!probe) return undefined;
    const track = (state.tracks[kind] ??= { successes: 0, failures: 0, passing: kind === 'liveness' });
    // A startup probe stops once it has succeeded.
    if (kind === 'startup' && track.passing) return track;
    const period = int(probe['periodSeconds'], 10, 1) * 1000;
    const first = state.startedAt + int(probe['initialDelaySeconds'], 0, 0) * 1000;
    const next = track.lastRun === undefined ? first : track.lastRun + period;
    if (now < next) {
      wake(next - now);
      return track;
    }
    track.lastRun = now;
    wake(period);
    const r = await runProbe(probe, t);
    if (r.ok) {
      track.failures = 0;
      track.successes++;
      if (track.successes >= int(probe['successThreshold'], 1, 1)) track.passing = true;
    } else {
      track.successes = 0;
      track.failures++;
      const name = kind[0]?.toUpperCase() + kind.slice(1);
      out.unhealthy.push(`${name} probe failed: ${r.output.trim()}`);
      if (track.failures >= int(probe['failureThreshold'], 3, 1)) track.passing = false;
    }
    return track;
  };
  const startup = await step('startup');
  if (startup && !startup.passing) {
    out.started = false;
    out.ready = false;
    if (startup.failures >= int(due('startup')?.['failureThreshold'], 3, 1)) out.restart = { kind: 'startup', output: out.unhealthy.at(-1) ?? '' };
    return out;
  }
  const live = await step('liveness');
  if (live && !live.passing) out.restart = { kind: 'liveness', output: out.unhealthy.at(-1) ?? '' };
  const ready = await step('readiness');
  if (ready) out.ready = ready.passing;
  return out;
}
