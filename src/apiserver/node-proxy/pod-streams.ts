// pods/log, pods/exec, pods/attach and pods/portforward: the API server finds the pod's node and hands the request
// to that node's agent (GET /containerLogs, or the Upgrade request relayed byte for byte to /exec, /attach,
// /portForward), as kube-apiserver's LogREST, ExecREST, AttachREST and PortForwardREST do.
import { StringDecoder } from 'node:string_decoder';
import { findResource } from '../../api/catalog.js';
import { isRecord, type KubeObject } from '../../api/object.js';
import type { Authorizer } from '../../auth/types.js';
import { relayUpgrade } from '../../streaming/upgrade-relay.js';
import { attributesFor } from '../authorization.js';
import { forbiddenError } from '../forbidden.js';
import { isTrue } from '../request-info.js';
import type { ApiServer } from '../api-server.js';
import type { CustomHandler, CustomScope } from '../router.js';
import { admitConnect } from '../admission.js';
import { errors, field, type FieldError } from '../../api/status.js';
import type { ApiResponse } from '../types.js';
import { dialKubelet, getFromKubelet, hostPort, kubeletEndpoint, type KubeletClientConfig, type KubeletEndpoint } from './kubelet-connection.js';

function containerNames(pod: Readonly<KubeObject>): string[] {
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  const out: string[] = [];
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = spec[key];
    if (Array.isArray(list)) for (const c of list) if (isRecord(c) && typeof c['name'] === 'string') out.push(c['name']);
  }
  return out;
}

