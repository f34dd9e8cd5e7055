// Every built-in resource a-kube serves: the one table discovery, routing, RBAC and the CLI read.
import type { ResourceInfo, SubresourceInfo, Verb } from './resource-info.js';

const crud: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const createOnly: Verb[] = ['create'];
const status = (kind: string): SubresourceInfo => ({ name: 'status', kind, verbs: ['get', 'patch', 'update'] });
const scale: SubresourceInfo = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] };

interface Entry {
  resource: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  verbs?: Verb[];
  shortNames?: string[];
  categories?: string[];
  subresources?: SubresourceInfo[];
  definition?: string;
  storedAs?: { group: string; version: string };
}

function group(groupName: string, version: string, defPrefix: string, entries: Entry[]): ResourceInfo[] {
  return entries.map((e) => ({
    group: groupName,
    version,
    resource: e.resource,
    singularName: e.singularName,
    kind: e.kind,
    listKind: `${e.kind}List`,
    namespaced: e.namespaced,
    verbs: e.verbs ?? crud,
    ...(e.shortNames ? { shortNames: e.shortNames } : {}),
    ...(e.categories ? { categories: e.categories } : {}),
    ...(e.subresources ? { subresources: e.subresources } : {}),
    definition: e.definition ?? `${defPrefix}.${e.kind}`,
    ...(e.storedAs ? { storedAs: e.storedAs } : {}),
  }));
}

