// DefaultIngressClass: a new Ingress that names no class (neither spec.ingressClassName nor the old
// kubernetes.io/ingress.class annotation) gets the IngressClass marked as the default; of several, the newest.
import { isRecord, newestObject } from '../api/object.js';
import type { AdmissionReader } from './reader.js';
import type { AdmissionPlugin } from './types.js';

const ingressClasses = { group: 'networking.k8s.io', resource: 'ingressclasses' };
export const defaultIngressClassAnnotation = 'ingressclass.kubernetes.io/is-default-class';
const legacyClassAnnotation = 'kubernetes.io/ingress.class';

export function defaultIngressClassAdmission(o: { reader: AdmissionReader }): AdmissionPlugin {
  return {
    name: 'DefaultIngressClass',
    handles: (req) => req.operation === 'CREATE' && req.subresource === '' && req.resource.group === 'networking.k8s.io' && req.resource.resource === 'ingresses',
    async admit(req) {
      const ingress = req.object;
      const spec = isRecord(ingress['spec']) ? ingress['spec'] : {};
      if (spec['ingressClassName'] !== undefined && spec['ingressClassName'] !== null) return;
      if (Object.prototype.hasOwnProperty.call(ingress.metadata.annotations ?? {}, legacyClassAnnotation)) return;
      const classes = await o.reader.list(ingressClasses, '');
      const dflt = newestObject(classes.filter((c) => c.metadata.annotations?.[defaultIngressClassAnnotation] === 'true'));
      if (!dflt?.metadata.name) return;
      ingress['spec'] = { ...spec, ingressClassName: dflt.metadata.name };
    },
  };
}
