// Where kube-apiserver keeps each built-in resource in etcd, below its --etcd-prefix: the resource name alone
// (its storage factory's default), with the prefixes compiled into it for a few old core resources and for
// ingresses (pkg/kubeapiserver/default_storage_factory_builder.go SpecialDefaultResourcePrefixes). CRDs and
// APIServices come from servers of their own that keep "<group>/<resource>", as custom resources do.
// Resources served in several versions of one group (autoscaling's HPAs) share one entry, and so do resources
// served in two groups as one set of objects: events.k8s.io Events are core Events, stored as such under "events"
// (kube-apiserver's cohabiting resources), so they have no entry of their own.
//
// Keys are "<group or core>/<resource>", as in the store's keys ("/registry/<group or core>/<resource>/…").

/** Store resource → etcd prefix (without the root or slashes at either end). */
export const kubeResourcePrefixes: Readonly<Record<string, string>> = Object.freeze({
  'core/configmaps': 'configmaps',
  'core/endpoints': 'services/endpoints',
  'core/events': 'events',
  'core/limitranges': 'limitranges',
  'core/namespaces': 'namespaces',
  'core/nodes': 'minions',
  'core/persistentvolumeclaims': 'persistentvolumeclaims',
  'core/persistentvolumes': 'persistentvolumes',
  'core/pods': 'pods',
  'core/podtemplates': 'podtemplates',
  'core/replicationcontrollers': 'controllers',
  'core/resourcequotas': 'resourcequotas',
  'core/secrets': 'secrets',
  'core/serviceaccounts': 'serviceaccounts',
  'core/services': 'services/specs',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations': 'mutatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingadmissionpolicies': 'validatingadmissionpolicies',
  'admissionregistration.k8s.io/validatingadmissionpolicybindings': 'validatingadmissionpolicybindings',
  'admissionregistration.k8s.io/validatingwebhookconfigurations': 'validatingwebhookconfigurations',
  'apiextensions.k8s.io/customresourcedefinitions': 'apiextensions.k8s.io/customresourcedefinitions',
  'apiregistration.k8s.io/apiservices': 'apiregistration.k8s.io/apiservices',
  'apps/controllerrevisions': 'controllerrevisions',
  'apps/daemonsets': 'daemonsets',
  'apps/deployments': 'deployments',
  'apps/replicasets': 'replicasets',
  'apps/statefulsets': 'statefulsets',
  'autoscaling/horizontalpodautoscalers': 'horizontalpodautoscalers',
  'batch/cronjobs': 'cronjobs',
  'batch/jobs': 'jobs',
  'certificates.k8s.io/certificatesigningrequests': 'certificatesigningrequests',
  'coordination.k8s.io/leases': 'leases',
  'discovery.k8s.io/endpointslices': 'endpointslices',
  'flowcontrol.apiserver.k8s.io/flowschemas': 'flowschemas',
  'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations': 'prioritylevelconfigurations',
  'networking.k8s.io/ingressclasses': 'ingressclasses',
  'networking.k8s.io/ingresses': 'ingress',
  'networking.k8s.io/networkpolicies': 'networkpolicies',
  'node.k8s.io/runtimeclasses': 'runtimeclasses',
  'policy/poddisruptionbudgets': 'poddisruptionbudgets',
  'rbac.authorization.k8s.io/clusterrolebindings': 'clusterrolebindings',
  'rbac.authorization.k8s.io/clusterroles': 'clusterroles',
  'rbac.authorization.k8s.io/rolebindings': 'rolebindings',
  'rbac.authorization.k8s.io/roles': 'roles',
  'scheduling.k8s.io/priorityclasses': 'priorityclasses',
  'storage.k8s.io/csidrivers': 'csidrivers',
  'storage.k8s.io/csinodes': 'csinodes',
  'storage.k8s.io/csistoragecapacities': 'csistoragecapacities',
  'storage.k8s.io/storageclasses': 'storageclasses',
  'storage.k8s.io/volumeattachments': 'volumeattachments',
});

/**
 * Resources a-kube's earlier layout kept apart that are now another resource's objects: the earlier etcd prefix
 * (below the root) → the store resource whose range they join. Their values need converting on the way
 * (earlier-layout.ts): events.k8s.io/v1 Events become core/v1 Events.
 */
export const mergedEarlierPrefixes: Readonly<Record<string, string>> = Object.freeze({
  'events.k8s.io/events': 'core/events',
});

/**
 * Where a-kube's earlier layout kept a store resource in etcd: core resources under their name, every other
 * group under "<group>/<resource>" (API groups without a dot were the built-in apps, batch, policy,
 * autoscaling and extensions).
 */
export function earlierEtcdPrefix(storeResource: string): string {
  return storeResource.startsWith('core/') ? storeResource.slice('core/'.length) : storeResource;
}
