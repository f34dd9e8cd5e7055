// Before the first server-side apply to an object that client-side apply managed, kubectl moves the fields the
// client-side apply manager recorded (Update entries of "kubectl-client-side-apply") into the server-side
// applier's Apply entry, so that the applier owns them and later drops them when its manifest does. The move is
// one JSON patch of metadata.managedFields, guarded by the object's resourceVersion.
import { FieldSet } from '../api/managedfields/index.js';
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';

export const clientSideApplyManager = 'kubectl-client-side-apply';

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
  const isCsa = (e: Entry) => e.manager === clientSideApplyManager && e.operation === 'Update' && !e.subresource;
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
