// After a server-side apply to an object that client-side apply managed, kubectl hands ownership over:
// 1. the last-applied annotation gets an Apply owner of its own ("kubectl-last-applied"), so that it survives;
// 2. the fields of the client-side apply managers (Update entries that own that annotation) move into the
//    server-side applier's Apply entry — one JSON patch of metadata.managedFields, guarded by resourceVersion;
// 3. the configuration is applied again, so that fields the manifest no longer has are removed.
import { fieldElement, FieldSet, lastAppliedAnnotation } from '../api/managedfields/index.js';
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';

export const lastAppliedManager = 'kubectl-last-applied';
const lastAppliedPath = [fieldElement('metadata'), fieldElement('annotations'), fieldElement(lastAppliedAnnotation)];

interface Entry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The JSON patch that hands client-side apply's fields to `ssaManager`, or undefined when there is nothing to move. */
export function upgradeManagedFieldsPatch(live: KubeObject, ssaManager: string, now = new Date()): unknown[] | undefined {
  const entries = (live.metadata.managedFields ?? []).filter(isRecord) as Entry[];
  const isCsa = (e: Entry) => e.operation === 'Update' && ownsLastApplied(e);
  const csa = entries.filter(isCsa);
  if (csa.length === 0) return undefined;
  let set = new FieldSet();
  try {
    for (const e of csa) set = set.union(FieldSet.fromFieldsV1(e.fieldsV1 ?? {}));
  } catch {
    return undefined; // entries the server wrote are well formed; anything else is left alone
  }
  const rest = entries.filter((e) => !isCsa(e));
  const i = rest.findIndex((e) => e.manager === ssaManager && e.operation === 'Apply' && !e.subresource);
  const applyEntry = i >= 0 ? rest[i]! : undefined;
  if (applyEntry) {
    try {
      set = set.union(FieldSet.fromFieldsV1(applyEntry.fieldsV1 ?? {}));
    } catch {
      return undefined;
    }
  }
  const upgraded: Entry = {
    manager: ssaManager,
    operation: 'Apply',
    apiVersion: applyEntry?.apiVersion ?? live.apiVersion ?? csa[0]!.apiVersion ?? '',
    time: rfc3339(now),
    fieldsType: 'FieldsV1',
    fieldsV1: set.toFieldsV1(),
  };
  const managedFields = i >= 0 ? rest.map((e, j) => (j === i ? upgraded : e)) : [upgraded, ...rest];
  return [
    { op: 'test', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion ?? '' },
    { op: 'replace', path: '/metadata/managedFields', value: managedFields },
  ];
}

function ownsLastApplied(e: Entry): boolean {
  try {
    return FieldSet.fromFieldsV1(e.fieldsV1 ?? {}).has(lastAppliedPath);
  } catch {
    return false;
  }
}

/** Whether the last-applied annotation needs an Apply owner (it exists and no Apply entry owns it). */
export function lastAppliedNeedsOwner(live: KubeObject): boolean {
  if (live.metadata.annotations?.[lastAppliedAnnotation] === undefined) return false;
  const entries = (live.metadata.managedFields ?? []).filter(isRecord) as Entry[];
  return !entries.some((e) => e.operation === 'Apply' && ownsLastApplied(e));
}

/** The apply configuration that gives the annotation its own owner. */
export function lastAppliedOnly(live: KubeObject): KubeObject {
  return {
    apiVersion: live.apiVersion ?? '',
    kind: live.kind ?? '',
    metadata: {
      name: live.metadata.name ?? '',
      ...(live.metadata.namespace ? { namespace: live.metadata.namespace } : {}),
      annotations: { [lastAppliedAnnotation]: live.metadata.annotations?.[lastAppliedAnnotation] ?? '' },
    },
  };
}
