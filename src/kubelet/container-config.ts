// From a pod's container spec to the runtime's container config (the kubelet's generateContainerConfig):
// command and args, the environment (env with valueFrom, envFrom, the kubernetes Service and service links),
// volume mounts, resources as Linux cgroup settings, and the security context.
import type { KubeObject } from '../api/object.js';
import { isNotFound } from '../client/api-error.js';
import { arr, rec, specOf, str } from '../api/pod-util.js';
import type { ControllerClient } from '../client/control/types.js';
import type { LinuxContainerConfig, LinuxContainerResources, LinuxContainerSecurityContext } from './cri/types.js';
import { podFieldValue, quantityValue, resourceFieldValue } from './downward.js';
import type { KeyValue, Mount } from './runtime/types.js';
import { lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

/** The container cannot be configured (CreateContainerConfigError), e.g. a missing configMap key. */
export class ContainerConfigError extends Error {
  override name = 'ContainerConfigError';
}

export interface EnvContext {
  client: ControllerClient;
  pod: KubeObject;
  podIP: string;
  nodeAllocatable: { cpu: number; memory: number };
  /** Services of the pod's namespace and the master service, for service-link variables. */
  services: KubeObject[];
  masterService?: KubeObject;
}

const cache = new WeakMap<EnvContext, Map<string, KubeObject | null>>();

async function lookup(ctx: EnvContext, resource: 'configmaps' | 'secrets', name: string): Promise<KubeObject | null> {
  let m = cache.get(ctx);
  if (!m) cache.set(ctx, (m = new Map()));
  const key = `${resource}/${name}`;
  if (m.has(key)) return m.get(key) ?? null;
  let obj: KubeObject | null = null;
  try {
    obj = await ctx.client.get<KubeObject>(`/api/v1/namespaces/${encodeURIComponent(ctx.pod.metadata.namespace ?? '')}/${resource}/${encodeURIComponent(name)}`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  m.set(key, obj);
  return obj;
}

/** A ConfigMap's or Secret's data as a Map: its keys are client data ("__proto__", "constructor" are plain keys). */
function dataOf(obj: KubeObject, resource: 'configmaps' | 'secrets'): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(rec(obj['data']))) if (typeof v === 'string') out.set(k, resource === 'secrets' ? Buffer.from(v, 'base64').toString('utf8') : v);
  return out;
}

/** $(VAR) references expanded from earlier variables; $$ escapes (as the kubelet's expansion does). */
export function expandVars(input: string, vars: Map<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch === '$' && i + 1 < input.length) {
      const next = input[i + 1];
      if (next === '$') {
        out += '$';
        i++;
        continue;
      }
      if (next === '(') {
        const end = input.indexOf(')', i + 2);
        if (end > 0) {
          const name = input.slice(i + 2, end);
          const v = vars.get(name);
          if (v !== undefined) {
            out += v;
            i = end;
            continue;
          }
        }
      }
    }
    out += ch;
  }
  return out;
}

function serviceEnv(services: KubeObject[], master: KubeObject | undefined, enableLinks: boolean): KeyValue[] {
  const out: KeyValue[] = [];
  const add = (svc: KubeObject) => {
    const spec = specOf(svc);
    const ip = str(spec['clusterIP']);
    if (!ip || ip === 'None') return;
    const name = (svc.metadata.name ?? '').toUpperCase().replace(/-/g, '_');
    const ports = arr(spec['ports']);
    const first = ports[0];
    if (!first) return;
    out.push({ key: `${name}_SERVICE_HOST`, value: ip }, { key: `${name}_SERVICE_PORT`, value: String(first['port']) });
    for (const p of ports) if (p['name']) out.push({ key: `${name}_SERVICE_PORT_${str(p['name']).toUpperCase().replace(/-/g, '_')}`, value: String(p['port']) });
    if (!enableLinks && svc !== master) return;
    const proto = str(first['protocol'], 'TCP').toLowerCase();
    out.push({ key: `${name}_PORT`, value: `${proto}://${ip}:${String(first['port'])}` });
    for (const p of ports) {
      const pr = str(p['protocol'], 'TCP');
      const prefix = `${name}_PORT_${String(p['port'])}_${pr}`;
      out.push({ key: prefix, value: `${pr.toLowerCase()}://${ip}:${String(p['port'])}` }, { key: `${prefix}_PROTO`, value: pr.toLowerCase() }, { key: `${prefix}_PORT`, value: String(p['port']) }, { key: `${prefix}_ADDR`, value: ip });
    }
  };
  // The kubernetes Service of the default namespace is always there; links to the namespace's own services
  // only when enableServiceLinks is not false.
  if (master) add(master);
  if (enableLinks) for (const s of services) if (!(master && s.metadata.uid === master.metadata.uid)) add(s);
  return out;
}

