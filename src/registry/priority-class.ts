// scheduling.k8s.io/v1 PriorityClass: default preemption policy, validation (pkg/apis/scheduling/validation's texts),
// reserved system- names, table.
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { validateImmutableField } from '../api/validation/object-meta.js';
import { setDefault, str } from './fields.js';
import { defineStrategy } from './define.js';
import type { Strategy } from './strategy.js';
import { age, ageColumn, column, nameColumn } from './table.js';

export const systemPriorityClassPrefix = 'system-';
/** The highest value a class that is not a system class may have. */
export const highestUserDefinablePriority = 1_000_000_000;

/** The classes every cluster has (created at start-up), with the only values their names may carry. */
export const systemPriorityClasses = [
  { name: 'system-node-critical', value: 2_000_001_000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: 2_000_000_000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
] as const;

const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];

/** ValidatePreemptionPolicy, shared with pod validation. */
export function validatePreemptionPolicy(policy: unknown, path: string): FieldError[] {
  if (policy === undefined || policy === null) return [];
  if (policy === '') return [field.required(path)];
  return PREEMPTION_POLICIES.includes(String(policy)) ? [] : [field.notSupported(path, policy, PREEMPTION_POLICIES)];
}

function knownSystemClassError(name: string, value: unknown, globalDefault: unknown): string | undefined {
  const known = systemPriorityClasses.find((c) => c.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (value !== known.value) return `value of ${name} PriorityClass must be ${known.value}`;
  if (globalDefault === true) return `globalDefault of ${name} PriorityClass must be false`;
  return undefined;
}

export function priorityClassStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    defaults(pc) {
      setDefault(pc, 'preemptionPolicy', 'PreemptLowerPriority');
    },
    validate(pc) {
      const errs: FieldError[] = [];
      const name = pc.metadata.name ?? '';
      const value = typeof pc['value'] === 'number' ? pc['value'] : 0;
      if (name.startsWith(systemPriorityClassPrefix)) {
        const problem = knownSystemClassError(name, value, pc['globalDefault']);
        if (problem) errs.push(field.forbidden('metadata.name', `priority class names with '${systemPriorityClassPrefix}' prefix are reserved for system use only. error: ${problem}`));
      } else if (value > highestUserDefinablePriority) {
        errs.push(field.forbidden('value', `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`));
      }
      errs.push(...validatePreemptionPolicy(pc['preemptionPolicy'], 'preemptionPolicy'));
      return errs;
    },
    validateUpdate(pc, old) {
      const errs: FieldError[] = [];
      if ((pc['value'] ?? 0) !== (old['value'] ?? 0)) errs.push(field.forbidden('value', 'may not be changed in an update.'));
      errs.push(...validateImmutableField(pc['preemptionPolicy'], old['preemptionPolicy'], 'preemptionPolicy'));
      return errs;
    },
    table: {
      columns: [
        nameColumn,
        column('Value', 'value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.', { type: 'integer' }),
        column(
          'Global-Default',
          'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority.',
          { type: 'boolean' },
        ),
        ageColumn,
        column('PreemptionPolicy', 'preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset.'),
      ],
      cells: (pc, now) => [pc.metadata.name ?? '', typeof pc['value'] === 'number' ? pc['value'] : 0, pc['globalDefault'] === true, age(pc, now), str(pc['preemptionPolicy'])],
    },
  });
}
