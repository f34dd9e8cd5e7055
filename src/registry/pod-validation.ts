// PodSpec validation (pkg/apis/core/validation/validation.go ValidatePodSpec), the commonly hit parts.
import { field, type FieldError } from '../api/status.js';
import { isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isValidPortName, isValidPortNum, inclusiveRangeError } from '../api/validation/names.js';
import { validateTolerations } from './tolerations.js';
import { validateLabels, validateAnnotations } from '../api/validation/object-meta.js';
import { asObj, isUnset, num, objects, str, type Obj } from './fields.js';
import { validateResources } from './resources-validation.js';
import { validateEphemeralContainerRules } from './pod-ephemeral.js';
import { forbidInitProbes, validateProbesAndHooks } from './probe-validation.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];

export function supportedProtocol(value: unknown, path: string): FieldError[] {
  if (isUnset(value)) return [field.required(path)];
  return PROTOCOLS.includes(str(value)) ? [] : [field.notSupported(path, value, PROTOCOLS)];
}

function validateVolumes(volumes: Obj[], path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  volumes.forEach((v, i) => {
    const p = `${path}[${i}]`;
    const name = str(v.name);
    if (name === '') errs.push(field.required(`${p}.name`));
    else {
      for (const msg of isDNS1123Label(name)) errs.push(field.invalid(`${p}.name`, name, msg));
      if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name));
      names.add(name);
    }
    const sources = Object.keys(v).filter((k) => k !== 'name');
    if (sources.length === 0) errs.push(field.required(p, 'must specify a volume type'));
    for (const extra of sources.slice(1)) errs.push(field.forbidden(`${p}.${extra}`, 'may not specify more than 1 volume type'));
    const projected = asObj(v.projected);
    if (projected) errs.push(...validateProjectedTokens(projected, `${p}.projected`));
  });
  return { errs, names };
}

/** A projected service-account token lives between 10 minutes and 2^32 seconds, and names its file. */
function validateProjectedTokens(projected: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objects(projected.sources).forEach((source, i) => {
    const token = asObj(source.serviceAccountToken);
    if (!token) return;
    const p = `${path}.sources[${i}].serviceAccountToken`;
    const seconds = num(token.expirationSeconds) ?? 0;
    if (seconds < 10 * 60) errs.push(field.invalid(`${p}.expirationSeconds`, seconds, 'may not specify a duration less than 10 minutes'));
    if (seconds > 2 ** 32) errs.push(field.invalid(`${p}.expirationSeconds`, seconds, 'may not specify a duration larger than 2^32 seconds'));
    // Kubernetes reports a missing path against the projection itself, not the source.
    if (str(token.path) === '') errs.push(field.required(`${path}.path`));
  });
  return errs;
}

function validatePorts(ports: Obj[], path: string, portNames: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  ports.forEach((port, i) => {
    const p = `${path}[${i}]`;
    const name = str(port.name);
    if (name !== '') {
      for (const msg of isValidPortName(name)) errs.push(field.invalid(`${p}.name`, name, msg));
      if (portNames.has(name)) errs.push(field.duplicate(`${p}.name`, name));
      portNames.add(name);
    }
    const containerPort = num(port.containerPort) ?? 0;
    if (containerPort === 0) errs.push(field.required(`${p}.containerPort`));
    else for (const msg of isValidPortNum(containerPort)) errs.push(field.invalid(`${p}.containerPort`, containerPort, msg));
    const hostPort = num(port.hostPort) ?? 0;
    if (hostPort !== 0) for (const msg of isValidPortNum(hostPort)) errs.push(field.invalid(`${p}.hostPort`, hostPort, msg));
    errs.push(...supportedProtocol(port.protocol, `${p}.protocol`));
  });
  return errs;
}

