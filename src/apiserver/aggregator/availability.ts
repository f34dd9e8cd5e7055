// Whether an APIService can be served, with kube-apiserver's reasons: Local ones always are; a remote one needs its
// Service (and, for Services with endpoints, an endpoint on the port's name) and a 2xx answer to its discovery
// document, which is read here too so that one request both checks the backend and refreshes its discovery.
// As kube-aggregator, several attempts run at once (each picking an endpoint anew): one answer is enough, and
// only when all fail is the APIService FailedDiscoveryCheck, with the last failure's message.
import { request as httpsRequest, type Agent } from 'node:https';
import type { APIService } from '../../api/apiregistration/types.js';
import { resolveBackend, type ServiceLookup } from './backend.js';

export interface CheckResult {
  status: 'True' | 'False';
  reason: string;
  message: string;
  /** The parsed discovery document when the backend answered one. */
  discovery?: unknown;
}

/** Concurrent discovery attempts per check (kube-aggregator's remote availability controller makes 5). */
export const discoveryAttempts = 5;

/** At most this many bytes of a discovery document are read. */
export const maxDiscoveryBytes = 4 << 20;

function transportError(url: string, hostPort: string, e: unknown): string {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  let detail = e instanceof Error ? e.message : String(e);
  if (code === 'ECONNREFUSED') detail = `dial tcp ${hostPort}: connect: connection refused`;
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') detail = `dial tcp: lookup ${hostPort.replace(/:\d+$/, '')}: no such host`;
  else if (code === 'ETIMEDOUT' || code === 'ABORT_ERR' || code === 'ECONNRESET' && /timeout/.test(detail)) detail = 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)';
  return `failing or missing response from ${url}: Get ${JSON.stringify(url)}: ${detail}`;
}

/** What a GET on a backend may ask for: the Accept header (JSON by default) and the most bytes read. */
export interface BackendGetOptions {
  accept?: string;
  maxBytes?: number;
}

/**
 * A GET on the backend as system:kube-aggregator (system:masters), bounded in time and size. A kept-alive
 * connection the backend had already closed is retried once on a new one (as Go's transport retries).
 */
export function backendGet(host: string, port: number, serverName: string, path: string, agent: Agent, timeoutMs: number, opts: BackendGetOptions = {}, retried = false): Promise<{ status: number; text: string; contentType: string }> {
  const maxBytes = opts.maxBytes ?? maxDiscoveryBytes;
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host, port, servername: serverName, agent, method: 'GET', path,
      headers: { accept: opts.accept ?? 'application/json', 'X-Remote-User': 'system:kube-aggregator', 'X-Remote-Group': 'system:masters', 'user-agent': 'kube-aggregator/a-kube' },
      signal: AbortSignal.timeout(timeoutMs),
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) res.destroy(new Error(`${path} answered more than ${maxBytes} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), contentType: String(res.headers['content-type'] ?? '') }));
      res.on('error', reject);
    });
    req.on('error', (e: Error & { code?: string }) => {
      if (!retried && req.reusedSocket && e.code === 'ECONNRESET') resolve(backendGet(host, port, serverName, path, agent, timeoutMs, opts, true));
      else reject(e);
    });
    req.end();
  });
}

export async function checkAvailability(s: Readonly<APIService>, lookup: ServiceLookup, agent: Agent | undefined, timeoutMs = 5000): Promise<CheckResult> {
  const where = await resolveBackend(s, lookup);
  if (where.kind === 'fail') {
    if (where.reason === 'Local') return { status: 'True', reason: 'Local', message: 'Local APIServices are always available' };
    return { status: 'False', reason: where.reason, message: where.message };
  }
  if (!agent) return { status: 'False', reason: 'FailedDiscoveryCheck', message: 'no connection settings for the backend' };
  const a = agent;
  // the first attempt uses the address resolved above; the others resolve again (another endpoint, maybe)
  const attempt = async (first: boolean): Promise<CheckResult> => {
    try {
      const w = first ? where : await resolveBackend(s, lookup);
      if (w.kind === 'fail') return { status: 'False', reason: 'FailedDiscoveryCheck', message: w.message };
      return await discoveryAttempt(s, w, a, timeoutMs);
    } catch (e) {
      return { status: 'False', reason: 'FailedDiscoveryCheck', message: e instanceof Error ? e.message : String(e) };
    }
  };
  return firstSuccess(Array.from({ length: discoveryAttempts }, (_, i) => attempt(i === 0)));
}

/** The first passing result, or the failure that settled last when none passes. */
function firstSuccess(attempts: Promise<CheckResult>[]): Promise<CheckResult> {
  return new Promise((resolve) => {
    let pending = attempts.length;
    for (const a of attempts) {
      void a.then((r) => {
        pending--;
        if (r.status === 'True' || pending === 0) resolve(r);
      });
    }
  });
}

/** One GET of the group/version's discovery document on one backend address; never rejects. */
async function discoveryAttempt(s: Readonly<APIService>, where: { host: string; port: number; serverName: string }, agent: Agent, timeoutMs: number): Promise<CheckResult> {
  const group = s.spec?.group ?? '';
  const version = s.spec?.version ?? '';
  const hostPort = `${where.host.includes(':') ? `[${where.host}]` : where.host}:${where.port}`;
  const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const url = `https://${hostPort}${path}`;
  try {
    const res = await backendGet(where.host, where.port, where.serverName, path, agent, timeoutMs);
    if (res.status < 200 || res.status >= 300) return { status: 'False', reason: 'FailedDiscoveryCheck', message: `failing or missing response from ${url}: bad status from ${url}: ${res.status}` };
    let discovery: unknown;
    try {
      discovery = JSON.parse(res.text);
    } catch {
      discovery = undefined;
    }
    return { status: 'True', reason: 'Passed', message: 'all checks passed', ...(discovery !== undefined ? { discovery } : {}) };
  } catch (e) {
    return { status: 'False', reason: 'FailedDiscoveryCheck', message: transportError(url, hostPort, e) };
  }
}