/** The container a request means (kube-apiserver's validateContainer): named, or the only one. */
export function resolveContainer(pod: Readonly<KubeObject>, requested: string): string {
  const name = pod.metadata.name ?? '';
  if (requested) {
    if (!containerNames(pod).includes(requested)) throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
    return requested;
  }
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  const regular = Array.isArray(spec['containers']) ? spec['containers'].filter(isRecord) : [];
  if (regular.length === 1 && typeof regular[0]?.['name'] === 'string') return regular[0]['name'];
  if (regular.length === 0) throw errors.badRequest(`a container name must be specified for pod ${name}`);
  throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${containerNames(pod).join(' ')}]`);
}

export interface PodStreamDeps {
  kubelet: KubeletClientConfig;
  /**
   * WebSocket clients open exec/attach/portforward with GET; as kube-apiserver ≥ 1.31 does, such a request also needs
   * `create` on the subresource (what SPDY's POST is authorised for), so `get` alone never runs a command.
   */
  authorizer?: Authorizer;
  /** The Node object by name (from the API server's own store). */
  node(name: string): Promise<Readonly<KubeObject> | undefined>;
}

async function podAndNode(s: CustomScope, deps: PodStreamDeps, needHost: boolean): Promise<{ pod: Readonly<KubeObject>; endpoint?: KubeletEndpoint }> {
  const store = await s.store();
  const pod = await store.get(s.info.namespace, s.info.urlName);
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  const nodeName = typeof spec['nodeName'] === 'string' ? spec['nodeName'] : '';
  if (!nodeName) {
    if (needHost) throw errors.badRequest(`pod ${s.info.urlName} does not have a host assigned`);
    return { pod };
  }
  const node = await deps.node(nodeName);
  if (!node) throw errors.notFound({ group: '', resource: 'nodes' }, nodeName);
  const endpoint = kubeletEndpoint(node, deps.kubelet);
  if (!endpoint) throw errors.badRequest(`node ${nodeName} advertises no node agent endpoint (status.addresses and status.daemonEndpoints.kubeletEndpoint.Port)`);
  return { pod, endpoint };
}

function queryOf(s: CustomScope): URLSearchParams {
  const i = s.req.url.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : s.req.url.slice(i + 1));
}

function segment(v: string): string {
  return encodeURIComponent(v);
}

/** GET pods/NAME/log: the node agent's /containerLogs, streamed back as it arrives. */
export function podLogHandler(deps: PodStreamDeps): CustomHandler {
  return async function podLog(s): Promise<ApiResponse> {
    if (s.info.verb !== 'get') throw errors.methodNotAllowed(s.info.verb, { group: '', resource: 'pods/log' });
    const q = queryOf(s);
    const fieldErrors: FieldError[] = [];
    const intParam = (name: string, min: number, detail: string): number | undefined => {
      const v = q.get(name);
      if (v === null || v === '') return undefined;
      const n = Number(v);
      if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n)) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
      if (n < min) fieldErrors.push(field.invalid(name, n, detail));
      return n;
    };
    const tailLines = intParam('tailLines', 0, 'must be greater than or equal to 0');
    const limitBytes = intParam('limitBytes', 1, 'must be greater than 0');
    const sinceSeconds = intParam('sinceSeconds', 1, 'must be greater than 0');
    const sinceTime = q.get('sinceTime');
    if (sinceSeconds !== undefined && sinceTime) fieldErrors.push(field.forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
    if (sinceTime && Number.isNaN(Date.parse(sinceTime))) throw errors.badRequest(`parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse`);
    if (fieldErrors.length > 0) throw errors.invalid({ group: '', kind: 'PodLogOptions' }, s.info.urlName, fieldErrors);

    const { pod, endpoint } = await podAndNode(s, deps, false);
    const container = resolveContainer(pod, q.get('container') ?? '');
    if (!endpoint) return { status: 200, headers: { 'content-type': 'text/plain' }, body: '' };
    const params = new URLSearchParams();
    if (isTrue(q.get('follow'))) params.set('follow', 'true');
    if (isTrue(q.get('previous'))) params.set('previous', 'true');
    if (isTrue(q.get('timestamps'))) params.set('timestamps', 'true');
    if (sinceSeconds !== undefined) params.set('sinceSeconds', String(sinceSeconds));
    if (sinceTime) params.set('sinceTime', sinceTime);
    if (tailLines !== undefined) params.set('tailLines', String(tailLines));
    if (limitBytes !== undefined) params.set('limitBytes', String(limitBytes));
    const path = `/containerLogs/${segment(s.info.namespace)}/${segment(s.info.urlName)}/${segment(container)}?${params.toString()}`;
    const signal = s.req.lifetime?.signal ?? new AbortController().signal;
    let res;
    try {
      res = await getFromKubelet(endpoint, deps.kubelet, path, signal);
    } catch (e) {
      throw errors.internal(new Error(`Get "https://${hostPort(endpoint)}${path}": ${e instanceof Error ? e.message : String(e)}`));
    }
    const status = res.statusCode ?? 500;
    if (status !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      return { status, headers: { 'content-type': String(res.headers['content-type'] ?? 'text/plain') }, body: text };
    }
    async function* body(): AsyncIterable<string> {
      const decoder = new StringDecoder('utf8');
      try {
        for await (const c of res!) {
          const text = decoder.write(c as Buffer);
          if (text) yield text;
        }
      } catch {
        // the node agent went away mid-stream: end what was sent
      }
      const rest = decoder.end();
      if (rest) yield rest;
    }
    return { status: 200, headers: { 'content-type': 'text/plain' }, body: body() };
  };
}

type StreamKind = 'exec' | 'attach' | 'portforward';

/** The connect options object admission sees (v1 PodExecOptions, PodAttachOptions, PodPortForwardOptions), fields as the API serialises them. */
function connectOptions(kind: StreamKind, q: URLSearchParams, container: string): Record<string, unknown> {
  if (kind === 'portforward') {
    const ports = q.getAll('ports').flatMap((p) => p.split(',')).map((p) => Number(p)).filter((n) => Number.isInteger(n));
    return { kind: 'PodPortForwardOptions', apiVersion: 'v1', ...(ports.length > 0 ? { ports } : {}) };
  }
  const out: Record<string, unknown> = { kind: kind === 'exec' ? 'PodExecOptions' : 'PodAttachOptions', apiVersion: 'v1' };
  for (const f of ['stdin', 'stdout', 'stderr', 'tty']) if (isTrue(q.get(f))) out[f] = true;
  if (container !== '') out['container'] = container;
  if (kind === 'exec') out['command'] = q.getAll('command');
  return out;
}

/** pods/exec, pods/attach, pods/portforward: the Upgrade request relayed to the node agent. */
export function podStreamHandler(kind: StreamKind, deps: PodStreamDeps): CustomHandler {
  return async function podStream(s): Promise<ApiResponse> {
    if (s.info.verb !== 'get' && s.info.verb !== 'create') throw errors.methodNotAllowed(s.info.verb, { group: '', resource: `pods/${kind}` });
    if (s.info.verb === 'get' && deps.authorizer && s.ctx.user) {
      const attrs = { ...attributesFor(s.ctx.requestInfo, s.ctx.user), verb: 'create' };
      const decision = await deps.authorizer.authorize(attrs);
      if (decision.decision !== 'allow') throw forbiddenError(attrs, decision.reason);
    }
    const q = queryOf(s);
    const { pod, endpoint } = await podAndNode(s, deps, true);
    const params = new URLSearchParams();
    let path: string;
    const ns = segment(s.info.namespace);
    const name = segment(s.info.urlName);
    if (kind === 'portforward') {
      for (const p of q.getAll('ports')) params.append('port', p);
      path = `/portForward/${ns}/${name}`;
    } else {
      const container = resolveContainer(pod, q.get('container') ?? '');
      if (kind === 'exec') {
        const command = q.getAll('command');
        if (command.length === 0) throw errors.badRequest('you must specify at least one command for the container');
        for (const c of command) params.append('command', c);
      }
      if (isTrue(q.get('stdin'))) params.set('input', '1');
      if (isTrue(q.get('stdout'))) params.set('output', '1');
      if (isTrue(q.get('stderr'))) params.set('error', '1');
      if (isTrue(q.get('tty'))) params.set('tty', '1');
      path = `/${kind}/${ns}/${name}/${segment(container)}`;
    }
    await admitConnect(s, kind, connectOptions(kind, q, q.get('container') ?? ''));
    const query = params.toString();
    const target = `${path}${query ? `?${query}` : ''}`;
    const upgrade = s.req.upgrade;
    if (!upgrade) throw errors.badRequest('Upgrade request required');
    const ep = endpoint as KubeletEndpoint;
    void relayUpgrade(upgrade.request, upgrade.socket, upgrade.head, {
      connect: () => dialKubelet(ep, deps.kubelet),
      path: target,
      host: hostPort(ep),
      dropHeaders: (h) => h.startsWith('impersonate-') || h.startsWith('x-remote-'),
    });
    return { status: 101, headers: {}, hijacked: true };
  };
}

/** Serves the four pod subresources on `api`. */
export function installPodStreams(api: ApiServer, kubelet: KubeletClientConfig, authorizer?: Authorizer): void {
  const nodes = findResource('', 'v1', 'nodes');
  if (!nodes) throw new Error('nodes are not in the catalog');
  const deps: PodStreamDeps = {
    kubelet,
    ...(authorizer ? { authorizer } : {}),
    node: async (name) => {
      const store = await api.stores.storeFor(nodes);
      try {
        return await store.get('', name);
      } catch {
        return undefined;
      }
    },
  };
  api.registerSubresource('', 'pods', 'log', podLogHandler(deps));
  api.registerSubresource('', 'pods', 'exec', podStreamHandler('exec', deps));
  api.registerSubresource('', 'pods', 'attach', podStreamHandler('attach', deps));
  api.registerSubresource('', 'pods', 'portforward', podStreamHandler('portforward', deps));
}
