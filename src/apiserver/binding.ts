// pods/binding and bindings: assign a pod to a node (the scheduler's write), 409 when already bound.
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import { checkNamespace, decodeObject } from './body.js';
import { parseDryRun } from './query.js';
import { jsonResponse } from './responses.js';
import type { ResourceScope } from './scope.js';
import { errors, field, successStatus, type FieldError } from '../api/status.js';
import type { ApiResponse } from './types.js';
import type { Store } from '../registry/store.js';

const bindingKind = { group: '', version: 'v1', kind: 'Binding', definition: 'io.k8s.api.core.v1.Binding' };
const bindingGR = { group: '', resource: 'pods/binding' };

function validateBinding(b: KubeObject): FieldError[] {
  const target = isRecord(b['target']) ? b['target'] : {};
  const errs: FieldError[] = [];
  if (typeof target['name'] !== 'string' || target['name'] === '') errs.push(field.required('target.name'));
  const kind = target['kind'];
  if (kind !== undefined && kind !== '' && kind !== 'Node') errs.push(field.notSupported('target.kind', kind, ['Node', '<empty>']));
  return errs;
}

/** POST .../pods/<name>/binding (podName from the URL) or POST .../bindings (podName from the body). */
export async function handleBinding(s: ResourceScope, pods: Store, podNameFromUrl: string | undefined): Promise<ApiResponse> {
  const binding = await decodeObject(s.req, bindingKind);
  checkNamespace(binding, s.resource, s.info.namespace);
  const name = binding.metadata.name ?? '';
  if (podNameFromUrl !== undefined && name !== podNameFromUrl) throw errors.badRequest('name in URL does not match name in Binding object');
  const errs = validateBinding(binding);
  if (!name) errs.unshift(field.required('metadata.name', 'name or generateName is required'));
  if (errs.length) throw errors.invalid({ group: '', kind: 'Binding' }, name, errs);
  const nodeName = String((binding['target'] as Record<string, unknown>)['name']);
  const annotations = binding.metadata.annotations ?? {};
  await pods.update(
    s.info.namespace,
    name,
    (pod) => {
      if (!pod) throw errors.notFound({ group: '', resource: 'pods' }, name);
      if (pod.metadata.deletionTimestamp) throw errors.conflict(bindingGR, name, `pod ${name} is being deleted, cannot be assigned to a host`);
      const spec = isRecord(pod['spec']) ? pod['spec'] : {};
      if (typeof spec['nodeName'] === 'string' && spec['nodeName'] !== '') {
        throw errors.conflict(bindingGR, name, `pod ${name} is already assigned to node ${JSON.stringify(spec['nodeName'])}`);
      }
      pod['spec'] = { ...spec, nodeName };
      if (Object.keys(annotations).length) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...annotations };
      const status = isRecord(pod['status']) ? pod['status'] : {};
      const conditions = Array.isArray(status['conditions']) ? (status['conditions'] as unknown[]).filter((c) => !(isRecord(c) && c['type'] === 'PodScheduled')) : [];
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') });
      pod['status'] = { ...status, conditions };
      return pod;
    },
    { raw: true, retryOnConflict: true, dryRun: parseDryRun(s.info.query) },
  );
  return jsonResponse(201, { ...successStatus(), code: 201 });
}
