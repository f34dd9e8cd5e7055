// Per-kind describe layouts (kubectl/pkg/describe). Kinds without one get the generic header and Events.
import { getOwn, setOwn } from '../../api/own.js';
import type { KubeObject } from '../../api/object.js';
import { writeEvents } from './events.js';
import { formatSelector, list, rec, rfc1123z, str, strMap } from './format.js';
import { DescribeWriter } from './writer.js';
import { canonicalQuantity, formatQuantity, toQuantity } from '../../api/quantity.js';

export interface DescribeExtras {
  events?: KubeObject[];
  /** For deployments: their ReplicaSets. */
  replicaSets?: KubeObject[];
  /** For replicasets: their pods' phases. */
  pods?: KubeObject[];
  now: Date;
}

type Describer = (o: KubeObject, w: DescribeWriter, x: DescribeExtras) => void;

const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
const maxAnnotationLength = 140;

/** kubectl hides the last-applied annotation and shortens long or multi-line values. */
export function shownAnnotations(a: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!a) return a;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a)) {
    if (k === lastApplied) continue;
    const one = v.trim().replace(/\n/g, ' ');
    setOwn(out, k, one.length > maxAnnotationLength ? `${one.slice(0, maxAnnotationLength - 3)}...` : one);
  }
  return out;
}

function header(o: KubeObject, w: DescribeWriter, opts: { namespace?: boolean; created?: boolean } = {}): void {
  w.line(0, 'Name:', o.metadata.name ?? '');
  if (opts.namespace !== false && o.metadata.namespace !== undefined) w.line(0, 'Namespace:', o.metadata.namespace);
  if (opts.created) w.line(0, 'CreationTimestamp:', rfc1123z(o.metadata.creationTimestamp));
  w.map(0, 'Labels', o.metadata.labels);
  w.map(0, 'Annotations', shownAnnotations(o.metadata.annotations), ': ');
}

// Pods print container names two spaces in and their fields four; pod templates (one level in) three and four.
function containers(w: DescribeWriter, level: number, cs: Record<string, unknown>[], title = 'Containers'): void {
  if (cs.length === 0) return;
  w.line(level, `${title}:`);
  const nameIndent = level === 0 ? '  ' : '   ';
  level = 0; // fields sit at four spaces either way
  for (const c of cs) {
    w.raw(`${nameIndent}${str(c.name)}:`);
    w.line(level + 2, 'Image:', str(c.image));
    const ports = list(c.ports);
    w.line(level + 2, 'Port:', ports.length ? ports.map((p) => `${str(p.containerPort)}/${str(p.protocol, 'TCP')}`).join(', ') : '<none>');
    w.line(level + 2, 'Host Port:', ports.length ? ports.map((p) => `${str(p.hostPort, '0')}/${str(p.protocol, 'TCP')}`).join(', ') : '<none>');
    if (Array.isArray(c.command)) {
      w.line(level + 2, 'Command:');
      for (const a of c.command) w.line(level + 3, str(a));
    }
    if (Array.isArray(c.args)) {
      w.line(level + 2, 'Args:');
      for (const a of c.args) w.line(level + 3, str(a));
    }
    const env = list(c.env);
    if (env.length === 0) w.line(level + 2, 'Environment:', '<none>');
    else {
      w.line(level + 2, 'Environment:');
      for (const e of env) w.line(level + 3, `${str(e.name)}:`, e.value !== undefined ? str(e.value) : '<set from source>');
    }
    const mounts = list(c.volumeMounts);
    if (mounts.length === 0) w.line(level + 2, 'Mounts:', '<none>');
    else {
      w.line(level + 2, 'Mounts:');
      for (const m of mounts) w.line(level + 3, `${str(m.mountPath)} from ${str(m.name)} (${m.readOnly ? 'ro' : 'rw'})`);
    }
  }
}

function volumes(w: DescribeWriter, level: number, vs: Record<string, unknown>[]): void {
  if (vs.length === 0) {
    w.line(level, 'Volumes:', '<none>');
    return;
  }
  w.line(level, 'Volumes:');
  for (const v of vs) {
    w.line(level + 1, `${str(v.name)}:`);
    const type = Object.keys(v).find((k) => k !== 'name') ?? '';
    w.line(level + 2, 'Type:', type);
  }
}

