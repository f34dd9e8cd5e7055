// Where a webhook is called (admission webhooks, CRD conversion webhooks): its `url`, or its Service resolved to a
// ready endpoint (the Service's port → the EndpointSlice port of the same name → a ready address), as kube-apiserver
// does with endpoint routing. a-kube's API server runs on the node and reaches pod addresses on the node's bridge
// directly. The certificate must name the Service (`<name>.<namespace>.svc`), whatever address is dialled.
import type { KubeObject } from '../api/object.js';
import type { Target } from './client.js';

/** Where a webhook is: a URL or a Service port (with a path), and the CA bundle that signs its certificate. */
export interface ClientConfig {
  url?: string;
  service?: { namespace: string; name: string; path: string; port: number };
  /** PEM text of the CA bundle; undefined: the system's roots. */
  caBundle?: string;
}

/** Reads Services and EndpointSlices (the API server's own stores). */
export interface ObjectReader {
  list(gr: { group: string; resource: string }, namespace: string): Promise<readonly Readonly<KubeObject>[]>;
  get(gr: { group: string; resource: string }, namespace: string, name: string): Promise<Readonly<KubeObject> | undefined>;
}

export class ResolveError extends Error {
  override name = 'ResolveError';
  /** The URL being called when a Service had no address to dial (the Go client resolves it while dialling). */
  readonly url: string | undefined;
  constructor(message: string, url?: string) {
    super(message);
    this.url = url;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/** host:port of a ready endpoint of the Service's port `port`. */
export async function resolveServiceEndpoint(reader: ObjectReader, namespace: string, name: string, port: number): Promise<{ host: string; port: number }> {
  const svc = await reader.get({ group: '', resource: 'services' }, namespace, name);
  if (!svc) throw new ResolveError(`service "${name}" not found`);
  const spec = isRecord(svc.spec) ? svc.spec : {};
  if (spec.type === 'ExternalName' && typeof spec.externalName === 'string') return { host: spec.externalName, port };
  const svcPort = list(spec.ports).find((p) => p.port === port);
  if (!svcPort) throw new ResolveError(`no service port ${port} found for service "${name}"`);
  const portName = typeof svcPort.name === 'string' ? svcPort.name : '';
  const slices = (await reader.list({ group: 'discovery.k8s.io', resource: 'endpointslices' }, namespace)).filter(
    (s) => s.metadata.labels?.['kubernetes.io/service-name'] === name,
  );
  for (const slice of slices) {
    for (const p of list(slice.ports)) {
      if ((typeof p.name === 'string' ? p.name : '') !== portName || typeof p.port !== 'number') continue;
      for (const ep of list(slice.endpoints)) {
        const cond = isRecord(ep.conditions) ? ep.conditions : {};
        const addresses = Array.isArray(ep.addresses) ? ep.addresses.filter((a): a is string => typeof a === 'string') : [];
        if (cond.ready === false || addresses.length === 0) continue;
        return { host: addresses[0]!, port: p.port };
      }
    }
  }
  throw new ResolveError(`no endpoints available for service "${name}"`);
}

/** PEM text of a base64 caBundle (the field is []byte on the wire). */
function caBundle(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const text = Buffer.from(v, 'base64').toString('utf8');
  return text.includes('-----BEGIN') ? text : undefined;
}

/** A stored clientConfig (webhook configurations, CRD conversion) read into its typed shape; the port defaults to 443. */
export function readClientConfig(v: unknown): ClientConfig {
  if (!isRecord(v)) return {};
  const out: ClientConfig = {};
  const ca = caBundle(v.caBundle);
  if (ca) out.caBundle = ca;
  if (typeof v.url === 'string') out.url = v.url;
  else if (isRecord(v.service)) {
    const s = v.service;
    const str = (x: unknown) => (typeof x === 'string' ? x : '');
    out.service = { namespace: str(s.namespace), name: str(s.name), path: str(s.path), port: typeof s.port === 'number' ? s.port : 443 };
  }
  return out;
}

function withTimeout(u: URL, timeoutSeconds: number): URL {
  // the Go REST client adds the request's timeout to the query
  const out = new URL(u.toString());
  out.searchParams.set('timeout', `${timeoutSeconds}s`);
  return out;
}

/** The call target of a webhook's clientConfig; throws ResolveError when a Service has nowhere to go. */
export async function resolveTarget(cc: ClientConfig, timeoutSeconds: number, reader: ObjectReader): Promise<Target> {
  if (cc.url !== undefined) {
    let u: URL;
    try {
      u = new URL(cc.url);
    } catch {
      throw new ResolveError(`parse ${JSON.stringify(cc.url)}: invalid URI for request`);
    }
    const url = withTimeout(u, timeoutSeconds);
    return { url, shownUrl: url.toString(), ...(cc.caBundle ? { caBundle: cc.caBundle } : {}) };
  }
  const svc = cc.service;
  if (!svc) throw new ResolveError('neither service nor url specified');
  const serverName = `${svc.name}.${svc.namespace}.svc`;
  const path = svc.path === '' ? '/' : svc.path;
  // the Go client's host always carries the port, 443 included (a WHATWG URL would drop it)
  const shownTail = withTimeout(new URL(`https://${serverName}:${svc.port}${path}`), timeoutSeconds);
  const shown = `https://${serverName}:${svc.port}${shownTail.pathname}${shownTail.search}`;
  let ep: { host: string; port: number };
  try {
    ep = await resolveServiceEndpoint(reader, svc.namespace, svc.name, svc.port);
  } catch (e) {
    throw e instanceof ResolveError ? new ResolveError(e.message, shown) : e;
  }
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  const url = withTimeout(new URL(`https://${host}:${ep.port}${path}`), timeoutSeconds);
  return { url, serverName, shownUrl: shown, ...(cc.caBundle ? { caBundle: cc.caBundle } : {}) };
}
