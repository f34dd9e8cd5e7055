// apps/v1 ReplicaSet and core/v1 ReplicationController.
import type { ResourceInfo } from '../api/resource-info.js';
import { field } from '../api/status.js';
import { child, get, isUnset, setDefault, stringMap } from './fields.js';
import { containersAndImages, formatLabels } from './table.js';
import { defineStrategy } from './define.js';
import { defaultPodTemplateSpec } from './pod-defaults.js';
import type { Strategy } from './strategy.js';
import { replicaSetTable, replicationControllerTable } from './workload-tables.js';
import { asSpec, templateMatchesSelector, validateControllerSpec, validateNonNegative, validateSelectorImmutable } from './workload-common.js';
import { validatePodTemplateSpec } from './pod-validation.js';

const replicasField = (obj: Parameters<NonNullable<Strategy['fieldLabels']>>[0]) => ({ 'status.replicas': String(get(obj, 'status', 'replicas') ?? 0) });

export function replicaSetStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    statusFields: { replicas: 0 },
    defaults(rs) {
      const spec = child(rs, 'spec');
      setDefault(spec, 'replicas', 1);
      defaultPodTemplateSpec(child(spec, 'template'));
    },
    validate: (rs) => [...validateNonNegative(get(rs, 'spec', 'replicas'), 'spec.replicas'), ...validateControllerSpec(asSpec(rs), 'deployment')],
    validateUpdate: validateSelectorImmutable,
    fieldLabels: replicasField,
    table: replicaSetTable,
  });
}

export function replicationControllerStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    statusFields: { replicas: 0 },
    defaults(rc) {
      const spec = child(rc, 'spec');
      setDefault(spec, 'replicas', 1);
      const template = child(spec, 'template');
      const templateLabels = stringMap(get(template, 'metadata', 'labels'));
      if (templateLabels && Object.keys(templateLabels).length > 0) {
        if (Object.keys(stringMap(spec.selector) ?? {}).length === 0) spec.selector = { ...templateLabels };
        if (Object.keys(rc.metadata.labels ?? {}).length === 0) rc.metadata.labels = { ...templateLabels };
      }
      defaultPodTemplateSpec(template);
    },
    validate(rc) {
      const spec = asSpec(rc) ?? {};
      const errs = validateNonNegative(spec.replicas, 'spec.replicas');
      const selector = stringMap(spec.selector) ?? {};
      if (Object.keys(selector).length === 0) errs.push(field.required('spec.selector'));
      if (isUnset(spec.template)) return [...errs, field.required('spec.template')];
      errs.push(...templateMatchesSelector({ matchLabels: selector }, spec.template, 'spec.template'));
      errs.push(...validatePodTemplateSpec(spec.template, 'spec.template', { restartPolicies: ['Always'] }));
      return errs;
    },
    fieldLabels: replicasField,
    table: replicationControllerTable,
  });
}

export function podTemplateStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    defaults: (pt) => defaultPodTemplateSpec(child(pt, 'template')),
    validate: (pt) => validatePodTemplateSpec(pt.template, 'template'),
    table: {
      columns: [
        { name: 'Template', type: 'string', format: 'name', description: 'Name of the pod template.', priority: 0 },
        { name: 'Containers', type: 'string', format: '', description: 'Names of each container in the template.', priority: 0 },
        { name: 'Images', type: 'string', format: '', description: 'Images referenced by each container in the template.', priority: 0 },
        { name: 'Pod Labels', type: 'string', format: '', description: 'The labels for the pod template.', priority: 0 },
      ],
      cells(pt) {
        const [containers, images] = containersAndImages(get(pt, 'template', 'spec'));
        return [pt.metadata.name ?? '', containers, images, formatLabels(stringMap(get(pt, 'template', 'metadata', 'labels')))];
      },
    },
  });
}
