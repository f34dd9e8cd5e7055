// OpenAPI definitions of metrics.k8s.io/v1beta1 (NodeMetrics, PodMetrics and their lists): Kubernetes' own
// document leaves them out because metrics-server publishes them when aggregated; a-kube serves the group
// itself, so its documents carry them. Field facts from k8s.io/metrics/pkg/apis/metrics/v1beta1.
import type { Schema } from './definitions.js';

const prefix = 'io.k8s.metrics.pkg.apis.metrics.v1beta1';
const ref = (name: string) => ({ $ref: `#/definitions/${name}` });
const gvk = (kind: string) => [{ group: 'metrics.k8s.io', kind, version: 'v1beta1' }];
const usage = { additionalProperties: ref('io.k8s.apimachinery.pkg.api.resource.Quantity'), type: 'object', description: 'The memory working set and CPU usage, as quantities.' };
const typeMeta = { apiVersion: { type: 'string' }, kind: { type: 'string' } };
const sample = {
  timestamp: { ...ref('io.k8s.apimachinery.pkg.apis.meta.v1.Time'), description: 'When the usage was measured: the end of the window.' },
  window: { type: 'string', description: 'The interval the usage was measured over ([timestamp-window, timestamp]).' },
};

function list(kind: string): Schema {
  return {
    description: `${kind}List is a list of ${kind} objects.`,
    properties: { ...typeMeta, items: { items: ref(`${prefix}.${kind}`), type: 'array' }, metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta') },
    required: ['items'],
    type: 'object',
    'x-kubernetes-group-version-kind': gvk(`${kind}List`),
  };
}

export const metricsDefinitions: Record<string, Schema> = {
  [`${prefix}.ContainerMetrics`]: {
    description: 'The resource usage of one container.',
    properties: { name: { type: 'string', description: 'The container\'s name, as in the pod\'s spec.' }, usage },
    required: ['name', 'usage'],
    type: 'object',
  },
  [`${prefix}.NodeMetrics`]: {
    description: 'The resource usage of a node.',
    properties: { ...typeMeta, metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), ...sample, usage },
    required: ['timestamp', 'window', 'usage'],
    type: 'object',
    'x-kubernetes-group-version-kind': gvk('NodeMetrics'),
  },
  [`${prefix}.NodeMetricsList`]: list('NodeMetrics'),
  [`${prefix}.PodMetrics`]: {
    description: 'The resource usage of a pod\'s containers.',
    properties: { ...typeMeta, metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), ...sample, containers: { items: ref(`${prefix}.ContainerMetrics`), type: 'array' } },
    required: ['timestamp', 'window', 'containers'],
    type: 'object',
    'x-kubernetes-group-version-kind': gvk('PodMetrics'),
  },
  [`${prefix}.PodMetricsList`]: list('PodMetrics'),
};
