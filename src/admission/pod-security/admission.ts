// PodSecurity admission: the namespace's pod-security.kubernetes.io/{enforce,audit,warn}[-version] labels choose a
// Pod Security Standard level per mode. Pods that break the enforce level are refused; what breaks the warn level
// comes back as a warning (kubectl prints it), for pods and for workloads' pod templates alike (workloads are never
// refused: their pods are). Tightening a namespace's enforce level warns about the pods already there.
import { isRecord, type KubeObject } from '../../api/object.js';
import { StatusError } from '../../api/status.js';
import { admissionForbidden } from '../errors.js';
import type { AdmissionReader } from '../reader.js';
import type { AdmissionPlugin, AdmissionRequest } from '../types.js';
import { evaluatePod, type Level, type PodLike } from './checks.js';

export const labelPrefix = 'pod-security.kubernetes.io/';
const modes = ['enforce', 'audit', 'warn'] as const;

/** Audit annotations kube-apiserver's PodSecurity admission adds to a pod's audit events. */
export const enforcePolicyAnnotation = 'pod-security.kubernetes.io/enforce-policy';
export const auditViolationsAnnotation = 'pod-security.kubernetes.io/audit-violations';
export const exemptAnnotation = 'pod-security.kubernetes.io/exempt';
type Mode = (typeof modes)[number];

export interface LevelVersion {
  level: Level;
  version: string;
}

export type Policy = Record<Mode, LevelVersion>;

export interface PodSecurityExemptions {
  usernames?: string[];
  namespaces?: string[];
  runtimeClasses?: string[];
}

export interface PodSecurityOptions {
  reader: AdmissionReader;
  exemptions?: PodSecurityExemptions;
  /** The policy of namespaces without labels (default privileged:latest for every mode). */
  defaults?: Policy;
  /** At most this many existing pods are dry-run when a namespace's enforce level tightens (default 3000). */
  maxPodsToCheck?: number;
}

const levelRank: Record<Level, number> = { privileged: 0, baseline: 1, restricted: 2 };
const privilegedLatest = (): LevelVersion => ({ level: 'privileged', version: 'latest' });
export const defaultPolicy = (): Policy => ({ enforce: privilegedLatest(), audit: privilegedLatest(), warn: privilegedLatest() });

export function policyText(lv: LevelVersion): string {
  return `${lv.level}:${lv.version}`;
}

function parseLevel(v: string): Level | undefined {
  return v === 'privileged' || v === 'baseline' || v === 'restricted' ? v : undefined;
}

function parseVersion(v: string): string | undefined {
  return v === 'latest' || /^v1\.(0|[1-9][0-9]*)$/.test(v) ? v : undefined;
}

/** The policy the labels ask for, and the label errors (a bad level counts as restricted, a bad version as latest). */
export function policyFromLabels(labels: Record<string, string> | undefined, defaults: Policy = defaultPolicy()): { policy: Policy; errors: string[] } {
  const policy: Policy = { enforce: { ...defaults.enforce }, audit: { ...defaults.audit }, warn: { ...defaults.warn } };
  const errs: string[] = [];
  const invalid = (key: string, value: string, msg: string) => errs.push(`metadata.labels[${key}]: Invalid value: ${JSON.stringify(value)}: ${msg}`);
  const has: Record<string, boolean> = {};
  for (const mode of modes) {
    const levelKey = `${labelPrefix}${mode}`;
    const versionKey = `${levelKey}-version`;
    const level = labels && Object.hasOwn(labels, levelKey) ? labels[levelKey] : undefined;
    if (typeof level === 'string') {
      const parsed = parseLevel(level);
      policy[mode].level = parsed ?? 'restricted';
      has[`${mode}Level`] = parsed !== undefined;
      if (!parsed) invalid(levelKey, level, 'must be one of privileged, baseline, restricted');
    }
    const version = labels && Object.hasOwn(labels, versionKey) ? labels[versionKey] : undefined;
    if (typeof version === 'string') {
      const parsed = parseVersion(version);
      policy[mode].version = parsed ?? 'latest';
      has[`${mode}Version`] = parsed !== undefined;
      if (!parsed) invalid(versionKey, version, 'must be "latest" or "v1.x"');
    }
  }
  // An explicit enforce level stricter than warn also warns at that level.
  if (!has['warnLevel'] && has['enforceLevel'] && levelRank[policy.enforce.level] > levelRank[policy.warn.level]) {
    policy.warn.level = policy.enforce.level;
    if (!has['warnVersion']) policy.warn.version = policy.enforce.version;
  }
  return { policy, errors: errs };
}

function aggregate(messages: string[]): string {
  return messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
}

/** Resources whose objects carry a pod template, and where the template sits. */
const podTemplatePaths: Record<string, string[]> = {
  '/replicationcontrollers': ['spec', 'template'],
  '/podtemplates': ['template'],
  'apps/replicasets': ['spec', 'template'],
  'apps/deployments': ['spec', 'template'],
  'apps/statefulsets': ['spec', 'template'],
  'apps/daemonsets': ['spec', 'template'],
  'batch/jobs': ['spec', 'template'],
  'batch/cronjobs': ['spec', 'jobTemplate', 'spec', 'template'],
};

