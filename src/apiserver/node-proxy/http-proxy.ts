// services/proxy and pods/proxy (what `kubectl proxy` users open as …/services/NAME:PORT/proxy/PATH): the API
// server picks a ready endpoint of the Service (or the pod's own address) and relays the HTTP request to it, as
// kube-apiserver's ProxyREST does. The API server runs on the node, so pod addresses are reachable from here.
// The answer is read whole (up to a limit) and passed back with its status and end-to-end headers.
import { request as httpRequest } from 'node:http';
import { findResource } from '../../api/catalog.js';
import { isRecord, type KubeObject } from '../../api/object.js';
import type { ApiServer } from '../api-server.js';
import type { CustomHandler, CustomScope } from '../router.js';
import { errors } from '../../api/status.js';
import type { ApiResponse } from '../types.js';

/** Replies larger than this are refused (the transport here answers from one buffer). */
export const maxProxiedBody = 32 * 1024 * 1024;

const hopByHop = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'authorization', 'content-length']);

/** "[scheme:]name[:port]" as kube-apiserver splits a proxy target (net.SplitSchemeNamePort). */
export function splitSchemeNamePort(id: string): { scheme: string; name: string; port: string } | undefined {
  const parts = id.split(':');
  if (parts.length === 1) return { scheme: '', name: parts[0] ?? '', port: '' };
  if (parts.length === 2) return { scheme: '', name: parts[0] ?? '', port: parts[1] ?? '' };
  if (parts.length === 3) return { scheme: parts[0] ?? '', name: parts[1] ?? '', port: parts[2] ?? '' };
  return undefined;
}

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const arr = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/** A Service port to an endpoint address and port, from the Service's Endpoints (ready addresses only). */
export function serviceTarget(svc: Readonly<KubeObject>, endpoints: Readonly<KubeObject> | undefined, portRef: string, pick: (n: number) => number = (n) => Math.floor(Math.random() * n)): { ip: string; port: number } | undefined {
  const ports = arr(rec(svc['spec'])['ports']);
  const svcPort = portRef === '' ? ports[0] : ports.find((p) => p['name'] === portRef || String(p['port']) === portRef);
  if (!svcPort) return undefined;
  const name = typeof svcPort['name'] === 'string' ? svcPort['name'] : '';
  const candidates: { ip: string; port: number }[] = [];
  for (const subset of arr(endpoints?.['subsets'])) {
    const port = arr(subset['ports']).find((p) => (typeof p['name'] === 'string' ? p['name'] : '') === name);
    if (!port || typeof port['port'] !== 'number') continue;
    for (const a of arr(subset['addresses'])) if (typeof a['ip'] === 'string') candidates.push({ ip: a['ip'], port: port['port'] });
  }
  return candidates.length ? candidates[pick(candidates.length)] : undefined;
}

function upstreamPath(s: CustomScope): string {
  const q = s.req.url.indexOf('?');
  const path = `/${s.info.rest.map((seg) => encodeURIComponent(decodeURIComponent(seg))).join('/')}`;
  const trailing = s.req.url.slice(0, q < 0 ? undefined : q).endsWith('/') && s.info.rest.length > 0 ? '/' : '';
  return `${path}${trailing}${q < 0 ? '' : s.req.url.slice(q)}`;
}

async function readBody(s: CustomScope): Promise<Uint8Array | undefined> {
  const b = s.req.body;
  if (b === undefined) return undefined;
  if (typeof b === 'function') return b();
  return typeof b === 'string' ? Buffer.from(b) : b;
}

function relay(s: CustomScope, target: { ip: string; port: number }, what: string): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(s.req.headers)) if (!hopByHop.has(k) && !k.startsWith('impersonate-') && v !== undefined) headers[k] = v;
    void readBody(s).then((body) => {
      const req = httpRequest({ host: target.ip, port: target.port, method: s.req.method, path: upstreamPath(s), headers, timeout: 30_000, ...(s.req.lifetime ? { signal: s.req.lifetime.signal } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxProxiedBody) {
            res.destroy();
            reject(errors.internal(new Error(`the answer of ${what} is larger than ${maxProxiedBody} bytes`)));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(res.headers)) if (!hopByHop.has(k) && v !== undefined) out[k] = v;
          resolve({ status: res.statusCode ?? 502, headers: out, body: new Uint8Array(Buffer.concat(chunks)) });
        });
        res.on('error', (e) => reject(errors.internal(e)));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (e) => reject(errors.serviceUnavailable(`error trying to reach ${what}: ${e.message}`)));
      req.end(body);
    }, reject);
  });
}

async function getObject(api: ApiServer, resource: string, namespace: string, name: string): Promise<Readonly<KubeObject> | undefined> {
  const info = findResource('', 'v1', resource);
  if (!info) throw new Error(`${resource} are not in the catalog`);
  try {
    return await (await api.stores.storeFor(info)).get(namespace, name);
  } catch {
    return undefined;
  }
}

export function serviceProxyHandler(api: ApiServer): CustomHandler {
  return async function serviceProxy(s): Promise<ApiResponse> {
    const id = splitSchemeNamePort(s.info.urlName);
    if (!id || (id.scheme !== '' && id.scheme !== 'http')) throw errors.badRequest(`invalid service request "${s.info.urlName}"`);
    const svc = await (await s.store()).get(s.info.namespace, id.name);
    const endpoints = await getObject(api, 'endpoints', s.info.namespace, id.name);
    const target = serviceTarget(svc, endpoints, id.port);
    if (!target) throw errors.serviceUnavailable(`no endpoints available for service "${s.info.urlName}"`);
    return relay(s, target, `service "${s.info.urlName}"`);
  };
}

export function podProxyHandler(): CustomHandler {
  return async function podProxy(s): Promise<ApiResponse> {
    const id = splitSchemeNamePort(s.info.urlName);
    if (!id || (id.scheme !== '' && id.scheme !== 'http')) throw errors.badRequest(`invalid pod request "${s.info.urlName}"`);
    const pod = await (await s.store()).get(s.info.namespace, id.name);
    const ip = rec(pod['status'])['podIP'];
    if (typeof ip !== 'string' || !ip) throw errors.badRequest(`address not allowed`);
    let port = id.port === '' ? 80 : Number(id.port);
    if (!Number.isInteger(port)) {
      // A named container port.
      const named = arr(rec(pod['spec'])['containers']).flatMap((c) => arr(c['ports'])).find((p) => p['name'] === id.port);
      port = typeof named?.['containerPort'] === 'number' ? named['containerPort'] : NaN;
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw errors.badRequest(`invalid pod request "${s.info.urlName}"`);
    return relay(s, { ip, port }, `pod "${s.info.urlName}"`);
  };
}

/** Serves services/proxy and pods/proxy on `api`. */
export function installHttpProxies(api: ApiServer): void {
  api.registerSubresource('', 'services', 'proxy', serviceProxyHandler(api));
  api.registerSubresource('', 'pods', 'proxy', podProxyHandler());
}
