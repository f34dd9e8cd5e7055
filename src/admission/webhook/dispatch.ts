// The MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins. Configurations are read from the API
// server's caches on every request and taken in name order, webhooks in list order. Mutating webhooks are called
// one after another, each JSON patch applied before the next call (through the JSON-patch code every client
// patch goes through); a webhook with reinvocationPolicy IfNeeded is called once more when a later webhook
// changed the object. Validating webhooks are called together and the first refusal, in configuration order,
// wins. A call never outlives the webhook's timeoutSeconds.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { deepEqual } from '../../api/deep-equal.js';
import { setOwn } from '../../api/own.js';
import { applyJsonPatch, PatchError } from '../../api/patch/index.js';
import { exceedsDepth } from '../../api/json-depth.js';
import { errors, StatusError } from '../../api/status.js';
import type { AdmissionPlugin, AdmissionRequest } from '../types.js';
import type { AdmissionReader } from '../reader.js';
import { webhooksOf, type Webhook } from './config.js';
import { shouldCall, type Invocation, type MatchDeps } from './matcher.js';
import { isExemptAdmissionConfiguration } from './rules.js';
import { resolveTarget, ResolveError } from '../../webhook/resolve.js';
import { CallError, postJson } from '../../webhook/client.js';
import { buildReview, InvalidResponse, verifyResponse, type ReviewObjects, type VerifiedResponse } from './review.js';
import { CallingWebhookError, callFailureStatus, denialStatus, dryRunUnsupported } from './status.js';

export interface WebhookDeps extends MatchDeps {
  reader: AdmissionReader;
  /** The object in another served version of its resource (identity when it already is, or cannot be). */
  convert(obj: KubeObject, group: string, resource: string, toVersion: string): KubeObject;
}

const versionOf = (obj: KubeObject) => {
  const av = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  return av.includes('/') ? av.slice(av.indexOf('/') + 1) : av;
};

async function webhooks(deps: WebhookDeps, mutating: boolean): Promise<Webhook[]> {
  const resource = mutating ? 'mutatingwebhookconfigurations' : 'validatingwebhookconfigurations';
  const configs = [...(await deps.reader.list({ group: 'admissionregistration.k8s.io', resource }, ''))];
  configs.sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0));
  return configs.flatMap((c) => webhooksOf(c, mutating));
}

function handles(req: AdmissionRequest): boolean {
  return !isExemptAdmissionConfiguration(req.resource.group, req.resource.resource);
}

function objectsIn(req: AdmissionRequest, deps: WebhookDeps) {
  return (version: string): ReviewObjects => {
    const conv = (o: KubeObject) => (versionOf(o) === version ? o : deps.convert(o, req.resource.group, req.resource.resource, version));
    return {
      object: req.operation === 'DELETE' ? null : conv(req.object),
      oldObject: req.oldObject ? conv(structuredClone(req.oldObject) as KubeObject) : null,
    };
  };
}

/** One call: resolve, POST, verify. Failures to get an answer are CallingWebhookErrors; dry-run refusals StatusErrors. */
async function call(hook: Webhook, inv: Invocation, req: AdmissionRequest, objs: ReviewObjects, deps: WebhookDeps): Promise<VerifiedResponse> {
  if (req.dryRun && hook.sideEffects !== 'None' && hook.sideEffects !== 'NoneOnDryRun') throw dryRunUnsupported(hook.name);
  if (!hook.admissionReviewVersions.includes('v1') && !hook.admissionReviewVersions.includes('v1beta1')) {
    throw new CallingWebhookError(hook.name, 'could not create admission objects: webhook does not accept known AdmissionReview versions (v1, v1beta1)');
  }
  let target;
  try {
    target = await resolveTarget(hook.clientConfig, hook.timeoutSeconds, deps.reader);
  } catch (e) {
    // a Service without an address fails while the Go client dials; a bad URL while it builds its client
    if (e instanceof ResolveError && e.url !== undefined) throw new CallingWebhookError(hook.name, `failed to call webhook: Post ${JSON.stringify(e.url)}: ${e.message}`);
    if (e instanceof ResolveError) throw new CallingWebhookError(hook.name, `could not get REST client: ${e.message}`);
    throw e;
  }
  const { uid, review } = buildReview(req, inv, objs);
  let result;
  try {
    result = await postJson(target, JSON.stringify(review), hook.timeoutSeconds * 1000);
  } catch (e) {
    if (e instanceof CallError) throw new CallingWebhookError(hook.name, `failed to call webhook: ${e.message}`);
    throw e;
  }
  if (result.statusCode < 200 || result.statusCode > 299) {
    throw new CallingWebhookError(hook.name, `failed to call webhook: ${httpErrorText(result.statusCode, result.body)}`);
  }
  try {
    return verifyResponse(result.body, uid, hook.mutating);
  } catch (e) {
    if (e instanceof InvalidResponse) throw new CallingWebhookError(hook.name, `received invalid webhook response: ${e.message}`);
    throw e;
  }
}

