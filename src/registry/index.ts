// The registry's public surface: one Strategy per served resource.
// Strategy validate()/validateUpdate() already include metadata validation (with the kind's own
// name rule), so the store should not run validateObjectMeta again.
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { validatingAdmissionPolicyBindingStrategy, validatingAdmissionPolicyStrategy } from './admission-policies.js';
import { mutatingWebhookConfigurationStrategy, validatingWebhookConfigurationStrategy } from './admission-webhooks.js';
import { apiServiceStrategy } from './apiservice.js';
import { configMapStrategy } from './configmap.js';
import { cronJobStrategy } from './cronjob.js';
import { crdStrategy } from './customresourcedefinition.js';
import { csrStrategy } from './csr.js';
import { daemonSetStrategy, controllerRevisionStrategy } from './daemonset.js';
import { defineStrategy } from './define.js';
import { deploymentStrategy } from './deployment.js';
import { endpointSliceStrategy, endpointsStrategy } from './endpoints.js';
import { eventStrategy } from './event.js';
import { get, str } from './fields.js';
import { ingressClassStrategy, ingressStrategy } from './ingress.js';
import { hpaStrategy } from './hpa.js';
import { jobStrategy } from './job.js';
import { leaseStrategy } from './lease.js';
import { namespaceStrategy } from './namespace.js';
import { networkPolicyStrategy } from './network-policy.js';
import { nodeStrategy } from './node.js';
import { pdbStrategy } from './pdb.js';
import { podStrategy } from './pod.js';
import { priorityClassStrategy } from './priority-class.js';
import { runtimeClassStrategy } from './runtime-class.js';
import { flowSchemaStrategy, priorityLevelStrategy } from './flowcontrol.js';
import { limitRangeStrategy, resourceQuotaStrategy } from './quota.js';
import { roleBindingStrategy, roleStrategy } from './rbac.js';
import { podTemplateStrategy, replicaSetStrategy, replicationControllerStrategy } from './replicaset.js';
import { isReviewKind, reviewStrategy } from './reviews.js';
import { secretStrategy } from './secret.js';
import { serviceAccountStrategy } from './serviceaccount.js';
import { serviceStrategy } from './service.js';
import { statefulSetStrategy } from './statefulset.js';
import type { Strategy } from './strategy.js';
import { persistentVolumeClaimStrategy, persistentVolumeStrategy } from './volumes.js';
import { csiDriverStrategy, csiNodeStrategy, csiStorageCapacityStrategy, storageClassStrategy, volumeAttachmentStrategy } from './storage-classes.js';

export { defaultTable } from './table.js';
export type { Strategy, TablePrinter, TableColumn, AllocationContext } from './strategy.js';
export { allocateService, firstServiceIP, defaultAllocatorConfig, type ServiceAllocatorConfig } from './service-allocator.js';
export { podStatusSummary } from './pod-table.js';
export { selectorMatches } from './label-selector.js';
export { customResourceStrategy, type CustomResourceSpec } from './custom-resource.js';

type Factory = (resource: ResourceInfo) => Strategy;

/** Metadata validation only, the default Name/Created At table. */
export function genericStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {});
}

function bindingStrategy(resource: ResourceInfo): Strategy {
  return {
    resource,
    validate(binding) {
      const errs: FieldError[] = [];
      if (str(get(binding, 'target', 'kind')) !== 'Node' && str(get(binding, 'target', 'kind')) !== '') {
        errs.push(field.notSupported('target.kind', get(binding, 'target', 'kind'), ['Node']));
      }
      if (str(get(binding, 'target', 'name')) === '') errs.push(field.required('target.name'));
      return errs;
    },
  };
}

const factories: Record<string, Factory> = {
  '/bindings': bindingStrategy,
  '/configmaps': configMapStrategy,
  '/endpoints': endpointsStrategy,
  '/events': eventStrategy,
  '/limitranges': limitRangeStrategy,
  '/namespaces': namespaceStrategy,
  '/nodes': nodeStrategy,
  '/persistentvolumeclaims': persistentVolumeClaimStrategy,
  '/persistentvolumes': (r) => persistentVolumeStrategy(r),
  '/pods': podStrategy,
  '/podtemplates': podTemplateStrategy,
  '/replicationcontrollers': replicationControllerStrategy,
  '/resourcequotas': resourceQuotaStrategy,
  '/secrets': secretStrategy,
  '/serviceaccounts': serviceAccountStrategy,
  '/services': (r) => serviceStrategy(r),
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': mutatingWebhookConfigurationStrategy,
  'admissionregistration.k8s.io/validatingadmissionpolicies': validatingAdmissionPolicyStrategy,
  'admissionregistration.k8s.io/validatingadmissionpolicybindings': validatingAdmissionPolicyBindingStrategy,
  'admissionregistration.k8s.io/validatingwebhookconfigurations': validatingWebhookConfigurationStrategy,
  'apiextensions.k8s.io/customresourcedefinitions': crdStrategy,
  'apiregistration.k8s.io/apiservices': apiServiceStrategy,
  'apps/controllerrevisions': controllerRevisionStrategy,
  'apps/daemonsets': daemonSetStrategy,
  'apps/deployments': deploymentStrategy,
  'apps/replicasets': replicaSetStrategy,
  'apps/statefulsets': statefulSetStrategy,
  'autoscaling/horizontalpodautoscalers': hpaStrategy,
  'batch/cronjobs': cronJobStrategy,
  'certificates.k8s.io/certificatesigningrequests': csrStrategy,
  'batch/jobs': jobStrategy,
  'coordination.k8s.io/leases': leaseStrategy,
  'discovery.k8s.io/endpointslices': endpointSliceStrategy,
  'events.k8s.io/events': eventStrategy,
  'flowcontrol.apiserver.k8s.io/flowschemas': flowSchemaStrategy,
  'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations': priorityLevelStrategy,
  'networking.k8s.io/ingressclasses': ingressClassStrategy,
  'networking.k8s.io/ingresses': ingressStrategy,
  'networking.k8s.io/networkpolicies': networkPolicyStrategy,
  'policy/poddisruptionbudgets': pdbStrategy,
  'node.k8s.io/runtimeclasses': runtimeClassStrategy,
  'scheduling.k8s.io/priorityclasses': priorityClassStrategy,
  'rbac.authorization.k8s.io/clusterrolebindings': roleBindingStrategy,
  'rbac.authorization.k8s.io/clusterroles': roleStrategy,
  'rbac.authorization.k8s.io/rolebindings': roleBindingStrategy,
  'rbac.authorization.k8s.io/roles': roleStrategy,
  'storage.k8s.io/csidrivers': csiDriverStrategy,
  'storage.k8s.io/csinodes': csiNodeStrategy,
  'storage.k8s.io/csistoragecapacities': csiStorageCapacityStrategy,
  'storage.k8s.io/storageclasses': storageClassStrategy,
  'storage.k8s.io/volumeattachments': volumeAttachmentStrategy,
};

const cache = new Map<string, Strategy>();

/** The strategy for a catalog resource (every resource gets one; unknown kinds get the generic one). */
export function strategyFor(resource: ResourceInfo): Strategy {
  const key = `${resource.group}/${resource.version}/${resource.resource}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const factory = factories[`${resource.group}/${resource.resource}`] ?? (isReviewKind(resource) ? reviewStrategy : genericStrategy);
  const strategy = factory(resource);
  cache.set(key, strategy);
  return strategy;
}
