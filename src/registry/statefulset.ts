// apps/v1 StatefulSet.
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { semanticEqual } from '../api/validation/equality.js';
import { asObj, child, get, objects, setDefault, str } from './fields.js';
import { validatePersistentVolumeClaimSpec } from './volumes.js';
import { defineStrategy } from './define.js';
import { defaultPodTemplateSpec } from './pod-defaults.js';
import type { Strategy } from './strategy.js';
import { statefulSetTable } from './workload-tables.js';
import { asSpec, validateControllerSpec, validateNonNegative } from './workload-common.js';

const POD_MANAGEMENT = ['OrderedReady', 'Parallel'];
const UPDATE_STRATEGIES = ['OnDelete', 'RollingUpdate'];
const MUTABLE_SPEC_FIELDS = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

/** The template as its pods will be: volumeClaimTemplates become volumes, so mounts of them validate. */
function withClaimVolumes(spec: Record<string, unknown>): Record<string, unknown> {
  const claims = objects(spec.volumeClaimTemplates).map((t) => str(get(t, 'metadata', 'name'))).filter((n) => n !== '');
  const podSpec = asObj(get(spec, 'template', 'spec'));
  if (claims.length === 0 || !podSpec) return spec;
  const volumes = objects(podSpec.volumes).filter((v) => !claims.includes(str(v.name)));
  return { ...spec, template: { ...asObj(spec.template), spec: { ...podSpec, volumes: [...volumes, ...claims.map((name) => ({ name, persistentVolumeClaim: { claimName: name } }))] } } };
}

function validateStatefulSet(sts: KubeObject): FieldError[] {
  const spec = asSpec(sts) ?? {};
  const errs = [...validateNonNegative(spec.replicas, 'spec.replicas'), ...validateControllerSpec(withClaimVolumes(spec), 'statefulset')];
  objects(spec.volumeClaimTemplates).forEach((t, i) => errs.push(...validatePersistentVolumeClaimSpec(asObj(t.spec) ?? {}, `spec.volumeClaimTemplates[${i}].spec`)));
  const policy = str(spec.podManagementPolicy);
  if (!POD_MANAGEMENT.includes(policy)) errs.push(field.notSupported('spec.podManagementPolicy', policy, POD_MANAGEMENT));
  const updateType = str(get(spec, 'updateStrategy', 'type'));
  if (!UPDATE_STRATEGIES.includes(updateType)) errs.push(field.notSupported('spec.updateStrategy.type', updateType, UPDATE_STRATEGIES));
  errs.push(...validateNonNegative(get(spec, 'updateStrategy', 'rollingUpdate', 'partition'), 'spec.updateStrategy.rollingUpdate.partition'));
  return errs;
}

function validateStatefulSetUpdate(sts: KubeObject, old: KubeObject): FieldError[] {
  const spec = { ...asSpec(sts) };
  const oldSpec = { ...asSpec(old) };
  for (const f of MUTABLE_SPEC_FIELDS) {
    delete spec[f];
    delete oldSpec[f];
  }
  if (semanticEqual(spec, oldSpec)) return [];
  return [
    field.forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

export function statefulSetStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    statusFields: { replicas: 0, availableReplicas: 0 },
    defaults(sts) {
      const spec = child(sts, 'spec');
      setDefault(spec, 'replicas', 1);
      setDefault(spec, 'podManagementPolicy', 'OrderedReady');
      const updateStrategy = child(spec, 'updateStrategy');
      setDefault(updateStrategy, 'type', 'RollingUpdate');
      if (updateStrategy.type === 'RollingUpdate') setDefault(child(updateStrategy, 'rollingUpdate'), 'partition', 0);
      setDefault(spec, 'revisionHistoryLimit', 10);
      const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
      setDefault(retention, 'whenDeleted', 'Retain');
      setDefault(retention, 'whenScaled', 'Retain');
      defaultPodTemplateSpec(child(spec, 'template'));
      for (const claim of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) {
        const claimSpec = asObj(asObj(claim)?.spec);
        if (claimSpec) setDefault(claimSpec, 'volumeMode', 'Filesystem');
      }
    },
    validate: validateStatefulSet,
    validateUpdate: validateStatefulSetUpdate,
    table: statefulSetTable,
  });
}
