// policy/v1 PodDisruptionBudget: validation (pkg/apis/policy/validation's rules and texts), status rules, table.
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { asObj, get, objects, type Obj } from './fields.js';
import { defineStrategy } from './define.js';
import { validateLabelSelector } from './label-selector.js';
import type { Strategy } from './strategy.js';
import { age, ageColumn, column, int, nameColumn } from './table.js';

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];
const percentRe = /^[0-9]+%$/;
const percentError = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** How Go's %#v prints an intstr.IntOrString (the value is not a Stringer there). */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${typeof v === 'number' ? v : 0}, StrVal:""}`;
}

/** ValidatePositiveIntOrPercent and IsNotMoreThan100Percent. */
function validateIntOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === 'string') {
    if (!percentRe.test(v)) return [{ ...field.invalid(path, v, percentError), renderedValue: goIntOrString(v) }];
    return Number(v.slice(0, -1)) > 100 ? [{ ...field.invalid(path, v, 'must not be greater than 100%'), renderedValue: goIntOrString(v) }] : [];
  }
  if (typeof v === 'number' && v < 0) return [field.invalid(path, v, 'must be greater than or equal to 0')];
  return [];
}

/** Go's %#v of the spec struct; its pointer fields print as addresses there, which carry no meaning, so "0x…" stands in. */
function goSpec(spec: Obj): string {
  const ptr = (type: string, v: unknown) => `(*${type})(${isSet(v) ? '0x…' : 'nil'})`;
  return (
    `policy.PodDisruptionBudgetSpec{MinAvailable:${ptr('intstr.IntOrString', spec.minAvailable)}, Selector:${ptr('v1.LabelSelector', spec.selector)}, ` +
    `MaxUnavailable:${ptr('intstr.IntOrString', spec.maxUnavailable)}, UnhealthyPodEvictionPolicy:${ptr('policy.UnhealthyPodEvictionPolicyType', spec.unhealthyPodEvictionPolicy)}}`
  );
}

export function validatePDBSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (isSet(spec.minAvailable) && isSet(spec.maxUnavailable)) {
    errs.push({ ...field.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'), renderedValue: goSpec(spec) });
  }
  if (isSet(spec.minAvailable)) errs.push(...validateIntOrPercent(spec.minAvailable, 'spec.minAvailable'));
  if (isSet(spec.maxUnavailable)) errs.push(...validateIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (isSet(policy) && !EVICTION_POLICIES.includes(String(policy))) errs.push(field.notSupported('spec.unhealthyPodEvictionPolicy', policy, EVICTION_POLICIES));
  return errs;
}

function validatePDBStatus(pdb: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) {
    const v = get(pdb, 'status', key);
    if (typeof v === 'number' && v < 0) errs.push(field.invalid(`status.${key}`, v, 'must be greater than or equal to 0'));
  }
  objects(get(pdb, 'status', 'conditions')).forEach((c, i) => {
    if (typeof c.type !== 'string' || c.type === '') errs.push(field.required(`status.conditions[${i}].type`, 'must be set'));
    if (!['True', 'False', 'Unknown'].includes(String(c.status))) errs.push(field.notSupported(`status.conditions[${i}].status`, c.status ?? '', ['False', 'True', 'Unknown']));
  });
  return errs;
}

/** intstr.String(): the number or the percent text; "N/A" when unset. */
function intOrStringCell(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  return 'N/A';
}

export function pdbStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    // The status counters are plain int32s: Kubernetes always writes them, zero included.
    initialStatus: () => ({ currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 }),
    validate: (pdb) => validatePDBSpec(asObj(pdb.spec) ?? {}),
    validateStatusUpdate: (pdb) => validatePDBStatus(pdb),
    table: {
      columns: [
        nameColumn,
        column('Min Available', 'The minimum number of pods that must be available.'),
        column('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
        column('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', { type: 'integer' }),
        ageColumn,
      ],
      cells: (pdb, now) => [
        pdb.metadata.name ?? '',
        intOrStringCell(get(pdb, 'spec', 'minAvailable')),
        intOrStringCell(get(pdb, 'spec', 'maxUnavailable')),
        int(get(pdb, 'status', 'disruptionsAllowed')),
        age(pdb, now),
      ],
    },
  });
}