function podTemplate(w: DescribeWriter, t: Record<string, unknown>): void {
  const meta = rec(t.metadata);
  const spec = rec(t.spec);
  w.line(0, 'Pod Template:');
  w.map(1, 'Labels', strMap(meta.labels));
  if (meta.annotations) w.map(1, 'Annotations', shownAnnotations(strMap(meta.annotations)), ': ');
  if (spec.serviceAccountName) w.line(1, 'Service Account:', str(spec.serviceAccountName));
  containers(w, 1, list(spec.initContainers), 'Init Containers');
  containers(w, 1, list(spec.containers));
  volumes(w, 1, list(spec.volumes));
  w.map(1, 'Node-Selectors', strMap(spec.nodeSelector), '=');
  w.line(1, 'Tolerations:', list(spec.tolerations).length ? list(spec.tolerations).map((x) => `${str(x.key)}${x.operator === 'Exists' ? '' : `=${str(x.value)}`}:${str(x.effect)}`).join(', ') : '<none>');
}

function conditions(w: DescribeWriter, conds: Record<string, unknown>[], withReason: boolean): void {
  if (conds.length === 0) return;
  w.line(0, 'Conditions:');
  w.line(1, 'Type', 'Status', ...(withReason ? ['Reason'] : []));
  w.line(1, '----', '------', ...(withReason ? ['------'] : []));
  for (const c of conds) w.line(1, str(c.type), str(c.status), ...(withReason ? [str(c.reason)] : []));
}

const quotaScopeHelp: Record<string, string> = {
  Terminating: 'Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system.',
  NotTerminating: 'Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate.',
  BestEffort: 'Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.',
  NotBestEffort: 'Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.',
};

/** Used in the hard value's format, as kubectl shows it when the two were written differently. */
function usedAsHard(used: unknown, hard: unknown): string {
  const u = toQuantity(used ?? '0');
  const h = toQuantity(hard);
  if (!u || !h) return str(used, '0');
  if (u.format === h.format) return formatQuantity(u);
  const whole = (u.nanos + 999_999_999n) / 1_000_000_000n;
  return formatQuantity({ nanos: whole * 1_000_000_000n, format: h.format });
}

