// The objects `run NAME --image=IMAGE` generates: a Deployment (restart Always, as the seed expects),
// a bare Pod (restart Never) or a Job (restart OnFailure), with `run=NAME` labels; and the --overrides merge.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { CliError } from '../errors.js';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface RunParams {
  name: string;
  image: string;
  /** Set only when -n was given (kubectl's EnforceNamespace). */
  namespace?: string;
  restart: RestartPolicy;
  replicas: number;
  /** The raw --port value; "" for none. */
  port: string;
  env: string[];
  /** The raw --labels value; "" means run=NAME. */
  labels: string;
  annotations: string[];
  imagePullPolicy: string;
  privileged: boolean;
  /** Words after `--`: the container's args, or its command with --command. */
  args: string[];
  command: boolean;
}

export function restartPolicyOf(value: string): RestartPolicy {
  if (value === 'Always' || value === 'OnFailure' || value === 'Never') return value;
  throw new CliError(`invalid restart policy: ${value}`);
}

/** "a=b,c=d"; kubectl's ParseLabels wording for a bad entry. */
export function parseLabelSpec(spec: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of spec.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || pair.indexOf('=', eq + 1) >= 0) throw new CliError(`unexpected label spec: ${pair}`);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

function parseEnv(env: readonly string[]): { name: string; value: string }[] {
  return env.map((e) => {
    const eq = e.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid env: ${e}`);
    return { name: e.slice(0, eq), value: e.slice(eq + 1) };
  });
}

function parseAnnotations(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of items) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid annotation spec: ${a}`);
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

/** The containerPort, or undefined; Go's strconv.Atoi wording for a bad one. */
export function parsePort(port: string): number | undefined {
  if (port === '') return undefined;
  if (!/^[+-]?\d+$/.test(port)) throw new CliError(`strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`);
  return Number(port);
}

export function runLabels(p: RunParams): Record<string, string> {
  return p.labels ? parseLabelSpec(p.labels) : { run: p.name };
}

function container(p: RunParams): Record<string, unknown> {
  const port = parsePort(p.port);
  const env = parseEnv(p.env);
  return {
    name: p.name,
    image: p.image,
    ...(p.args.length > 0 ? { [p.command ? 'command' : 'args']: p.args } : {}),
    ...(port !== undefined ? { ports: [{ containerPort: port }] } : {}),
    ...(env.length > 0 ? { env } : {}),
    resources: {},
    ...(p.imagePullPolicy ? { imagePullPolicy: p.imagePullPolicy } : {}),
    ...(p.privileged ? { securityContext: { privileged: true } } : {}),
  };
}

export function generateRunObject(p: RunParams): KubeObject {
  const labels = runLabels(p);
  const annotations = parseAnnotations(p.annotations);
  const metadata = {
    name: p.name,
    ...(p.namespace !== undefined ? { namespace: p.namespace } : {}),
    creationTimestamp: null,
    labels,
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  const containers = [container(p)];
  const template = { metadata: { creationTimestamp: null, labels, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) } };
  switch (p.restart) {
    case 'Never':
      return { kind: 'Pod', apiVersion: 'v1', metadata, spec: { containers, restartPolicy: 'Never', dnsPolicy: 'ClusterFirst' }, status: {} };
    case 'OnFailure':
      return { kind: 'Job', apiVersion: 'batch/v1', metadata, spec: { template: { ...template, spec: { containers, restartPolicy: 'OnFailure' } } }, status: {} };
    case 'Always':
      return {
        kind: 'Deployment',
        apiVersion: 'apps/v1',
        metadata,
        spec: { replicas: p.replicas, selector: { matchLabels: labels }, template: { ...template, spec: { containers } }, strategy: {} },
        status: {},
      };
    default: {
      const no: never = p.restart;
      throw new Error(String(no));
    }
  }
}

export const openAPIDefinitions: Record<string, string> = {
  Deployment: 'io.k8s.api.apps.v1.Deployment',
  Pod: 'io.k8s.api.core.v1.Pod',
  Job: 'io.k8s.api.batch.v1.Job',
  Service: 'io.k8s.api.core.v1.Service',
};

export type OverrideType = 'json' | 'merge' | 'strategic';

export interface OverridePatches {
  applyStrategicMergePatch(doc: unknown, patch: unknown, definition: string): unknown;
  applyMergePatch(doc: unknown, patch: unknown): unknown;
  applyJsonPatch(doc: unknown, patch: unknown): unknown;
}

/** kubectl's Overrider: the --overrides JSON applied to the generated object with the chosen patch type. */
export function applyOverrides(obj: KubeObject, overrides: string, type: string, patches: OverridePatches): KubeObject {
  let patch: unknown;
  try {
    patch = JSON.parse(overrides) as unknown;
  } catch {
    throw new CliError(type === 'merge' ? 'Invalid JSON Patch' : 'invalid JSON document');
  }
  let out: unknown;
  switch (type) {
    case 'strategic':
      if (!isRecord(patch)) throw new CliError('invalid JSON document');
      out = patches.applyStrategicMergePatch(obj, patch, openAPIDefinitions[obj.kind ?? ''] ?? '');
      break;
    case 'merge':
      out = patches.applyMergePatch(obj, patch);
      break;
    case 'json':
      out = patches.applyJsonPatch(obj, patch);
      break;
    default:
      throw new CliError(`invalid override type: ${type}`);
  }
  if (!isRecord(out) || !isRecord(out.metadata)) throw new CliError('unable to decode the overridden object');
  return out as KubeObject;
}

/** The ClusterIP Service `run --expose` creates in front of the generated object. */
export function generateRunService(p: RunParams): KubeObject {
  const port = parsePort(p.port);
  if (port === undefined) throw new CliError('--port must be set when exposing a service');
  return {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { name: p.name, ...(p.namespace !== undefined ? { namespace: p.namespace } : {}), creationTimestamp: null },
    spec: { ports: [{ port, protocol: 'TCP', targetPort: port }], selector: runLabels(p) },
    status: { loadBalancer: {} },
  };
}