/** Pod subresources that cannot change what the pod runs. */
const ignoredPodSubresources = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

function dict(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

function podLike(metadata: unknown, spec: unknown): PodLike {
  const annotations = dict(dict(metadata)['annotations']);
  const strings: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations)) if (typeof v === 'string') Object.defineProperty(strings, k, { value: v, enumerable: true });
  return { metadata: { annotations: strings }, spec: dict(spec) };
}

function templateOf(obj: Readonly<KubeObject>, path: string[]): PodLike | undefined {
  let cur: unknown = obj;
  for (const key of path) cur = dict(cur)[key];
  if (!isRecord(cur)) return undefined;
  return podLike(cur['metadata'], cur['spec']);
}

const runtimeClassOf = (pod: PodLike) => (typeof pod.spec['runtimeClassName'] === 'string' ? pod.spec['runtimeClassName'] : '');

/** Whether a pod update changes what PodSecurity judges (images, seccomp annotations, containers added). */
function significantPodUpdate(pod: Readonly<KubeObject>, old: Readonly<KubeObject>): boolean {
  const a = dict(pod.metadata.annotations);
  const b = dict(old.metadata.annotations);
  if (a['seccomp.security.alpha.kubernetes.io/pod'] !== b['seccomp.security.alpha.kubernetes.io/pod']) return true;
  const spec = dict(pod['spec']);
  const oldSpec = dict(old['spec']);
  for (const key of ['containers', 'initContainers']) {
    const cs = Array.isArray(spec[key]) ? (spec[key] as unknown[]) : [];
    const os = Array.isArray(oldSpec[key]) ? (oldSpec[key] as unknown[]) : [];
    if (cs.length !== os.length) return true;
    for (let i = 0; i < cs.length; i++) {
      const c = dict(cs[i]);
      const o = dict(os[i]);
      if (c['image'] !== o['image']) return true;
      const seccompKey = `container.seccomp.security.alpha.kubernetes.io/${String(c['name'] ?? '')}`;
      if (a[seccompKey] !== b[seccompKey]) return true;
    }
  }
  const ephemeral = Array.isArray(spec['ephemeralContainers']) ? spec['ephemeralContainers'].map(dict) : [];
  const oldEphemeral = Array.isArray(oldSpec['ephemeralContainers']) ? oldSpec['ephemeralContainers'].map(dict) : [];
  for (const c of ephemeral) {
    const o = oldEphemeral.find((x) => x['name'] === c['name']);
    if (!o || o['image'] !== c['image']) return true;
  }
  return false;
}

