// Which webhooks a request goes to (kube-apiserver's ShouldCallHook): rules (exactly, or through an equivalent
// version of the same resource when matchPolicy is Equivalent), namespaceSelector, objectSelector, then the CEL
// matchConditions. A webhook that should be called yields the version its request is made in.
import type { KubeObject } from '../../api/object.js';
import { labelSelectorFromSpec, matchesLabels } from '../../api/selectors/index.js';
import { errors } from '../../api/status.js';
import { evaluate, OutOfBudgetError, type CostBudget } from '../../api/cel/admission.js';
import { runtimeCelCostBudgetMatchConditions } from '../../api/cel/cost.js';
import type { AdmissionRequest } from '../types.js';
import type { LabelSelectorSpec, Webhook } from './config.js';
import { anyRuleMatches, type RuleAttributes } from './rules.js';
import { celActivation, celAuthorizer, celRequest } from './cel-input.js';
import type { Authorizer } from '../../auth/types.js';
import { CallingWebhookError } from './status.js';

/** The group-version-resource-kind a webhook is called with. */
export interface Invocation {
  webhook: Webhook;
  group: string;
  version: string;
  resource: string;
  kind: string;
  subresource: string;
}

export interface MatchDeps {
  /** The labels of a namespace, or undefined when it does not exist. */
  namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
  /** The other served versions of a resource, with their kinds (for matchPolicy Equivalent). */
  servedVersions(group: string, resource: string): { version: string; kind: string }[];
  /** What the `authorizer` variable of matchConditions asks. */
  authorizer: Authorizer;
}


function selectorMatches(spec: LabelSelectorSpec, labels: Record<string, string> | undefined): boolean {
  return matchesLabels(labelSelectorFromSpec(spec), labels ?? {});
}

const isEmpty = (s: LabelSelectorSpec) => Object.keys(s.matchLabels ?? {}).length + (s.matchExpressions ?? []).length === 0;

async function namespaceMatches(hook: Webhook, req: AdmissionRequest, deps: MatchDeps): Promise<boolean> {
  const isNamespace = req.resource.group === '' && req.resource.resource === 'namespaces';
  if (req.namespace === '' && !isNamespace) return true; // cluster-scoped objects are never exempted by namespace
  if (isEmpty(hook.namespaceSelector)) return true;
  let labels: Record<string, string> | undefined;
  if (isNamespace && req.subresource === '' && req.operation !== 'DELETE') labels = req.object.metadata.labels ?? {};
  else {
    const name = isNamespace ? req.name : req.namespace;
    labels = await deps.namespaceLabels(name);
    if (labels === undefined) throw errors.internal(new Error(`namespace "${name}" not found`));
  }
  return selectorMatches(hook.namespaceSelector, labels);
}

function objectMatches(hook: Webhook, req: AdmissionRequest): boolean {
  if (isEmpty(hook.objectSelector)) return true;
  const newLabels = req.operation === 'DELETE' ? undefined : req.object.metadata.labels;
  if (req.operation !== 'DELETE' && selectorMatches(hook.objectSelector, newLabels)) return true;
  return req.oldObject !== undefined && selectorMatches(hook.objectSelector, req.oldObject.metadata.labels);
}

function ruleAttributes(req: AdmissionRequest, version: string): RuleAttributes {
  return { operation: req.operation, group: req.resource.group, version, resource: req.resource.resource, subresource: req.subresource, namespace: req.namespace };
}

function matchingVersion(hook: Webhook, req: AdmissionRequest, deps: MatchDeps): { version: string; kind: string } | undefined {
  if (anyRuleMatches(hook.rules, ruleAttributes(req, req.resource.version))) return { version: req.resource.version, kind: req.resource.kind };
  if (hook.matchPolicy !== 'Equivalent') return undefined;
  for (const v of deps.servedVersions(req.resource.group, req.resource.resource)) {
    if (v.version !== req.resource.version && anyRuleMatches(hook.rules, ruleAttributes(req, v.version))) return v;
  }
  return undefined;
}

/**
 * matchConditions: any false skips the webhook; errors follow failurePolicy (Fail refuses, Ignore skips). The
 * `authorizer` checks for the request's user; its `requestResource` is in the version the webhook is called with.
 */
async function conditionsMatch(hook: Webhook, req: AdmissionRequest, version: string, object: KubeObject | null, oldObject: KubeObject | null, authorizer: Authorizer): Promise<boolean> {
  if (hook.matchConditions.length === 0) return true;
  const activation = celActivation(object, oldObject, celRequest(req), { authorizer: celAuthorizer(req, authorizer, version) });
  const failures: string[] = [];
  const budget: CostBudget = { remaining: runtimeCelCostBudgetMatchConditions };
  for (const c of hook.matchConditions) {
    let result: unknown;
    try {
      result = await evaluate('webhook', c.expression, activation, budget);
    } catch (e) {
      if (e instanceof OutOfBudgetError) {
        failures.splice(0, failures.length, e.message);
        break;
      }
      failures.push(`expression '${c.expression}' resulted in error: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (result === false) return false;
    if (result !== true) failures.push(`expression '${c.expression}' resulted in error: no such overload`);
  }
  if (failures.length === 0) return true;
  if (hook.failurePolicy === 'Ignore') return false;
  const text = failures.length === 1 ? failures[0]! : `[${failures.join(', ')}]`;
  throw errors.internal(new CallingWebhookError(hook.name, `failed to evaluate match conditions: ${text}`));
}

/** The invocation for a webhook that should see this request, or undefined. Throws a StatusError for failures. */
export async function shouldCall(
  hook: Webhook,
  req: AdmissionRequest,
  deps: MatchDeps,
  objects: (version: string) => { object: KubeObject | null; oldObject: KubeObject | null },
): Promise<Invocation | undefined> {
  const v = matchingVersion(hook, req, deps);
  if (!v) return undefined;
  if (!(await namespaceMatches(hook, req, deps))) return undefined;
  if (!objectMatches(hook, req)) return undefined;
  const o = objects(v.version);
  if (!(await conditionsMatch(hook, req, v.version, o.object, o.oldObject, deps.authorizer))) return undefined;
  return { webhook: hook, group: req.resource.group, version: v.version, resource: req.resource.resource, kind: v.kind, subresource: req.subresource };
}