function validateEnv(env: Obj[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  env.forEach((e, i) => {
    const p = `${path}[${i}]`;
    const name = str(e.name);
    if (name === '') errs.push(field.required(`${p}.name`));
    else for (const msg of isEnvVarName(name)) errs.push(field.invalid(`${p}.name`, name, msg));
  });
  return errs;
}

function validateMounts(mounts: Obj[], path: string, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  mounts.forEach((m, i) => {
    const p = `${path}[${i}]`;
    const name = str(m.name);
    if (name === '') errs.push(field.required(`${p}.name`));
    else if (!volumes.has(name)) errs.push({ type: 'NotFound', field: `${p}.name`, value: name });
    const mountPath = str(m.mountPath);
    if (mountPath === '') errs.push(field.required(`${p}.mountPath`));
    else {
      if (paths.has(mountPath)) errs.push(field.invalid(`${p}.mountPath`, mountPath, 'must be unique'));
      paths.add(mountPath);
    }
  });
  return errs;
}

/** How a list's probes and lifecycle hooks are checked: regular containers, init containers, or elsewhere (ephemeral). */
type ProbeRule = 'container' | 'init' | 'elsewhere';

function validateContainers(containers: Obj[], path: string, volumes: Set<string>, names: Set<string>, portNames: Set<string>, probes: ProbeRule): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((c, i) => {
    const p = `${path}[${i}]`;
    const name = str(c.name);
    if (name === '') errs.push(field.required(`${p}.name`));
    else {
      for (const msg of isDNS1123Label(name)) errs.push(field.invalid(`${p}.name`, name, msg));
      if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name));
      names.add(name);
    }
    if (str(c.image).trim() === '') errs.push(field.required(`${p}.image`));
    if (!isUnset(c.imagePullPolicy) && !PULL_POLICIES.includes(str(c.imagePullPolicy))) {
      errs.push(field.notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
    }
    if (!isUnset(c.terminationMessagePolicy) && !TERMINATION_MESSAGE_POLICIES.includes(str(c.terminationMessagePolicy))) {
      errs.push(field.notSupported(`${p}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES));
    }
    errs.push(...validatePorts(objects(c.ports), `${p}.ports`, portNames));
    errs.push(...validateEnv(objects(c.env), `${p}.env`));
    errs.push(...validateMounts(objects(c.volumeMounts), `${p}.volumeMounts`, volumes));
    errs.push(...validateResources(c.resources, `${p}.resources`));
    if (probes === 'container') errs.push(...validateProbesAndHooks(c, p));
    else if (probes === 'init') errs.push(...forbidInitProbes(c, p));
  });
  return errs;
}

export interface PodSpecRules {
  /** Allowed restartPolicy values (Deployments: only Always). */
  restartPolicies?: string[];
}

export function validatePodSpec(spec: Obj | undefined, path: string, rules: PodSpecRules = {}): FieldError[] {
  if (!spec) return [field.required(path)];
  const { errs, names: volumeNames } = validateVolumes(objects(spec.volumes), `${path}.volumes`);
  const containerNames = new Set<string>();
  const portNames = new Set<string>();
  const containers = objects(spec.containers);
  if (containers.length === 0) errs.push(field.required(`${path}.containers`));
  errs.push(...validateContainers(objects(spec.initContainers), `${path}.initContainers`, volumeNames, containerNames, portNames, 'init'));
  errs.push(...validateContainers(containers, `${path}.containers`, volumeNames, containerNames, portNames, 'container'));
  const ephemeral = objects(spec.ephemeralContainers);
  if (ephemeral.length > 0) {
    const otherNames = new Set(containerNames);
    errs.push(...validateContainers(ephemeral, `${path}.ephemeralContainers`, volumeNames, containerNames, new Set(), 'elsewhere'));
    errs.push(...validateEphemeralContainerRules(ephemeral, `${path}.ephemeralContainers`, otherNames));
  }

  const allowedRestart = rules.restartPolicies ?? RESTART_POLICIES;
  if (isUnset(spec.restartPolicy)) errs.push(field.required(`${path}.restartPolicy`));
  else if (!allowedRestart.includes(str(spec.restartPolicy))) errs.push(field.notSupported(`${path}.restartPolicy`, spec.restartPolicy, allowedRestart));
  if (isUnset(spec.dnsPolicy)) errs.push(field.required(`${path}.dnsPolicy`));
  else if (!DNS_POLICIES.includes(str(spec.dnsPolicy))) errs.push(field.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));

  const deadline = num(spec.activeDeadlineSeconds);
  if (spec.activeDeadlineSeconds !== undefined && (deadline === undefined || deadline < 1 || deadline > 2147483647)) {
    errs.push(field.invalid(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, inclusiveRangeError(1, 2147483647)));
  }
  const grace = num(spec.terminationGracePeriodSeconds);
  if (grace !== undefined && grace < 0) errs.push(field.invalid(`${path}.terminationGracePeriodSeconds`, grace, 'must be greater than or equal to 0'));
  for (const key of ['serviceAccountName', 'nodeName'] as const) {
    const value = str(spec[key]);
    if (value !== '') for (const msg of isDNS1123Subdomain(value)) errs.push(field.invalid(`${path}.${key}`, value, msg));
  }
  const nodeSelector = asObj(spec.nodeSelector);
  if (nodeSelector) errs.push(...validateLabels(nodeSelector as Record<string, string>, `${path}.nodeSelector`));
  errs.push(...validateTolerations(spec.tolerations, `${path}.tolerations`));
  return errs;
}

/** A pod template (Deployments, ReplicaSets, Jobs...): labels, annotations and the spec. */
export function validatePodTemplateSpec(template: unknown, path: string, rules: PodSpecRules = {}): FieldError[] {
  const t = asObj(template);
  if (!t) return [field.required(path)];
  const meta = asObj(t.metadata) ?? {};
  return [
    ...validateLabels(asObj(meta.labels) as Record<string, string> | undefined, `${path}.metadata.labels`),
    ...validateAnnotations(asObj(meta.annotations) as Record<string, string> | undefined, `${path}.metadata.annotations`),
    ...validatePodSpec(asObj(t.spec), `${path}.spec`, rules),
    ...(objects(asObj(t.spec)?.ephemeralContainers).length > 0 ? [field.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template')] : []),
  ];
}