/** The container's environment, in the kubelet's order: service variables, envFrom, env (later wins). */
export async function containerEnv(ctx: EnvContext, container: Record<string, unknown>): Promise<KeyValue[]> {
  const vars = new Map<string, string>();
  const enableLinks = specOf(ctx.pod)['enableServiceLinks'] !== false;
  for (const kv of serviceEnv(ctx.services, ctx.masterService, enableLinks)) vars.set(kv.key, kv.value);
  for (const from of arr(container['envFrom'])) {
    const prefix = str(from['prefix']);
    const cmRef = from['configMapRef'] !== undefined ? rec(from['configMapRef']) : undefined;
    const secRef = from['secretRef'] !== undefined ? rec(from['secretRef']) : undefined;
    const ref = cmRef ?? secRef;
    if (!ref) continue;
    const resource = cmRef ? 'configmaps' : 'secrets';
    const obj = await lookup(ctx, resource, str(ref['name']));
    if (!obj) {
      if (ref['optional'] === true) continue;
      throw new ContainerConfigError(`${cmRef ? 'configmap' : 'secret'} "${str(ref['name'])}" not found`);
    }
    for (const [k, v] of dataOf(obj, resource)) vars.set(prefix + k, v);
  }
  for (const e of arr(container['env'])) {
    const name = str(e['name']);
    if (typeof e['value'] === 'string') {
      vars.set(name, expandVars(e['value'], vars));
      continue;
    }
    const from = rec(e['valueFrom']);
    if (from['fieldRef'] !== undefined) vars.set(name, podFieldValue(ctx.pod, str(rec(from['fieldRef'])['fieldPath']), ctx.podIP));
    else if (from['resourceFieldRef'] !== undefined) {
      const ref = rec(from['resourceFieldRef']);
      const target = ref['containerName'] ? (arr(specOf(ctx.pod)['containers']).find((c) => c['name'] === ref['containerName']) ?? container) : container;
      vars.set(name, resourceFieldValue(target, str(ref['resource']), ref['divisor'] !== undefined ? String(ref['divisor']) : undefined, ctx.nodeAllocatable));
    } else if (from['configMapKeyRef'] !== undefined || from['secretKeyRef'] !== undefined) {
      const isCm = from['configMapKeyRef'] !== undefined;
      const ref = rec(isCm ? from['configMapKeyRef'] : from['secretKeyRef']);
      const obj = await lookup(ctx, isCm ? 'configmaps' : 'secrets', str(ref['name']));
      const optional = ref['optional'] === true;
      if (!obj) {
        if (optional) continue;
        throw new ContainerConfigError(`${isCm ? 'configmap' : 'secret'} "${str(ref['name'])}" not found`);
      }
      const data = dataOf(obj, isCm ? 'configmaps' : 'secrets');
      const key = str(ref['key']);
      const value = data.get(key);
      if (value === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in ${isCm ? 'ConfigMap' : 'Secret'} ${ctx.pod.metadata.namespace}/${str(ref['name'])}`);
      }
      vars.set(name, value);
    } else vars.set(name, '');
  }
  return [...vars].map(([key, value]) => ({ key, value }));
}

export interface MountOptions {
  /** Volumes every container mounts read-only (a persistentVolumeClaim source with readOnly: true). */
  readOnlyVolumes?: Set<string>;
  /** Create a missing subPath as a directory (0750) inside its volume, as the kubelet does (real nodes). */
  createSubPaths?: boolean;
}

/** The pod's volumes whose source says every mount is read-only. */
export function readOnlyVolumes(pod: KubeObject): Set<string> {
  const out = new Set<string>();
  for (const v of arr(specOf(pod)['volumes'])) if (rec(v['persistentVolumeClaim'])['readOnly'] === true) out.add(str(v['name']));
  return out;
}

/** Makes the subPath's missing directories under root; a component that leads out of root (a symlink) is refused. */
export function ensureSubPath(root: string, sub: string): void {
  const base = realpathSync(root);
  let cur = base;
  for (const part of sub.split('/').filter((p) => p !== '' && p !== '.')) {
    const next = join(cur, part);
    let link = false;
    try {
      link = lstatSync(next).isSymbolicLink();
    } catch {
      mkdirSync(next, { mode: 0o750 });
      cur = next;
      continue;
    }
    cur = link ? realpathSync(next) : next;
    if (cur !== base && !cur.startsWith(`${base}/`)) throw new ContainerConfigError(`subPath ${JSON.stringify(sub)} leads out of its volume`);
  }
}

/** volumeMounts → runtime mounts, from the pod's set-up volumes (name → host path). */
export function containerMounts(container: Record<string, unknown>, volumes: Map<string, string>, o: MountOptions = {}): Mount[] {
  const out: Mount[] = [];
  for (const m of arr(container['volumeMounts'])) {
    const name = str(m['name']);
    const host = volumes.get(name);
    if (host === undefined) throw new ContainerConfigError(`cannot find volume "${name}" to mount into container "${str(container['name'])}"`);
    const sub = str(m['subPath']);
    if (sub && (sub.startsWith('/') || sub.split('/').includes('..'))) throw new ContainerConfigError(`invalid subPath ${JSON.stringify(sub)}`);
    if (sub && o.createSubPaths) {
      try {
        ensureSubPath(host, sub);
      } catch (e) {
        if (e instanceof ContainerConfigError) throw e;
        throw new ContainerConfigError(`failed to prepare subPath for volumeMount "${name}" of container "${str(container['name'])}": ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    out.push({ containerPath: str(m['mountPath']), hostPath: sub ? `${host}/${sub}` : host, readonly: m['readOnly'] === true || o.readOnlyVolumes?.has(name) === true });
  }
  return out;
}

const minShares = 2;
const sharesPerCpu = 1024;
const quotaPeriod = 100_000;

/** requests.cpu → cpu_shares, limits.cpu → cpu_quota/period, limits.memory → memory limit. */
export function linuxResources(container: Record<string, unknown>): LinuxContainerResources {
  const res = rec(container['resources']);
  const req = rec(res['requests']);
  const lim = rec(res['limits']);
  const cpuReq = req['cpu'] ?? lim['cpu'];
  const out: LinuxContainerResources = { cpu_shares: String(cpuReq !== undefined ? Math.max(minShares, Math.floor(quantityValue(String(cpuReq)) * sharesPerCpu)) : minShares) };
  if (lim['cpu'] !== undefined) {
    out.cpu_period = String(quotaPeriod);
    out.cpu_quota = String(Math.max(1000, Math.ceil(quantityValue(String(lim['cpu'])) * quotaPeriod)));
  }
  if (lim['memory'] !== undefined) out.memory_limit_in_bytes = String(Math.floor(quantityValue(String(lim['memory']))));
  return out;
}

function int64(v: unknown): { value: string } | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? { value: String(v) } : undefined;
}

/** The container's securityContext over the pod's (container fields win). */
export function linuxSecurity(pod: KubeObject, container: Record<string, unknown>): LinuxContainerSecurityContext {
  const podSc = rec(specOf(pod)['securityContext']);
  const sc = rec(container['securityContext']);
  const runAsUser = int64(sc['runAsUser'] ?? podSc['runAsUser']);
  const runAsGroup = int64(sc['runAsGroup'] ?? podSc['runAsGroup']);
  const caps = rec(sc['capabilities']);
  const groups = [...(Array.isArray(podSc['supplementalGroups']) ? podSc['supplementalGroups'] : []), ...(typeof podSc['fsGroup'] === 'number' ? [podSc['fsGroup']] : [])].filter((g): g is number => typeof g === 'number');
  return {
    ...(runAsUser ? { run_as_user: runAsUser } : {}),
    ...(runAsGroup ? { run_as_group: runAsGroup } : {}),
    privileged: sc['privileged'] === true,
    readonly_rootfs: sc['readOnlyRootFilesystem'] === true,
    no_new_privs: sc['allowPrivilegeEscalation'] === false,
    ...(groups.length ? { supplemental_groups: groups.map(String) } : {}),
    capabilities: { add_capabilities: (Array.isArray(caps['add']) ? caps['add'] : []).map(String), drop_capabilities: (Array.isArray(caps['drop']) ? caps['drop'] : []).map(String) },
    namespace_options: { network: specOf(pod)['hostNetwork'] === true ? 'NODE' : 'POD', pid: specOf(pod)['hostPID'] === true ? 'NODE' : specOf(pod)['shareProcessNamespace'] === true ? 'POD' : 'CONTAINER', ipc: specOf(pod)['hostIPC'] === true ? 'NODE' : 'POD' },
  };
}

/** pidTargetId: an ephemeral container's targetContainerName, whose PID namespace it joins. */
export function linuxContainerConfig(pod: KubeObject, container: Record<string, unknown>, pidTargetId?: string): LinuxContainerConfig {
  const security = linuxSecurity(pod, container);
  if (pidTargetId && security.namespace_options) security.namespace_options = { ...security.namespace_options, pid: 'TARGET', target_id: pidTargetId };
  return { resources: linuxResources(container), security_context: security };
}