const describers: Record<string, Describer> = {
  ResourceQuota(o, w) {
    w.line(0, 'Name:', o.metadata.name ?? '');
    w.line(0, 'Namespace:', o.metadata.namespace ?? '');
    const scopes = (Array.isArray(rec(o.spec).scopes) ? (rec(o.spec).scopes as unknown[]) : []).map((x) => str(x)).sort();
    if (scopes.length > 0) {
      w.line(0, 'Scopes:', scopes.join(', '));
      for (const scope of scopes) if (quotaScopeHelp[scope]) w.raw(` * ${quotaScopeHelp[scope]}`);
    }
    w.line(0, 'Resource', 'Used', 'Hard');
    w.line(0, '--------', '----', '----');
    const hard = rec(rec(o.status).hard);
    const used = rec(rec(o.status).used);
    for (const name of Object.keys(hard).sort()) w.line(0, name, usedAsHard(getOwn(used, name), getOwn(hard, name)), str(canonicalQuantity(getOwn(hard, name))));
  },
  Namespace(o, w) {
    header(o, w, { namespace: false });
    w.line(0, 'Status:', str(rec(o.status).phase));
    w.blank();
    w.line(0, 'No resource quota.');
    w.blank();
    w.line(0, 'No LimitRange resource.');
  },
  ServiceAccount(o, w, x) {
    header(o, w);
    const names = (v: unknown) => (list(v).length ? list(v).map((s) => str(s.name)) : ['<none>']);
    names(o.imagePullSecrets).forEach((n, i) => w.line(0, i === 0 ? 'Image pull secrets:' : '', n));
    names(o.secrets).forEach((n, i) => w.line(0, i === 0 ? 'Mountable secrets:' : '', n));
    w.line(0, 'Tokens:', '<none>');
    writeEvents(w, x.events ?? [], x.now);
  },
  ConfigMap(o, w, x) {
    header(o, w);
    w.blank();
    w.line(0, 'Data');
    w.line(0, '====');
    for (const [k, v] of Object.entries(rec(o.data)).sort(([a], [b]) => a.localeCompare(b))) {
      w.line(0, `${k}:`);
      w.line(0, '----');
      w.line(0, str(v));
      w.blank();
    }
    w.blank();
    w.line(0, 'BinaryData');
    w.line(0, '====');
    for (const [k, v] of Object.entries(rec(o.binaryData))) w.line(0, `${k}: ${Buffer.from(str(v), 'base64').length} bytes`);
    w.blank();
    writeEvents(w, x.events ?? [], x.now);
  },
  Secret(o, w) {
    header(o, w);
    w.blank();
    w.line(0, 'Type:', str(o.type));
    w.blank();
    w.line(0, 'Data');
    w.line(0, '====');
    for (const [k, v] of Object.entries(rec(o.data)).sort(([a], [b]) => a.localeCompare(b))) w.line(0, `${k}:`, `${Buffer.from(str(v), 'base64').length} bytes`);
  },
  Service(o, w, x) {
    header(o, w);
    const spec = rec(o.spec);
    w.map(0, 'Selector', strMap(spec.selector));
    w.line(0, 'Type:', str(spec.type, 'ClusterIP'));
    w.line(0, 'IP Family Policy:', str(spec.ipFamilyPolicy, 'SingleStack'));
    w.line(0, 'IP Families:', Array.isArray(spec.ipFamilies) ? spec.ipFamilies.map((f) => str(f)).join(',') : 'IPv4');
    w.line(0, 'IP:', str(spec.clusterIP, '<none>'));
    w.line(0, 'IPs:', Array.isArray(spec.clusterIPs) ? spec.clusterIPs.map((f) => str(f)).join(',') : str(spec.clusterIP, '<none>'));
    for (const p of list(spec.ports)) {
      const name = str(p.name, '<unset>');
      w.line(0, 'Port:', `${name}  ${str(p.port)}/${str(p.protocol, 'TCP')}`);
      w.line(0, 'TargetPort:', `${str(p.targetPort, str(p.port))}/${str(p.protocol, 'TCP')}`);
      if (p.nodePort) w.line(0, 'NodePort:', `${name}  ${str(p.nodePort)}/${str(p.protocol, 'TCP')}`);
    }
    w.line(0, 'Session Affinity:', str(spec.sessionAffinity, 'None'));
    w.line(0, 'Internal Traffic Policy:', str(spec.internalTrafficPolicy, 'Cluster'));
    writeEvents(w, x.events ?? [], x.now);
  },
  Deployment(o, w, x) {
    header(o, w, { created: true });
    const spec = rec(o.spec);
    const status = rec(o.status);
    const n = (v: unknown) => (typeof v === 'number' ? v : 0);
    w.line(0, 'Selector:', formatSelector(spec.selector));
    w.line(0, 'Replicas:', `${n(spec.replicas)} desired | ${n(status.updatedReplicas)} updated | ${n(status.replicas)} total | ${n(status.availableReplicas)} available | ${n(status.unavailableReplicas)} unavailable`);
    const strategy = rec(spec.strategy);
    w.line(0, 'StrategyType:', str(strategy.type));
    w.line(0, 'MinReadySeconds:', str(spec.minReadySeconds, '0'));
    if (strategy.type === 'RollingUpdate') {
      const ru = rec(strategy.rollingUpdate);
      w.line(0, 'RollingUpdateStrategy:', `${str(ru.maxUnavailable)} max unavailable, ${str(ru.maxSurge)} max surge`);
    }
    podTemplate(w, rec(spec.template));
    conditions(w, list(status.conditions), true);
    const owned = x.replicaSets ?? [];
    const newest = owned.find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === o.metadata.annotations?.['deployment.kubernetes.io/revision']);
    const old = owned.filter((rs) => rs !== newest && n(rec(rs.spec).replicas) > 0);
    const rsText = (rs: KubeObject) => `${rs.metadata.name ?? ''} (${n(rec(rs.status).replicas)}/${n(rec(rs.spec).replicas)} replicas created)`;
    w.line(0, 'OldReplicaSets:', old.length ? old.map(rsText).join(', ') : '<none>');
    w.line(0, 'NewReplicaSet:', newest ? rsText(newest) : '<none>');
    writeEvents(w, x.events ?? [], x.now);
  },
  ReplicaSet(o, w, x) {
    header(o, w);
    const spec = rec(o.spec);
    const status = rec(o.status);
    w.line(0, 'Selector:', formatSelector(spec.selector));
    const owner = o.metadata.ownerReferences?.find((r) => r.controller);
    w.line(0, 'Controlled By:', owner ? `${owner.kind}/${owner.name}` : '<none>');
    w.line(0, 'Replicas:', `${str(status.replicas, '0')} current / ${str(spec.replicas, '0')} desired`);
    const phases = (p: string) => (x.pods ?? []).filter((pod) => rec(pod.status).phase === p).length;
    w.line(0, 'Pods Status:', `${phases('Running')} Running / ${phases('Pending')} Waiting / ${phases('Succeeded')} Succeeded / ${phases('Failed')} Failed`);
    podTemplate(w, rec(spec.template));
    conditions(w, list(status.conditions), true);
    writeEvents(w, x.events ?? [], x.now);
  },
  Pod(o, w, x) {
    const spec = rec(o.spec);
    const status = rec(o.status);
    w.line(0, 'Name:', o.metadata.name ?? '');
    w.line(0, 'Namespace:', o.metadata.namespace ?? '');
    w.line(0, 'Priority:', str(spec.priority, '0'));
    if (spec.priorityClassName) w.line(0, 'Priority Class Name:', str(spec.priorityClassName));
    w.line(0, 'Service Account:', str(spec.serviceAccountName, 'default'));
    w.line(0, 'Node:', spec.nodeName ? `${str(spec.nodeName)}/${str(status.hostIP)}` : '<none>');
    if (status.startTime) w.line(0, 'Start Time:', rfc1123z(status.startTime));
    w.map(0, 'Labels', o.metadata.labels);
    w.map(0, 'Annotations', shownAnnotations(o.metadata.annotations), ': ');
    if (o.metadata.deletionTimestamp) w.line(0, 'Status:', `Terminating (lasts ${o.metadata.deletionGracePeriodSeconds ?? 0}s)`);
    else w.line(0, 'Status:', str(status.phase));
    w.line(0, 'IP:', str(status.podIP));
    const ips = list(status.podIPs);
    if (ips.length === 0) w.line(0, 'IPs:', '<none>');
    else {
      w.line(0, 'IPs:');
      for (const ip of ips) w.line(1, 'IP:', str(ip.ip));
    }
    const owner = o.metadata.ownerReferences?.find((r) => r.controller);
    if (owner) w.line(0, 'Controlled By:', `${owner.kind}/${owner.name}`);
    containers(w, 0, list(spec.initContainers), 'Init Containers');
    containers(w, 0, list(spec.containers));
    conditions(w, list(status.conditions), false);
    volumes(w, 0, list(spec.volumes));
    w.line(0, 'QoS Class:', str(status.qosClass, 'BestEffort'));
    w.map(0, 'Node-Selectors', strMap(spec.nodeSelector));
    const tol = list(spec.tolerations);
    if (tol.length === 0) w.line(0, 'Tolerations:', '<none>');
    tol.forEach((t, i) => {
      const text = `${str(t.key)}${t.operator === 'Exists' ? '' : `=${str(t.value)}`}:${str(t.effect)}${t.tolerationSeconds !== undefined ? ` op=${str(t.operator, 'Equal')} for ${str(t.tolerationSeconds)}s` : ''}`;
      w.line(0, i === 0 ? 'Tolerations:' : '', text);
    });
    writeEvents(w, x.events ?? [], x.now);
  },
};

export function describeObject(o: KubeObject, x: DescribeExtras): string {
  const w = new DescribeWriter();
  const d = describers[o.kind ?? ''];
  if (d) d(o, w, x);
  else {
    header(o, w);
    w.line(0, 'API Version:', o.apiVersion ?? '');
    w.line(0, 'Kind:', o.kind ?? '');
    writeEvents(w, x.events ?? [], x.now);
  }
  return w.toString();
}
