// Resources served in more than one version, or in more than one group: one stored form (the storage version)
// and a converter per resource that turns an object of one served version into another. The API server stores
// the storage version and converts at its edges (apiserver/stores.ts wraps the Store of every other version).
import type { KubeObject } from '../../api/object.js';
import { eventConversion } from './event.js';
import { hpaConversion } from './hpa.js';

export interface VersionConversion {
  /** The group ('' for core) and version objects are stored in. */
  storage: { group: string; version: string };
  /**
   * true: each served version validates, selects and prints its objects by its own strategy (events.k8s.io and
   * core Events, whose rules differ by the group a request names); absent: every version by the storage version's.
   */
  servedRules?: boolean;
  /** Returns a new object (never changes `obj`) in `toApiVersion` ("autoscaling/v1", "v1"); `obj` is in any served version. */
  convert(obj: Readonly<KubeObject>, toApiVersion: string): KubeObject;
}

/** By served group and resource. */
const conversions: Record<string, VersionConversion> = {
  'autoscaling/horizontalpodautoscalers': hpaConversion,
  'events.k8s.io/events': eventConversion,
};

/** The conversion of a resource served in several versions, undefined for single-version resources. */
export function conversionFor(r: { group: string; resource: string }): VersionConversion | undefined {
  return Object.hasOwn(conversions, `${r.group}/${r.resource}`) ? conversions[`${r.group}/${r.resource}`] : undefined;
}
