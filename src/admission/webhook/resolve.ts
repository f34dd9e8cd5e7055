// Where a webhook is called: its `url`, or its Service resolved to a ready endpoint (the Service's port → the
// EndpointSlice port of the same name → a ready address), as kube-apiserver does with endpoint routing. a-kube's
// API server runs on the node and reaches pod addresses on the node's bridge directly. The certificate must name
// the Service (`<name>.<namespace>.svc`), whatever address is dialled.
import type { AdmissionReader } from '../reader.js';
import type { ClientConfig } from './config.js';
import type { Target } from './client.js';

export class ResolveError extends Error {
  override name = 'ResolveError';
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

/** host:port of a ready endpoint of the Service's port `port`. */
export async function resolveServiceEndpoint(reader: AdmissionReader, namespace: string, name: string, port: number): Promise<{ host: string; port: number }> {
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

function withTimeout(u: URL, timeoutSeconds: number): URL {
  const out = new URL(u.toString());
  out.searchParams.set('timeout', `${timeoutSeconds}s`);
  return out;
}

/** The call target of a webhook's clientConfig; throws ResolveError when a Service has nowhere to go. */
export async function resolveTarget(cc: ClientConfig, timeoutSeconds: number, reader: AdmissionReader): Promise<Target> {
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
  const shown = withTimeout(new URL(`https://${serverName}:${svc.port}${path}`), timeoutSeconds);
  const ep = await resolveServiceEndpoint(reader, svc.namespace, svc.name, svc.port);
  const host = ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  const url = withTimeout(new URL(`https://${host}:${ep.port}${path}`), timeoutSeconds);
  return { url, serverName, shownUrl: shown.toString(), ...(cc.caBundle ? { caBundle: cc.caBundle } : {}) };
}
