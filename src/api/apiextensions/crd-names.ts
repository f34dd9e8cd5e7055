// Name acceptance and the NamesAccepted/Established conditions of a CRD, with kube-apiserver's reasons and messages.
// A CRD's names must not collide with another CRD's accepted names in the same group (plural, singular, short
// names, kind, listKind), nor with a built-in resource of that group.
import type { ResourceRegistry } from '../resource-registry.js';
import type { CrdCondition, CrdNames, CustomResourceDefinition } from './types.js';

export type Condition = CrdCondition;

export interface Acceptance {
  accepted: boolean;
  /** The names now accepted (the requested ones when free; the previously accepted ones otherwise). */
  names: CrdNames | undefined;
  reason: string;
  message: string;
}

export function acceptNames(crd: CustomResourceDefinition, others: readonly CustomResourceDefinition[], registry: ResourceRegistry): Acceptance {
  const want = crd.spec.names;
  const group = crd.spec.group;
  const sameGroup = others.filter((o) => o.spec.group === group && o.status?.acceptedNames);
  const plurals = new Set<string>();
  const singulars = new Set<string>();
  const shorts = new Set<string>();
  const kinds = new Set<string>();
  const listKinds = new Set<string>();
  for (const o of sameGroup) {
    const n = o.status?.acceptedNames;
    if (!n) continue;
    plurals.add(n.plural);
    if (n.singular) singulars.add(n.singular);
    for (const s of n.shortNames ?? []) shorts.add(s);
    kinds.add(n.kind);
    if (n.listKind) listKinds.add(n.listKind);
  }
  for (const r of registry.all()) {
    if (r.group !== group || r.crd !== undefined) continue;
    plurals.add(r.resource);
    singulars.add(r.singularName);
    kinds.add(r.kind);
    listKinds.add(r.listKind);
  }
  const conflict = (reason: string, message: string): Acceptance => ({ accepted: false, names: crd.status?.acceptedNames, reason, message });
  if (plurals.has(want.plural) || singulars.has(want.plural)) return conflict('PluralConflict', `"${want.plural}" is already in use`);
  const singular = want.singular ?? want.kind.toLowerCase();
  if (plurals.has(singular) || singulars.has(singular)) return conflict('SingularConflict', `"${singular}" is already in use`);
  for (const s of want.shortNames ?? []) {
    if (shorts.has(s) || plurals.has(s) || singulars.has(s)) return conflict('ShortNamesConflict', `"${s}" is already in use`);
  }
  if (kinds.has(want.kind) || listKinds.has(want.kind)) return conflict('KindConflict', `"${want.kind}" is already in use`);
  const listKind = want.listKind ?? `${want.kind}List`;
  if (kinds.has(listKind) || listKinds.has(listKind)) return conflict('ListKindConflict', `"${listKind}" is already in use`);
  const names: CrdNames = {
    plural: want.plural,
    singular,
    ...(want.shortNames && want.shortNames.length > 0 ? { shortNames: [...want.shortNames] } : {}),
    kind: want.kind,
    listKind,
    ...(want.categories && want.categories.length > 0 ? { categories: [...want.categories] } : {}),
  };
  return { accepted: true, names, reason: 'NoConflicts', message: 'no conflicts found' };
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The conditions after this acceptance (transition times kept when a status does not change). */
export function conditionsFor(crd: CustomResourceDefinition, acceptance: Acceptance, now: Date): Condition[] {
  const old = crd.status?.conditions ?? [];
  const put = (list: Condition[], c: Condition) => {
    const prev = old.find((o) => o.type === c.type);
    const lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now);
    list.push({ type: c.type, status: c.status, lastTransitionTime, reason: c.reason ?? '', message: c.message ?? '' });
  };
  const out: Condition[] = [];
  put(out, { type: 'NamesAccepted', status: acceptance.accepted ? 'True' : 'False', reason: acceptance.reason, message: acceptance.message });
  const wasEstablished = old.some((c) => c.type === 'Established' && c.status === 'True');
  if (acceptance.accepted || wasEstablished) {
    const prev = old.find((c) => c.type === 'Established' && c.status === 'True');
    put(out, prev ?? { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' });
  } else {
    put(out, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' });
  }
  for (const c of old) if (c.type !== 'NamesAccepted' && c.type !== 'Established') out.push(c);
  return out;
}
