// Admission for one write: builds the plugins' request from the handler's scope (resource, namespace,
// user) and hands the store the two callbacks it runs around the strategy (registry/store.ts WriteAdmission).
import { connectPlugins, runAdmit, runValidate, type AdmissionOperation, type AdmissionPlugin, type AdmissionRequest } from '../admission/types.js';
import type { KubeObject } from '../api/object.js';
import type { WriteAdmission } from '../registry/store-types.js';
import type { ResourceScope } from './scope.js';
import { errors } from '../api/status.js';

export function admissionFor(s: ResourceScope, operation: AdmissionOperation, dryRun: boolean, subresource = ''): WriteAdmission | undefined {
  const plugins: readonly AdmissionPlugin[] = s.admission ?? [];
  if (plugins.length === 0) return undefined;
  const request = (obj: KubeObject, old: Readonly<KubeObject> | undefined): AdmissionRequest => {
    const user = s.ctx.user;
    if (!user) throw errors.internal(new Error('no user found for request'));
    return {
      // An update that creates (PUT or apply of a missing object) is admitted as a create.
      operation: old === undefined && operation === 'UPDATE' ? 'CREATE' : operation,
      resource: { group: s.resource.group, version: s.resource.version, resource: s.resource.resource, kind: s.resource.kind },
      subresource,
      namespace: s.info.namespace || (s.resource.namespaced ? (obj.metadata.namespace ?? '') : ''),
      name: obj.metadata.name ?? s.info.urlName,
      object: obj,
      ...(old ? { oldObject: old } : {}),
      user,
      dryRun,
      warn: (message) => {
        if (!s.ctx.warnings.includes(message)) s.ctx.warnings.push(message);
      },
      annotate: (key, value) => s.ctx.audit?.annotate(key, value),
    };
  };
  return {
    admit: (obj, old) => runAdmit(plugins, request(obj, old)),
    validate: (obj, old) => runValidate(plugins, request(obj, old)),
  };
}

/**
 * Admission of a CONNECT (pods/exec, pods/attach, pods/portforward): the connect options (`kind` PodExecOptions,
 * PodAttachOptions or PodPortForwardOptions) are the object; the dynamic plugins run, mutating then validating,
 * as kube-apiserver runs them before it opens the stream. Throws the refusal.
 */
export async function admitConnect(s: Pick<ResourceScope, 'ctx' | 'info' | 'resource' | 'admission'>, subresource: string, options: Record<string, unknown>): Promise<void> {
  const plugins = (s.admission ?? []).filter((p) => connectPlugins.has(p.name));
  if (plugins.length === 0) return;
  const user = s.ctx.user;
  if (!user) throw errors.internal(new Error('no user found for request'));
  const kind = typeof options['kind'] === 'string' ? options['kind'] : '';
  const req: AdmissionRequest = {
    operation: 'CONNECT',
    resource: { group: s.resource.group, version: s.resource.version, resource: s.resource.resource, kind },
    subresource,
    namespace: s.info.namespace,
    name: s.info.urlName,
    object: { ...options, metadata: {} } as KubeObject,
    user,
    dryRun: false,
    warn: (message) => {
      if (!s.ctx.warnings.includes(message)) s.ctx.warnings.push(message);
    },
    annotate: (key, value) => s.ctx.audit?.annotate(key, value),
  };
  await runAdmit(plugins, req);
  await runValidate(plugins, req);
}
