// One webhook of a stored Mutating/ValidatingWebhookConfiguration, read into a typed, defaulted shape. Stored
// objects passed validation; anything still off (a missing list, a wrong type) reads as its default.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { readClientConfig, type ClientConfig } from '../../webhook/resolve.js';

export type { ClientConfig } from '../../webhook/resolve.js';

export interface WebhookRule {
  operations: string[];
  apiGroups: string[];
  apiVersions: string[];
  resources: string[];
  scope: string;
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}


export interface Webhook {
  /** Unique per webhook: configuration name and index (reinvocation bookkeeping). */
  key: string;
  configurationName: string;
  name: string;
  mutating: boolean;
  rules: WebhookRule[];
  namespaceSelector: LabelSelectorSpec;
  objectSelector: LabelSelectorSpec;
  matchPolicy: 'Equivalent' | 'Exact';
  matchConditions: { name: string; expression: string }[];
  failurePolicy: 'Fail' | 'Ignore';
  sideEffects: string;
  timeoutSeconds: number;
  reinvocationPolicy: 'IfNeeded' | 'Never';
  clientConfig: ClientConfig;
  admissionReviewVersions: string[];
}

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);

function selector(v: unknown): LabelSelectorSpec {
  if (!isRecord(v)) return {};
  const out: LabelSelectorSpec = {};
  if (isRecord(v.matchLabels)) {
    const m: Record<string, string> = {};
    for (const [k, x] of Object.entries(v.matchLabels)) if (typeof x === 'string') Object.defineProperty(m, k, { value: x, enumerable: true, writable: true, configurable: true });
    out.matchLabels = m;
  }
  if (Array.isArray(v.matchExpressions)) {
    out.matchExpressions = v.matchExpressions.filter(isRecord).map((e) => ({ key: str(e.key), operator: str(e.operator), values: strs(e.values) }));
  }
  return out;
}

export function webhooksOf(cfg: Readonly<KubeObject>, mutating: boolean): Webhook[] {
  const list = Array.isArray(cfg.webhooks) ? cfg.webhooks.filter(isRecord) : [];
  const configurationName = cfg.metadata.name ?? '';
  return list.map((h, i) => ({
    key: `${configurationName}/${i}`,
    configurationName,
    name: str(h.name),
    mutating,
    rules: (Array.isArray(h.rules) ? h.rules.filter(isRecord) : []).map((r) => ({
      operations: strs(r.operations),
      apiGroups: strs(r.apiGroups),
      apiVersions: strs(r.apiVersions),
      resources: strs(r.resources),
      scope: str(r.scope, '*'),
    })),
    namespaceSelector: selector(h.namespaceSelector),
    objectSelector: selector(h.objectSelector),
    matchPolicy: h.matchPolicy === 'Exact' ? 'Exact' : 'Equivalent',
    matchConditions: (Array.isArray(h.matchConditions) ? h.matchConditions.filter(isRecord) : []).map((c) => ({ name: str(c.name), expression: str(c.expression) })),
    failurePolicy: h.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    sideEffects: str(h.sideEffects),
    timeoutSeconds: typeof h.timeoutSeconds === 'number' && h.timeoutSeconds >= 1 && h.timeoutSeconds <= 30 ? h.timeoutSeconds : 10,
    reinvocationPolicy: h.reinvocationPolicy === 'IfNeeded' ? 'IfNeeded' : 'Never',
    clientConfig: readClientConfig(h.clientConfig),
    admissionReviewVersions: strs(h.admissionReviewVersions),
  }));
}
