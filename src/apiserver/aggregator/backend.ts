// Where an APIService's requests go and how: the Service resolved to an address (an endpoint of the Service, or
// the name of an ExternalName Service), the TLS settings (CA bundle or no verification, the front-proxy client
// certificate) and the front-proxy headers that tell the backend who is asking.
import { Agent } from 'node:https';
import { isRecord, type KubeObject } from '../../api/object.js';
import { getOwn } from '../../api/own.js';
import type { UserInfo } from '../../auth/types.js';
import type { APIService } from '../../api/apiregistration/types.js';
import { serviceOf } from '../../api/apiregistration/types.js';

/** The front-proxy client certificate a-kube presents to every backend (issued by its front-proxy CA). */
export interface ProxyClientCertificate {
  cert: string;
  key: string;
}

export type Resolution =
  | { kind: 'ok'; host: string; port: number; serverName: string }
  | { kind: 'fail'; reason: string; message: string };

export interface ServiceLookup {
  service(namespace: string, name: string): Promise<Readonly<KubeObject> | undefined>;
  endpoints(namespace: string, name: string): Promise<Readonly<KubeObject> | undefined>;
}

const records = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/**
 * The address for an APIService's Service, with upstream's reasons when there is none. ExternalName Services
 * resolve to their external name (as kube-apiserver's default routing does); all others to a ready endpoint of the
 * Service port's name (as kube-apiserver's endpoint routing does: the API server runs on the node and reaches pod
 * addresses directly, while cluster IPs exist only where the service proxy programs this machine).
 */
export async function resolveBackend(s: Readonly<APIService>, lookup: ServiceLookup, pick: (n: number) => number = (n) => Math.floor(Math.random() * n)): Promise<Resolution> {
  const ref = serviceOf(s);
  if (!ref) return { kind: 'fail', reason: 'Local', message: 'local APIService' };
  const where = `service/${ref.name} in ${JSON.stringify(ref.namespace)}`;
  const serverName = `${ref.name}.${ref.namespace}.svc`;
  const svc = await lookup.service(ref.namespace, ref.name);
  if (!svc) return { kind: 'fail', reason: 'ServiceNotFound', message: `${where} is not present` };
  const spec = isRecord(svc['spec']) ? svc['spec'] : {};
  if (spec['type'] === 'ExternalName') {
    const host = typeof spec['externalName'] === 'string' ? spec['externalName'].replace(/\.$/, '') : '';
    if (host === '') return { kind: 'fail', reason: 'ServiceAccessError', message: `${where} cannot be checked due to: it has no externalName` };
    return { kind: 'ok', host, port: ref.port, serverName };
  }
  const svcPort = records(spec['ports']).find((p) => p['port'] === ref.port);
  if (!svcPort) return { kind: 'fail', reason: 'ServicePortError', message: `${where} is not listening on port ${ref.port}` };
  const portName = typeof svcPort['name'] === 'string' ? svcPort['name'] : '';
  const eps = await lookup.endpoints(ref.namespace, ref.name);
  if (!eps) return { kind: 'fail', reason: 'EndpointsNotFound', message: `cannot find endpoints for ${where}` };
  const candidates: { host: string; port: number }[] = [];
  for (const subset of records(eps['subsets'])) {
    const port = records(subset['ports']).find((p) => (typeof p['name'] === 'string' ? p['name'] : '') === portName);
    if (!port || typeof port['port'] !== 'number') continue;
    for (const a of records(subset['addresses'])) if (typeof a['ip'] === 'string' && a['ip'] !== '') candidates.push({ host: a['ip'], port: port['port'] });
  }
  const chosen = candidates[pick(candidates.length)];
  if (!chosen) return { kind: 'fail', reason: 'MissingEndpoints', message: `endpoints for ${where} have no addresses with port name ${JSON.stringify(portName)}` };
  return { kind: 'ok', host: chosen.host, port: chosen.port, serverName };
}

/** TLS towards one APIService's backend: its CA bundle (or none checked) and the front-proxy client certificate. */
export function backendAgent(s: Readonly<APIService>, client: ProxyClientCertificate | undefined): Agent {
  const caBundle = typeof s.spec?.caBundle === 'string' ? Buffer.from(s.spec.caBundle, 'base64').toString('utf8') : '';
  const insecure = s.spec?.insecureSkipTLSVerify === true;
  return new Agent({
    keepAlive: true,
    maxSockets: 100,
    maxFreeSockets: 10,
    timeout: 60_000,
    rejectUnauthorized: !insecure,
    // without a bundle the system's roots apply, as upstream
    ...(caBundle ? { ca: caBundle } : {}),
    ...(client ? { cert: client.cert, key: client.key } : {}),
  });
}

/** A header name as Go's http.Header keeps it legal: bytes outside a token are percent-encoded. */
export function escapeHeaderKey(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/^[A-Za-z0-9!#$&'*+\-.^_`|~]$/.test(c)) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Client headers never passed on: credentials for this server, identity claims, hop-by-hop headers. */
export function isDroppedRequestHeader(name: string): boolean {
  return (
    name === 'authorization' || name === 'proxy-authorization' || name === 'cookie' || name === 'host' ||
    name === 'connection' || name === 'keep-alive' || name === 'te' || name === 'trailer' || name === 'transfer-encoding' ||
    name === 'upgrade' || name === 'proxy-connection' || name === 'content-length' ||
    name.startsWith('impersonate-') || name.startsWith('x-remote-') || name.startsWith(':')
  );
}

/** The front-proxy headers for `user`: X-Remote-User, one X-Remote-Group per group, X-Remote-Extra-<key> per value. */
export function identityHeaders(user: UserInfo): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { 'X-Remote-User': user.name };
  if (user.groups.length > 0) out['X-Remote-Group'] = [...user.groups];
  const extra = user.extra ?? {};
  for (const key of Object.keys(extra)) {
    const values = getOwn(extra, key);
    if (!Array.isArray(values) || values.length === 0) continue;
    out[`X-Remote-Extra-${escapeHeaderKey(key)}`] = values.map(String);
  }
  return out;
}

/** Headers of a value that could break a request line (CR/LF) are never sent. */
export function safeHeaderValue(v: string): boolean {
  return !/[\r\n\0]/.test(v);
}
