// Resources served in more than one version: one stored form (the storage version) and a converter per
// resource that turns an object of one served version into another. The API server stores the storage
// version and converts at its edges (apiserver/stores.ts wraps the Store of every other version).
import type { KubeObject } from '../../api/object.js';
import { hpaConversion } from './hpa.js';

export interface VersionConversion {
  /** The version objects are stored in. */
  storageVersion: string;
  /** Returns a new object (never changes `obj`) in `toVersion`; `obj` is in any served version. */
  convert(obj: Readonly<KubeObject>, toVersion: string): KubeObject;
}

const conversions: Record<string, VersionConversion> = {
  'autoscaling/horizontalpodautoscalers': hpaConversion,
};

/** The conversion of a resource served in several versions, undefined for single-version resources. */
export function conversionFor(r: { group: string; resource: string }): VersionConversion | undefined {
  return Object.hasOwn(conversions, `${r.group}/${r.resource}`) ? conversions[`${r.group}/${r.resource}`] : undefined;
}
