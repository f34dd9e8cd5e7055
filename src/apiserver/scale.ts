// The scale subresource (autoscaling/v1 Scale) of deployments, replicasets, statefulsets and replicationcontrollers.
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../api/patch/index.js';
import { checkObject, decodeObject, mediaType, parseStructured, readBody } from './body.js';
import { parseDryRun } from './query.js';
import { jsonResponse } from './responses.js';
import type { ResourceScope } from './scope.js';
import { errors, field } from '../api/status.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { parseSimpleJsonPath, setValueAt, valueAt } from '../api/apiextensions/json-path.js';
import { headerValue, type ApiResponse } from './types.js';
import { patchTypes } from './handlers/patch.js';
import { recordWrite } from './field-managers.js';
import { checkBodyTypes, checkPatchedTypes } from './handlers/type-check.js';

const scaleKind = { group: 'autoscaling', version: 'v1', kind: 'Scale', definition: 'io.k8s.api.autoscaling.v1.Scale' };

function selectorString(selector: unknown): string {
  if (!isRecord(selector)) return '';
  const terms: [string, string][] = [];
  const matchLabels = selector['matchLabels'];
  const matchExpressions = selector['matchExpressions'];
  const isLabelSelector = isRecord(matchLabels) || Array.isArray(matchExpressions);
  if (!isLabelSelector) {
    // ReplicationController: a plain map
    for (const [k, v] of Object.entries(selector)) terms.push([k, `${k}=${String(v)}`]);
  } else {
    if (isRecord(matchLabels)) for (const [k, v] of Object.entries(matchLabels)) terms.push([k, `${k}=${String(v)}`]);
    if (Array.isArray(matchExpressions)) {
      for (const e of matchExpressions) {
        if (!isRecord(e) || typeof e['key'] !== 'string') continue;
        const key = e['key'];
        const values = Array.isArray(e['values']) ? [...(e['values'] as unknown[])].map(String).sort() : [];
        switch (e['operator']) {
          case 'In': terms.push([key, `${key} in (${values.join(',')})`]); break;
          case 'NotIn': terms.push([key, `${key} notin (${values.join(',')})`]); break;
          case 'Exists': terms.push([key, key]); break;
          case 'DoesNotExist': terms.push([key, `!${key}`]); break;
        }
      }
    }
  }
  return terms.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((t) => t[1]).join(',');
}

type ScalePaths = NonNullable<ResourceInfo['scalePaths']>;

/** A custom resource's Scale: replicas and selector read at the paths its CRD names. */
function customScale(obj: Readonly<KubeObject>, paths: ScalePaths): { spec: number; status: number; selector: string } {
  const at = (p: string | undefined) => (p ? valueAt(obj, parseSimpleJsonPath(p) ?? []) : undefined);
  const spec = at(paths.specReplicasPath);
  const status = at(paths.statusReplicasPath);
  const selector = at(paths.labelSelectorPath);
  return { spec: typeof spec === 'number' ? spec : 0, status: typeof status === 'number' ? status : 0, selector: typeof selector === 'string' ? selector : '' };
}

export function scaleOf(obj: Readonly<KubeObject>, paths?: ScalePaths): KubeObject {
  const spec = isRecord(obj['spec']) ? obj['spec'] : {};
  const status = isRecord(obj['status']) ? obj['status'] : {};
  const custom = paths ? customScale(obj, paths) : undefined;
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name ?? '',
      ...(m.namespace ? { namespace: m.namespace } : {}),
      ...(m.uid ? { uid: m.uid } : {}),
      ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.creationTimestamp ? { creationTimestamp: m.creationTimestamp } : {}),
    },
    spec: { replicas: custom ? custom.spec : typeof spec['replicas'] === 'number' ? spec['replicas'] : 1 },
    status: custom
      ? { replicas: custom.status, ...(custom.selector ? { selector: custom.selector } : {}) }
      : { replicas: typeof status['replicas'] === 'number' ? status['replicas'] : 0, selector: selectorString(spec['selector']) },
  };
}

async function writeReplicas(s: ResourceScope, desired: KubeObject): Promise<ApiResponse> {
  const name = s.info.urlName;
  const spec = isRecord(desired['spec']) ? desired['spec'] : {};
  const replicas = spec['replicas'];
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw errors.invalid({ group: 'autoscaling', kind: 'Scale' }, name, [field.invalid('spec.replicas', replicas ?? null, 'must be greater than or equal to 0')]);
  }
  const rv = desired.metadata.resourceVersion;
  const { object } = await s.store.update(
    s.info.namespace,
    name,
    (current) => {
      if (!current) throw errors.notFound({ group: s.resource.group, resource: s.resource.resource }, name);
      const paths = s.resource.scalePaths;
      if (paths) {
        if (!setValueAt(current, parseSimpleJsonPath(paths.specReplicasPath) ?? [], replicas)) throw errors.badRequest(`cannot set ${paths.specReplicasPath}`);
      } else current['spec'] = { ...(isRecord(current['spec']) ? current['spec'] : {}), replicas };
      if (rv) current.metadata.resourceVersion = rv;
      return current;
    },
    // The writer owns the parent's spec.replicas, recorded under the scale subresource (as kube-apiserver does).
    { dryRun: parseDryRun(s.info.query), retryOnConflict: !rv, managedFields: recordWrite(s, 'scale') },
  );
  return jsonResponse(200, scaleOf(object, s.resource.scalePaths));
}

export async function handleScale(s: ResourceScope): Promise<ApiResponse> {
  const name = s.info.urlName;
  switch (s.info.verb) {
    case 'get':
      return jsonResponse(200, scaleOf(await s.store.get(s.info.namespace, name), s.resource.scalePaths));
    case 'update': {
      const desired = await decodeObject(s.req, scaleKind);
      checkBodyTypes(desired, scaleKind);
      if (desired.metadata.name && desired.metadata.name !== name) throw errors.badRequest(`the name of the object (${desired.metadata.name}) does not match the name on the URL (${name})`);
      return writeReplicas(s, desired);
    }
    case 'patch': {
      const type = mediaType(headerValue(s.req.headers, 'content-type'));
      if (!patchTypes.includes(type) || type === 'application/apply-patch+yaml') throw errors.unsupportedMediaType(type, patchTypes.slice(0, 3));
      const patch = parseStructured(await readBody(s.req), 'application/json', 'Scale');
      const current = scaleOf(await s.store.get(s.info.namespace, name), s.resource.scalePaths);
      const patched =
        type === 'application/json-patch+json' ? applyJsonPatch(current, patch)
        : type === 'application/merge-patch+json' ? applyMergePatch(current, patch)
        : applyStrategicMergePatch(current, patch, scaleKind.definition);
      checkPatchedTypes(patched, scaleKind, type === 'application/strategic-merge-patch+json' ? 'strategic' : 'json', patch);
      const desired = checkObject(patched, scaleKind);
      if (desired.metadata.resourceVersion === current.metadata.resourceVersion) delete desired.metadata.resourceVersion;
      return writeReplicas(s, desired);
    }
    default:
      throw errors.methodNotAllowed(s.info.verb, { group: s.resource.group, resource: `${s.resource.resource}/scale` });
  }
}
