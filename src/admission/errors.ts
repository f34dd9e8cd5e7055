// The 403 an admission plugin answers with: `<resource> "<name>" is forbidden: <reason>`, naming the object by its
// name, else its generateName (names are generated after admission), else "Unknown", as kube-apiserver does.
import { errors, type StatusError } from '../api/status.js';
import type { AdmissionRequest } from './types.js';

export function requestObjectName(req: AdmissionRequest): string {
  if (req.name) return req.name;
  const meta = req.object?.metadata;
  return meta?.name || meta?.generateName || 'Unknown';
}

export function admissionForbidden(req: AdmissionRequest, message: string): StatusError {
  return errors.forbidden({ group: req.resource.group, resource: req.resource.resource }, requestObjectName(req), message);
}