export const catalog: readonly ResourceInfo[] = [
  ...group('', 'v1', 'io.k8s.api.core.v1', [
    { resource: 'bindings', singularName: 'binding', kind: 'Binding', namespaced: true, verbs: createOnly },
    // Computed on each read from the control plane's own health (apiserver/component-status.ts), never stored.
    { resource: 'componentstatuses', singularName: 'componentstatus', kind: 'ComponentStatus', namespaced: false, shortNames: ['cs'], verbs: ['get', 'list'] },
    { resource: 'configmaps', singularName: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
    { resource: 'endpoints', singularName: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep'] },
    { resource: 'events', singularName: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'] },
    { resource: 'limitranges', singularName: 'limitrange', kind: 'LimitRange', namespaced: true, shortNames: ['limits'] },
    { resource: 'namespaces', singularName: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      subresources: [{ name: 'finalize', kind: 'Namespace', verbs: ['update'] }, status('Namespace')] },
    { resource: 'nodes', singularName: 'node', kind: 'Node', namespaced: false, shortNames: ['no'],
      subresources: [{ name: 'proxy', kind: 'NodeProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }, status('Node')] },
    { resource: 'persistentvolumeclaims', singularName: 'persistentvolumeclaim', kind: 'PersistentVolumeClaim', namespaced: true, shortNames: ['pvc'], subresources: [status('PersistentVolumeClaim')] },
    { resource: 'persistentvolumes', singularName: 'persistentvolume', kind: 'PersistentVolume', namespaced: false, shortNames: ['pv'], subresources: [status('PersistentVolume')] },
    { resource: 'pods', singularName: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'], categories: ['all'],
      subresources: [
        { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
        { name: 'binding', kind: 'Binding', verbs: ['create'] },
        { name: 'ephemeralcontainers', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
        { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
        { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
        { name: 'log', kind: 'Pod', verbs: ['get'] },
        { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
        { name: 'proxy', kind: 'PodProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] },
        status('Pod'),
      ] },
    { resource: 'podtemplates', singularName: 'podtemplate', kind: 'PodTemplate', namespaced: true },
    { resource: 'replicationcontrollers', singularName: 'replicationcontroller', kind: 'ReplicationController', namespaced: true, shortNames: ['rc'], categories: ['all'], subresources: [scale, status('ReplicationController')] },
    { resource: 'resourcequotas', singularName: 'resourcequota', kind: 'ResourceQuota', namespaced: true, shortNames: ['quota'], subresources: [status('ResourceQuota')] },
    { resource: 'secrets', singularName: 'secret', kind: 'Secret', namespaced: true },
    { resource: 'serviceaccounts', singularName: 'serviceaccount', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'],
      subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }] },
    { resource: 'services', singularName: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'], categories: ['all'],
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      subresources: [{ name: 'proxy', kind: 'ServiceProxyOptions', verbs: ['create', 'delete', 'get', 'patch', 'update'] }, status('Service')] },
  ]),
  // kube-apiserver lists its own aggregation group first among the named groups
  ...group('apiregistration.k8s.io', 'v1', 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1', [
    { resource: 'apiservices', singularName: 'apiservice', kind: 'APIService', namespaced: false, categories: ['api-extensions'], subresources: [status('APIService')] },
  ]),
  ...group('apps', 'v1', 'io.k8s.api.apps.v1', [
    { resource: 'controllerrevisions', singularName: 'controllerrevision', kind: 'ControllerRevision', namespaced: true },
    { resource: 'daemonsets', singularName: 'daemonset', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: [status('DaemonSet')] },
    { resource: 'deployments', singularName: 'deployment', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: [scale, status('Deployment')] },
    { resource: 'replicasets', singularName: 'replicaset', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: [scale, status('ReplicaSet')] },
    { resource: 'statefulsets', singularName: 'statefulset', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: [scale, status('StatefulSet')] },
  ]),
  ...group('authentication.k8s.io', 'v1', 'io.k8s.api.authentication.v1', [
    { resource: 'selfsubjectreviews', singularName: 'selfsubjectreview', kind: 'SelfSubjectReview', namespaced: false, verbs: createOnly },
    { resource: 'tokenreviews', singularName: 'tokenreview', kind: 'TokenReview', namespaced: false, verbs: createOnly },
  ]),
  ...group('authentication.k8s.io', 'v1beta1', 'io.k8s.api.authentication.v1beta1', [
    { resource: 'selfsubjectreviews', singularName: 'selfsubjectreview', kind: 'SelfSubjectReview', namespaced: false, verbs: createOnly },
  ]),
  ...group('authorization.k8s.io', 'v1', 'io.k8s.api.authorization.v1', [
    { resource: 'localsubjectaccessreviews', singularName: 'localsubjectaccessreview', kind: 'LocalSubjectAccessReview', namespaced: true, verbs: createOnly },
    { resource: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', kind: 'SelfSubjectAccessReview', namespaced: false, verbs: createOnly },
    { resource: 'selfsubjectrulesreviews', singularName: 'selfsubjectrulesreview', kind: 'SelfSubjectRulesReview', namespaced: false, verbs: createOnly },
    { resource: 'subjectaccessreviews', singularName: 'subjectaccessreview', kind: 'SubjectAccessReview', namespaced: false, verbs: createOnly },
  ]),
  // One stored object served through both versions (v2 first: the preferred version).
  ...group('autoscaling', 'v2', 'io.k8s.api.autoscaling.v2', [
    { resource: 'horizontalpodautoscalers', singularName: 'horizontalpodautoscaler', kind: 'HorizontalPodAutoscaler', namespaced: true, shortNames: ['hpa'], categories: ['all'], subresources: [status('HorizontalPodAutoscaler')] },
  ]),
  ...group('autoscaling', 'v1', 'io.k8s.api.autoscaling.v1', [
    { resource: 'horizontalpodautoscalers', singularName: 'horizontalpodautoscaler', kind: 'HorizontalPodAutoscaler', namespaced: true, shortNames: ['hpa'], categories: ['all'], subresources: [status('HorizontalPodAutoscaler')], storedAs: { group: 'autoscaling', version: 'v2' } },
  ]),
  ...group('batch', 'v1', 'io.k8s.api.batch.v1', [
    { resource: 'cronjobs', singularName: 'cronjob', kind: 'CronJob', namespaced: true, shortNames: ['cj'], categories: ['all'], subresources: [status('CronJob')] },
    { resource: 'jobs', singularName: 'job', kind: 'Job', namespaced: true, categories: ['all'], subresources: [status('Job')] },
  ]),
  ...group('certificates.k8s.io', 'v1', 'io.k8s.api.certificates.v1', [
    { resource: 'certificatesigningrequests', singularName: 'certificatesigningrequest', kind: 'CertificateSigningRequest', namespaced: false, shortNames: ['csr'],
      subresources: [{ name: 'approval', kind: 'CertificateSigningRequest', verbs: ['get', 'patch', 'update'] }, status('CertificateSigningRequest')] },
  ]),
  ...group('coordination.k8s.io', 'v1', 'io.k8s.api.coordination.v1', [
    { resource: 'leases', singularName: 'lease', kind: 'Lease', namespaced: true },
  ]),
  ...group('discovery.k8s.io', 'v1', 'io.k8s.api.discovery.v1', [
    { resource: 'endpointslices', singularName: 'endpointslice', kind: 'EndpointSlice', namespaced: true },
  ]),
  // Core Events seen through another schema: one set of objects, stored as core/v1 Events.
  ...group('events.k8s.io', 'v1', 'io.k8s.api.events.v1', [
    { resource: 'events', singularName: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'], storedAs: { group: '', version: 'v1' } },
  ]),
  // Served by the API server itself from the nodes' /stats/summary (apiserver/metrics-api/), where a cluster
  // would aggregate metrics-server; get and list only.
  ...group('flowcontrol.apiserver.k8s.io', 'v1', 'io.k8s.api.flowcontrol.v1', [
    { resource: 'flowschemas', singularName: 'flowschema', kind: 'FlowSchema', namespaced: false, subresources: [status('FlowSchema')] },
    { resource: 'prioritylevelconfigurations', singularName: 'prioritylevelconfiguration', kind: 'PriorityLevelConfiguration', namespaced: false, subresources: [status('PriorityLevelConfiguration')] },
  ]),
  ...group('metrics.k8s.io', 'v1beta1', 'io.k8s.metrics.pkg.apis.metrics.v1beta1', [
    { resource: 'nodes', singularName: '', kind: 'NodeMetrics', namespaced: false, verbs: ['get', 'list'] },
    { resource: 'pods', singularName: '', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'] },
  ]),
  ...group('networking.k8s.io', 'v1', 'io.k8s.api.networking.v1', [
    { resource: 'ingressclasses', singularName: 'ingressclass', kind: 'IngressClass', namespaced: false },
    { resource: 'ingresses', singularName: 'ingress', kind: 'Ingress', namespaced: true, shortNames: ['ing'], subresources: [status('Ingress')] },
    { resource: 'networkpolicies', singularName: 'networkpolicy', kind: 'NetworkPolicy', namespaced: true, shortNames: ['netpol'] },
  ]),
  ...group('node.k8s.io', 'v1', 'io.k8s.api.node.v1', [
    { resource: 'runtimeclasses', singularName: 'runtimeclass', kind: 'RuntimeClass', namespaced: false },
  ]),
  ...group('policy', 'v1', 'io.k8s.api.policy.v1', [
    { resource: 'poddisruptionbudgets', singularName: 'poddisruptionbudget', kind: 'PodDisruptionBudget', namespaced: true, shortNames: ['pdb'], subresources: [status('PodDisruptionBudget')] },
  ]),
  ...group('scheduling.k8s.io', 'v1', 'io.k8s.api.scheduling.v1', [
    { resource: 'priorityclasses', singularName: 'priorityclass', kind: 'PriorityClass', namespaced: false, shortNames: ['pc'] },
  ]),
  ...group('storage.k8s.io', 'v1', 'io.k8s.api.storage.v1', [
    { resource: 'csidrivers', singularName: 'csidriver', kind: 'CSIDriver', namespaced: false },
    { resource: 'csinodes', singularName: 'csinode', kind: 'CSINode', namespaced: false },
    { resource: 'csistoragecapacities', singularName: 'csistoragecapacity', kind: 'CSIStorageCapacity', namespaced: true },
    { resource: 'storageclasses', singularName: 'storageclass', kind: 'StorageClass', namespaced: false, shortNames: ['sc'] },
    { resource: 'volumeattachments', singularName: 'volumeattachment', kind: 'VolumeAttachment', namespaced: false, subresources: [status('VolumeAttachment')] },
  ]),
  ...group('rbac.authorization.k8s.io', 'v1', 'io.k8s.api.rbac.v1', [
    { resource: 'clusterrolebindings', singularName: 'clusterrolebinding', kind: 'ClusterRoleBinding', namespaced: false },
    { resource: 'clusterroles', singularName: 'clusterrole', kind: 'ClusterRole', namespaced: false },
    { resource: 'rolebindings', singularName: 'rolebinding', kind: 'RoleBinding', namespaced: true },
    { resource: 'roles', singularName: 'role', kind: 'Role', namespaced: true },
  ]),
  ...group('admissionregistration.k8s.io', 'v1', 'io.k8s.api.admissionregistration.v1', [
    { resource: 'mutatingwebhookconfigurations', singularName: 'mutatingwebhookconfiguration', kind: 'MutatingWebhookConfiguration', namespaced: false, categories: ['api-extensions'] },
    { resource: 'validatingadmissionpolicies', singularName: 'validatingadmissionpolicy', kind: 'ValidatingAdmissionPolicy', namespaced: false, categories: ['api-extensions'], subresources: [status('ValidatingAdmissionPolicy')] },
    { resource: 'validatingadmissionpolicybindings', singularName: 'validatingadmissionpolicybinding', kind: 'ValidatingAdmissionPolicyBinding', namespaced: false, categories: ['api-extensions'] },
    { resource: 'validatingwebhookconfigurations', singularName: 'validatingwebhookconfiguration', kind: 'ValidatingWebhookConfiguration', namespaced: false, categories: ['api-extensions'] },
  ]),
  ...group('apiextensions.k8s.io', 'v1', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1', [
    { resource: 'customresourcedefinitions', singularName: 'customresourcedefinition', kind: 'CustomResourceDefinition', namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'], subresources: [status('CustomResourceDefinition')] },
  ]),
];

/** Group → versions in preference order. */
export function servedGroups(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of catalog) {
    const versions = out.get(r.group) ?? [];
    if (!versions.includes(r.version)) versions.push(r.version);
    out.set(r.group, versions);
  }
  return out;
}

export function findResource(groupName: string, version: string, resource: string): ResourceInfo | undefined {
  return catalog.find((r) => r.group === groupName && r.version === version && r.resource === resource);
}

export function findByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  const [g, v] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  return catalog.find((r) => r.group === g && r.version === v && r.kind === kind);
}
