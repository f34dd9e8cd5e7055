// Shared by the registry tests: run a strategy the way the generic store does.
import type { KubeObject } from '../../../src/api/object.js';
import { findResource } from '../../../src/api/catalog.js';
import type { ResourceInfo } from '../../../src/api/resource-info.js';
import { formatFieldError } from '../../../src/api/status.js';
import { strategyFor } from '../../../src/registry/index.js';
import type { Strategy } from '../../../src/registry/strategy.js';

export function resource(group: string, version: string, name: string): ResourceInfo {
  const r = findResource(group, version, name);
  if (!r) throw new Error(`no catalog entry for ${group}/${version}/${name}`);
  return r;
}

export function strategy(group: string, version: string, name: string): Strategy {
  return strategyFor(resource(group, version, name));
}

/** decode → defaults → prepareForCreate → validate, as a create does; returns the object and error texts. */
export function create(s: Strategy, input: KubeObject): { obj: KubeObject; errors: string[] } {
  const obj = structuredClone(input);
  s.defaults?.(obj);
  s.prepareForCreate?.(obj);
  return { obj, errors: s.validate(obj).map(formatFieldError) };
}

export function update(s: Strategy, input: KubeObject, old: KubeObject): { obj: KubeObject; errors: string[] } {
  const obj = structuredClone(input);
  s.defaults?.(obj);
  s.prepareForUpdate?.(obj, old);
  return { obj, errors: (s.validateUpdate?.(obj, old) ?? s.validate(obj)).map(formatFieldError) };
}

export const NOW = new Date('2024-05-01T12:00:00Z');
