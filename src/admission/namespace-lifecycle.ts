// NamespaceLifecycle: nothing new goes into a namespace that does not exist (404 for the namespace) or is being
// deleted (403 with a NamespaceTerminating cause, which clients such as the garbage collector recognise), and the
// namespaces the cluster itself needs cannot be deleted.
import { errors, StatusError } from '../api/status.js';
import { admissionForbidden } from './errors.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

/** Namespaces that may not be deleted (kube-apiserver's immortal namespaces). */
export const immortalNamespaces: readonly string[] = ['default', 'kube-system', 'kube-public'];

export interface NamespaceLifecycleOptions {
  /** The namespace's phase (`Active`/`Terminating`), or undefined when it does not exist. */
  phase(namespace: string): string | undefined;
}

function isNamespace(req: AdmissionRequest): boolean {
  return req.resource.group === '' && req.resource.resource === 'namespaces';
}

export function namespaceLifecycleAdmission(opts: NamespaceLifecycleOptions): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    handles: (req) => (req.operation === 'CREATE' && req.namespace !== '' && !isNamespace(req)) || (req.operation === 'DELETE' && isNamespace(req) && req.subresource === ''),
    async admit(req) {
      if (isNamespace(req)) {
        if (immortalNamespaces.includes(req.name)) throw admissionForbidden(req, 'this namespace may not be deleted');
        return;
      }
      const phase = opts.phase(req.namespace);
      if (phase === undefined) throw errors.notFound({ group: '', resource: 'namespaces' }, req.namespace);
      if (phase !== 'Terminating') return;
      const refused = admissionForbidden(req, `unable to create new content in namespace ${req.namespace} because it is being terminated`);
      const details = refused.status.details ?? {};
      throw new StatusError({
        ...refused.status,
        details: { ...details, causes: [...(details.causes ?? []), { reason: 'NamespaceTerminating', message: `namespace ${req.namespace} is being terminated`, field: 'metadata.namespace' }] },
      });
    },
  };
}