/** The Go REST client's words for a non-2xx answer: the Status it carried, else the generic server error. */
function httpErrorText(code: number, body: Buffer): string {
  try {
    const doc: unknown = JSON.parse(body.toString('utf8'));
    if (isRecord(doc) && doc.kind === 'Status' && typeof doc.message === 'string') return doc.message;
  } catch {
    // not JSON: fall through
  }
  const shown = body.toString('utf8').slice(0, 1024).trim() || 'unknown';
  if (code === 404) return 'the server could not find the requested resource';
  return `an error on the server (${JSON.stringify(shown)}) has prevented the request from succeeding`;
}

/** The answer's warnings to the client, and its audit annotations to the audit log as "<webhook name>/<key>". */
function passOn(req: AdmissionRequest, hook: Webhook, r: VerifiedResponse): void {
  for (const w of r.warnings) req.warn?.(w.slice(0, 4096));
  for (const [key, value] of Object.entries(r.auditAnnotations)) req.annotate?.(`${hook.name}/${key}`, value.slice(0, 4096));
}

/** Replaces the request's object with the patched one, converted back to the version it came in. */
function applyPatch(hook: Webhook, inv: Invocation, req: AdmissionRequest, objs: ReviewObjects, patch: unknown, deps: WebhookDeps): boolean {
  if (Array.isArray(patch) && patch.length === 0) return false;
  if (req.operation === 'DELETE' || objs.object === null) {
    throw errors.internal(new Error(`admission webhook ${JSON.stringify(hook.name)} attempted to modify the object, which is not supported for this operation`));
  }
  let patched: unknown;
  try {
    patched = applyJsonPatch(objs.object, patch);
  } catch (e) {
    if (e instanceof PatchError) throw errors.internal(new Error(e.message));
    throw e;
  }
  if (!isRecord(patched) || !isRecord(patched.metadata) || exceedsDepth(patched)) {
    throw errors.internal(new Error(`admission webhook ${JSON.stringify(hook.name)} returned a patch that does not leave an object`));
  }
  let next = patched as KubeObject;
  const original = versionOf(req.object);
  if (versionOf(next) !== original) next = deps.convert(next, inv.group, inv.resource, original);
  if (deepEqual(next, req.object)) return false;
  for (const k of Object.keys(req.object)) delete req.object[k];
  for (const [k, v] of Object.entries(next)) setOwn(req.object as Record<string, unknown>, k, v);
  return true;
}

function failurePolicyApplies(e: unknown): e is CallingWebhookError {
  return e instanceof CallingWebhookError;
}

export function mutatingWebhookAdmission(deps: WebhookDeps): AdmissionPlugin {
  return {
    name: 'MutatingAdmissionWebhook',
    handles,
    async admit(req) {
      const hooks = await webhooks(deps, true);
      if (hooks.length === 0) return;
      const invokedIfNeeded: string[] = [];
      const reinvoke = new Set<string>();
      for (const round of [0, 1]) {
        if (round === 1 && reinvoke.size === 0) break;
        for (const hook of hooks) {
          if (round === 1 && !reinvoke.has(hook.key)) continue;
          const view = objectsIn(req, deps);
          const inv = await shouldCall(hook, req, deps, view);
          if (!inv) continue;
          const objs = view(inv.version);
          let changed = false;
          try {
            const r = await call(hook, inv, req, objs, deps);
            passOn(req, hook, r);
            if (!r.allowed) throw denialStatus(hook.name, r.result);
            if (r.patch !== undefined) changed = applyPatch(hook, inv, req, objs, r.patch, deps);
          } catch (e) {
            if (!failurePolicyApplies(e)) throw e;
            if (hook.failurePolicy !== 'Ignore') throw callFailureStatus(e);
          }
          if (changed && round === 0) for (const k of invokedIfNeeded) reinvoke.add(k);
          if (hook.reinvocationPolicy === 'IfNeeded' && round === 0) invokedIfNeeded.push(hook.key);
        }
      }
    },
  };
}

export function validatingWebhookAdmission(deps: WebhookDeps): AdmissionPlugin {
  return {
    name: 'ValidatingAdmissionWebhook',
    handles,
    async validate(req) {
      const hooks = await webhooks(deps, false);
      if (hooks.length === 0) return;
      const view = objectsIn(req, deps);
      const calls: { hook: Webhook; inv: Invocation }[] = [];
      for (const hook of hooks) {
        const inv = await shouldCall(hook, req, deps, view);
        if (inv) calls.push({ hook, inv });
      }
      const outcomes = await Promise.all(
        calls.map(async ({ hook, inv }): Promise<StatusError | undefined> => {
          try {
            const r = await call(hook, inv, req, view(inv.version), deps);
            passOn(req, hook, r);
            return r.allowed ? undefined : denialStatus(hook.name, r.result);
          } catch (e) {
            if (e instanceof StatusError) return e;
            if (!failurePolicyApplies(e)) return errors.internal(e);
            return hook.failurePolicy === 'Ignore' ? undefined : callFailureStatus(e);
          }
        }),
      );
      const first = outcomes.find((o) => o !== undefined);
      if (first) throw first;
    },
  };
}