export function podSecurityAdmission(opts: PodSecurityOptions): AdmissionPlugin {
  const exempt = opts.exemptions ?? {};
  const maxPods = opts.maxPodsToCheck ?? 3000;
  const defaults = opts.defaults ?? defaultPolicy();
  const isExemptNamespace = (ns: string) => ns !== '' && (exempt.namespaces ?? []).includes(ns);
  const isExemptUser = (name: string) => name !== '' && (exempt.usernames ?? []).includes(name);
  const isExemptRuntimeClass = (name: string) => name !== '' && (exempt.runtimeClasses ?? []).includes(name);

  async function namespacePolicy(namespace: string) {
    const ns = await opts.reader.get({ group: '', resource: 'namespaces' }, '', namespace);
    return policyFromLabels(ns?.metadata.labels, defaults);
  }

  /** The audit level's verdict as an audit annotation, as kube-apiserver records it. */
  function audit(req: AdmissionRequest, policy: Policy, pod: PodLike): void {
    if (!req.annotate || policy.audit.level === 'privileged') return;
    const result = evaluatePod(policy.audit.level, pod);
    if (result) req.annotate(auditViolationsAnnotation, `would violate PodSecurity ${JSON.stringify(policyText(policy.audit))}: ${result.detail}`);
  }

  function warn(req: AdmissionRequest, policy: Policy, pod: PodLike, skip?: LevelVersion): void {
    if (!req.warn || policy.warn.level === 'privileged') return;
    if (skip && skip.level === policy.warn.level && skip.version === policy.warn.version) return;
    const result = evaluatePod(policy.warn.level, pod);
    if (result) req.warn(`would violate PodSecurity ${JSON.stringify(policyText(policy.warn))}: ${result.detail}`);
  }

  async function validateNamespace(req: AdmissionRequest): Promise<void> {
    const next = policyFromLabels(req.object.metadata.labels, defaults);
    const invalid = (message: string) => {
      const base = admissionForbidden(req, message);
      return new StatusError({ ...base.status, message, reason: 'Invalid', code: 422 });
    };
    if (req.operation === 'CREATE') {
      if (next.errors.length > 0) throw invalid(aggregate(next.errors));
      return;
    }
    const prev = policyFromLabels(req.oldObject?.metadata.labels, defaults);
    if (next.errors.length > 0 && aggregate(next.errors) !== aggregate(prev.errors)) throw invalid(aggregate(next.errors));
    const a = next.policy.enforce;
    const b = prev.policy.enforce;
    if (a.level === b.level && a.version === b.version) return;
    if (a.level === 'privileged') return;
    if (a.version === b.version && levelRank[a.level] <= levelRank[b.level]) return;
    if (isExemptNamespace(req.name)) return;
    for (const w of await existingPodWarnings(req.name, a)) req.warn?.(w);
  }

  async function existingPodWarnings(namespace: string, enforce: LevelVersion): Promise<string[]> {
    const all = [...(await opts.reader.list({ group: '', resource: 'pods' }, namespace))];
    const pods = all.slice(0, maxPods);
    const counts = new Map<string, { first: string; count: number }>();
    const order: string[] = [];
    for (const pod of pods) {
      const like = podLike(pod.metadata, pod['spec']);
      if (isExemptRuntimeClass(runtimeClassOf(like))) continue;
      const r = evaluatePod(enforce.level, like);
      if (!r) continue;
      const warning = r.reasons.join(', ');
      const name = pod.metadata.name ?? '';
      const c = counts.get(warning);
      if (!c) {
        counts.set(warning, { first: name, count: 1 });
        order.push(warning);
      } else {
        c.count++;
        if (name < c.first) c.first = name;
      }
    }
    const out: string[] = [];
    if (pods.length < all.length) out.push(`new PodSecurity enforce level only checked against the first ${pods.length} of ${all.length} existing pods`);
    if (order.length > 0) out.push(`existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(policyText(enforce))}`);
    const decorated = order.map((w) => {
      const c = counts.get(w)!;
      if (c.count === 1) return `${c.first}: ${w}`;
      if (c.count === 2) return `${c.first} (and 1 other pod): ${w}`;
      return `${c.first} (and ${c.count - 1} other pods): ${w}`;
    });
    return [...out, ...decorated.sort()];
  }

  /** Exempt by namespace or user: recorded in the audit log as kube-apiserver records it. */
  function exemption(req: AdmissionRequest): boolean {
    const why = isExemptNamespace(req.namespace) ? 'namespace' : isExemptUser(req.user.name) ? 'user' : undefined;
    if (why) req.annotate?.(exemptAnnotation, why);
    return why !== undefined;
  }

  async function validatePod(req: AdmissionRequest): Promise<void> {
    if (exemption(req)) return;
    const { policy } = await namespacePolicy(req.namespace);
    if (policy.enforce.level === 'privileged' && policy.warn.level === 'privileged' && policy.audit.level === 'privileged') {
      req.annotate?.(enforcePolicyAnnotation, policyText(policy.enforce));
      return;
    }
    if (req.operation === 'UPDATE' && req.oldObject && !significantPodUpdate(req.object, req.oldObject)) return;
    const pod = podLike(req.object.metadata, req.object['spec']);
    if (isExemptRuntimeClass(runtimeClassOf(pod))) {
      req.annotate?.(exemptAnnotation, 'runtimeClass');
      return;
    }
    req.annotate?.(enforcePolicyAnnotation, policyText(policy.enforce));
    audit(req, policy, pod);
    const refused = evaluatePod(policy.enforce.level, pod);
    if (refused) throw admissionForbidden(req, `violates PodSecurity ${JSON.stringify(policyText(policy.enforce))}: ${refused.detail}`);
    warn(req, policy, pod);
  }

  async function validateTemplate(req: AdmissionRequest, path: string[]): Promise<void> {
    if (exemption(req)) return;
    const { policy } = await namespacePolicy(req.namespace);
    if (policy.warn.level === 'privileged' && policy.audit.level === 'privileged') return;
    const pod = templateOf(req.object, path);
    if (!pod) return;
    if (isExemptRuntimeClass(runtimeClassOf(pod))) {
      req.annotate?.(exemptAnnotation, 'runtimeClass');
      return;
    }
    audit(req, policy, pod);
    warn(req, policy, pod);
  }

  const templatePath = (req: AdmissionRequest) => podTemplatePaths[`${req.resource.group}/${req.resource.resource}`];

  return {
    name: 'PodSecurity',
    handles(req) {
      if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return false;
      const { group, resource } = req.resource;
      if (group === '' && resource === 'namespaces') return req.subresource === '';
      if (group === '' && resource === 'pods') return !ignoredPodSubresources.has(req.subresource);
      return req.subresource === '' && templatePath(req) !== undefined;
    },
    async validate(req) {
      const { group, resource } = req.resource;
      if (group === '' && resource === 'namespaces') return validateNamespace(req);
      if (group === '' && resource === 'pods') return validatePod(req);
      const path = templatePath(req);
      if (path) return validateTemplate(req, path);
    },
  };
}

