// The RBAC kinds as RBAC reads them, narrowed from stored objects (rbac.authorization.k8s.io/v1).
import { getOwn, setOwn } from '../../api/own.js';
import { isRecord, type KubeObject } from '../../api/object.js';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}

export interface LabelSelectorLike {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface RoleLike {
  name: string;
  namespace: string;
  rules: PolicyRule[];
  labels: Record<string, string>;
  aggregationSelectors?: LabelSelectorLike[];
}

export interface BindingLike {
  name: string;
  namespace: string;
  roleRef: RoleRef;
  subjects: Subject[];
  /** One of the bootstrap policy's own bindings (annotated rbac.authorization.kubernetes.io/autoupdate: "true"). */
  bootstrap?: true;
}

function stringList(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter((x): x is string => typeof x === 'string');
}

export function toPolicyRule(v: unknown): PolicyRule | undefined {
  if (!isRecord(v)) return undefined;
  const rule: PolicyRule = { verbs: stringList(v['verbs']) ?? [] };
  const apiGroups = stringList(v['apiGroups']);
  const resources = stringList(v['resources']);
  const resourceNames = stringList(v['resourceNames']);
  const nonResourceURLs = stringList(v['nonResourceURLs']);
  if (apiGroups) rule.apiGroups = apiGroups;
  if (resources) rule.resources = resources;
  if (resourceNames) rule.resourceNames = resourceNames;
  if (nonResourceURLs) rule.nonResourceURLs = nonResourceURLs;
  return rule;
}

export function rulesOf(obj: Readonly<KubeObject>): PolicyRule[] {
  const rules = obj['rules'];
  if (!Array.isArray(rules)) return [];
  return rules.map(toPolicyRule).filter((r): r is PolicyRule => r !== undefined);
}

export function toRole(obj: Readonly<KubeObject>): RoleLike {
  const role: RoleLike = {
    name: obj.metadata.name ?? '',
    namespace: obj.metadata.namespace ?? '',
    rules: rulesOf(obj),
    labels: { ...(obj.metadata.labels ?? {}) },
  };
  const agg = obj['aggregationRule'];
  if (isRecord(agg)) {
    const selectors = Array.isArray(agg['clusterRoleSelectors']) ? agg['clusterRoleSelectors'].filter(isRecord) : [];
    role.aggregationSelectors = selectors.map(toSelector);
  }
  return role;
}

function toSelector(v: Record<string, unknown>): LabelSelectorLike {
  const out: LabelSelectorLike = {};
  const ml = v['matchLabels'];
  if (isRecord(ml)) {
    out.matchLabels = {};
    for (const [k, val] of Object.entries(ml)) if (typeof val === 'string') setOwn(out.matchLabels, k, val);
  }
  const me = v['matchExpressions'];
  if (Array.isArray(me)) {
    out.matchExpressions = me.filter(isRecord).map((e) => ({
      key: typeof e['key'] === 'string' ? e['key'] : '',
      operator: typeof e['operator'] === 'string' ? e['operator'] : '',
      ...(stringList(e['values']) ? { values: stringList(e['values']) ?? [] } : {}),
    }));
  }
  return out;
}

export function toBinding(obj: Readonly<KubeObject>): BindingLike {
  const ref = isRecord(obj['roleRef']) ? obj['roleRef'] : {};
  const subjects = Array.isArray(obj['subjects']) ? obj['subjects'].filter(isRecord) : [];
  const str = (r: Record<string, unknown>, k: string) => {
    const v = getOwn(r, k);
    return typeof v === 'string' ? v : '';
  };
  return {
    name: obj.metadata.name ?? '',
    namespace: obj.metadata.namespace ?? '',
    roleRef: { apiGroup: str(ref, 'apiGroup'), kind: str(ref, 'kind'), name: str(ref, 'name') },
    subjects: subjects.map((s) => ({
      kind: str(s, 'kind'),
      name: str(s, 'name'),
      ...(str(s, 'apiGroup') ? { apiGroup: str(s, 'apiGroup') } : {}),
      ...(str(s, 'namespace') ? { namespace: str(s, 'namespace') } : {}),
    })),
    ...(getOwn(obj.metadata.annotations ?? {}, 'rbac.authorization.kubernetes.io/autoupdate') === 'true' ? { bootstrap: true as const } : {}),
  };
}

/** matchLabels/matchExpressions (In, NotIn, Exists, DoesNotExist); an empty selector matches everything. */
export function selectorMatches(sel: LabelSelectorLike, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (getOwn(labels, k) !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = getOwn(labels, e.key);
    switch (e.operator) {
      case 'In': if (!has || !(e.values ?? []).includes(value ?? '')) return false; break;
      case 'NotIn': if (has && (e.values ?? []).includes(value ?? '')) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}
