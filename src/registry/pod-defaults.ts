// API defaulting of pods and pod templates (pkg/apis/core/v1/defaults.go; k8s-api-facts.md §5.1).
import { setOwn } from '../api/own.js';
import type { KubeObject } from '../api/object.js';
import { asObj, child, isUnset, objects, setDefault, setDefaultInt, str, type Obj } from './fields.js';

const DEFAULT_FILE_MODE = 0o644; // 420

/** The tag of an image reference ("" for digest-only references; "latest" when none is given). */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) return name.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

function defaultProbe(probe: unknown): void {
  const p = asObj(probe);
  if (!p) return;
  setDefaultInt(p, 'timeoutSeconds', 1);
  setDefaultInt(p, 'periodSeconds', 10);
  setDefaultInt(p, 'successThreshold', 1);
  setDefaultInt(p, 'failureThreshold', 3);
  defaultHandler(p);
}

function defaultHandler(h: Obj): void {
  const httpGet = asObj(h.httpGet);
  if (httpGet) {
    setDefault(httpGet, 'path', '/');
    setDefault(httpGet, 'scheme', 'HTTP');
  }
}

function defaultFieldRefs(items: unknown): void {
  for (const item of objects(items)) {
    const fieldRef = asObj(item.fieldRef);
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  }
}

export function defaultContainer(c: Obj, hostNetwork: boolean): void {
  if (isUnset(c.imagePullPolicy)) c.imagePullPolicy = imageTag(str(c.image)) === 'latest' ? 'Always' : 'IfNotPresent';
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'resources', {});
  for (const port of objects(c.ports)) {
    setDefault(port, 'protocol', 'TCP');
    if (hostNetwork && isUnset(port.hostPort)) port.hostPort = port.containerPort;
  }
  for (const env of objects(c.env)) {
    const fieldRef = asObj(asObj(env.valueFrom)?.fieldRef);
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  const lifecycle = asObj(c.lifecycle);
  for (const hook of [asObj(lifecycle?.postStart), asObj(lifecycle?.preStop)]) if (hook) defaultHandler(hook);
}

export function defaultVolume(v: Obj): void {
  // A volume with no source at all is an emptyDir.
  if (Object.keys(v).every((k) => k === 'name')) v.emptyDir = {};
  for (const key of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const source = asObj(v[key]);
    if (source) setDefault(source, 'defaultMode', DEFAULT_FILE_MODE);
  }
  defaultFieldRefs(asObj(v.downwardAPI)?.items);
  for (const source of objects(asObj(v.projected)?.sources)) {
    defaultFieldRefs(asObj(source.downwardAPI)?.items);
    const token = asObj(source.serviceAccountToken);
    if (token) setDefault(token, 'expirationSeconds', 3600);
  }
}

/** SetDefaults_PodSpec and everything nested in it; what pod templates get. */
export function defaultPodSpec(spec: Obj): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'schedulerName', 'default-scheduler');
  // The deprecated field still feeds the current one (conversion).
  if (isUnset(spec.serviceAccountName) && !isUnset(spec.serviceAccount)) spec.serviceAccountName = spec.serviceAccount;
  const hostNetwork = spec.hostNetwork === true;
  for (const c of [...objects(spec.initContainers), ...objects(spec.containers), ...objects(spec.ephemeralContainers)]) {
    defaultContainer(c, hostNetwork);
  }
  for (const v of objects(spec.volumes)) defaultVolume(v);
}

export function defaultPodTemplateSpec(template: Obj): void {
  defaultPodSpec(child(template, 'spec'));
}

/** SetDefaults_Pod: the pod-only defaults on top of the spec's. */
export function defaultPod(pod: KubeObject): void {
  const spec = child(pod, 'spec');
  for (const c of [...objects(spec.initContainers), ...objects(spec.containers)]) {
    const resources = asObj(c.resources);
    const limits = asObj(resources?.limits);
    if (!resources || !limits) continue;
    const requests = child(resources, 'requests');
    for (const [k, v] of Object.entries(limits)) if (!Object.hasOwn(requests, k)) setOwn(requests, k, v);
  }
  setDefault(spec, 'enableServiceLinks', true);
  defaultPodSpec(spec);
}

/** spec.serviceAccount (deprecated) always shows spec.serviceAccountName. */
export function mirrorServiceAccount(pod: KubeObject): void {
  const spec = asObj(pod.spec);
  if (!spec) return;
  if (isUnset(spec.serviceAccountName)) delete spec.serviceAccount;
  else spec.serviceAccount = spec.serviceAccountName;
}
