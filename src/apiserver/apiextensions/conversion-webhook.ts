// A CustomResourceDefinition's conversion webhook (`spec.conversion.strategy: Webhook`): objects are sent in one
// ConversionReview (v1, or v1beta1 when that comes first in conversionReviewVersions) to the webhook's URL or
// Service over HTTPS with its caBundle, and the answer is checked as kube-apiserver checks it: the uid matches, as
// many objects come back as were sent, each in the desired apiVersion and of the same kind, name, namespace and
// uid; of the metadata only labels and annotations may change (valid ones), everything else is restored from
// the original. Every failure reads `conversion webhook for <group/version>, Kind=<Kind> …` as kube-apiserver
// words it, and reaches the client as a 500 Status with that message.
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { formatFieldError, StatusError, type FieldError } from '../../api/status.js';
import { validateAnnotations, validateLabels } from '../../api/validation/object-meta.js';
import type { CustomResourceDefinition } from '../../api/apiextensions/types.js';
import type { ObjectConverter } from '../../registry/store-types.js';
import { CallError, postJson } from '../../webhook/client.js';
import { readClientConfig, resolveTarget, ResolveError, type ObjectReader } from '../../webhook/resolve.js';

/** kube-apiserver's webhook clients wait this long for a conversion (the Go client's default request timeout). */
export const conversionTimeoutSeconds = 30;

/** A conversion failure: kube-apiserver answers it with a 500 Status without a reason (Unknown) carrying the text. */
export function conversionError(message: string): StatusError {
  return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code: 500 });
}

interface ReviewOptions {
  reviewVersion: 'v1' | 'v1beta1';
  post: (body: string) => Promise<{ statusCode: number; body: Buffer }>;
}

/** The converter of a CRD whose conversion strategy is Webhook; undefined for any other strategy. */
export function webhookConverter(crd: CustomResourceDefinition, reader: ObjectReader, timeoutSeconds = conversionTimeoutSeconds): ObjectConverter | undefined {
  const conversion = crd.spec.conversion;
  if (conversion?.strategy !== 'Webhook' || !conversion.webhook) return undefined;
  const reviewVersion = (conversion.webhook.conversionReviewVersions ?? []).find((v) => v === 'v1' || v === 'v1beta1');
  const clientConfig = readClientConfig(conversion.webhook.clientConfig);
  return {
    async convert(objs, toApiVersion, from) {
      const post = async (body: string) => {
        const target = await resolveTarget(clientConfig, timeoutSeconds, reader);
        return postJson(target, body, timeoutSeconds * 1000);
      };
      return convertThroughReview(objs, toApiVersion, from, reviewVersion === undefined ? undefined : { reviewVersion, post });
    },
  };
}

/** `group/version, Kind=Kind` (schema.GroupVersionKind's String). */
function gvkText(from: { apiVersion: string; kind: string }): string {
  return `${from.apiVersion}, Kind=${from.kind}`;
}

/** One ConversionReview round trip for `objs`, with kube-apiserver's checks of the answer. */
export async function convertThroughReview(
  objs: readonly Readonly<KubeObject>[],
  toApiVersion: string,
  from: { apiVersion: string; kind: string },
  review: ReviewOptions | undefined,
): Promise<KubeObject[]> {
  // objects already in the desired version are not sent
  const indexes: number[] = [];
  objs.forEach((o, i) => {
    if (o.apiVersion !== toApiVersion) indexes.push(i);
  });
  const out = objs.map((o) => o as KubeObject);
  if (indexes.length === 0) return out;
  if (!review) throw conversionError('no supported conversion review versions');
  const gvk = gvkText(from);
  const uid = randomUUID();
  const request = { uid, desiredAPIVersion: toApiVersion, objects: indexes.map((i) => objs[i]) };
  const body = JSON.stringify({
    kind: 'ConversionReview',
    apiVersion: `apiextensions.k8s.io/${review.reviewVersion}`,
    request,
    response: { uid: '', convertedObjects: null, result: { metadata: {} } },
  });
  let answer: unknown;
  try {
    const res = await review.post(body);
    answer = decodeAnswer(res.statusCode, res.body);
  } catch (e) {
    // a Service without an address fails while dialling, so the Go client's text names the request
    if (e instanceof ResolveError && e.url !== undefined) throw conversionError(`conversion webhook for ${gvk} failed: Post ${JSON.stringify(e.url)}: ${e.message}`);
    if (e instanceof CallError || e instanceof ResolveError || e instanceof AnswerError) throw conversionError(`conversion webhook for ${gvk} failed: ${e.message}`);
    throw e;
  }
  let converted: unknown[];
  try {
    converted = convertedObjects(answer, review.reviewVersion, uid);
  } catch (e) {
    if (e instanceof AnswerError) throw conversionError(`conversion webhook for ${gvk} failed: ${e.message}`);
    throw e;
  }
  if (converted.length !== indexes.length) throw conversionError(`conversion webhook for ${gvk} returned ${converted.length} objects, expected ${indexes.length}`);
  converted.forEach((raw, n) => {
    const original = objs[indexes[n]!]!;
    const at = `at index ${n}`;
    if (!isRecord(raw)) throw conversionError(`conversion webhook for ${gvk} returned invalid object ${at}: invalid type, expected an object`);
    const got = typeof raw['apiVersion'] === 'string' ? raw['apiVersion'] : '';
    if (got !== toApiVersion) throw conversionError(`conversion webhook for ${gvk} returned invalid object ${at}: invalid groupVersion (expected ${toApiVersion}, received ${got})`);
    const kind = typeof raw['kind'] === 'string' ? raw['kind'] : '';
    if (kind !== original.kind) throw conversionError(`conversion webhook for ${gvk} returned invalid object ${at}: invalid kind (expected ${original.kind}, received ${kind})`);
    const mismatch = identityMismatch(original, raw);
    if (mismatch) throw conversionError(`conversion webhook for ${gvk} returned invalid object: ${mismatch}`);
    const metaError = restoreMetadata(original, raw);
    if (metaError) throw conversionError(`conversion webhook for ${gvk} returned invalid metadata: ${metaError}`);
    out[indexes[n]!] = raw as KubeObject;
  });
  return out;
}

class AnswerError extends Error {
  override name = 'AnswerError';
}

/** The Go REST client's reading of an answer: 2xx bodies decoded, other codes turned into its error texts. */
function decodeAnswer(statusCode: number, body: Buffer): unknown {
  const text = body.toString('utf8');
  let parsed: unknown;
  let parseError: string | undefined;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    parseError = e instanceof Error ? e.message : String(e);
  }
  if (statusCode < 200 || statusCode > 206) {
    if (isRecord(parsed) && parsed['kind'] === 'Status' && typeof parsed['message'] === 'string' && parsed['message'] !== '') throw new AnswerError(parsed['message']);
    switch (statusCode) {
      case 400:
        throw new AnswerError('the server rejected our request for an unknown reason');
      case 401:
        throw new AnswerError('the server has asked for the client to provide credentials');
      case 403:
        throw new AnswerError('the server does not allow access to the requested resource');
      case 404:
        throw new AnswerError('the server could not find the requested resource');
      case 500:
        throw new AnswerError(`an error on the server (${JSON.stringify(text.slice(0, 1024))}) has prevented the request from succeeding`);
      default:
        throw new AnswerError(`the server responded with the status code ${statusCode} but did not return more information`);
    }
  }
  if (parseError !== undefined) throw new AnswerError(`couldn't get version/kind; json parse error: ${parseError}`);
  return parsed;
}

/** The converted objects of a ConversionReview answer (kube-apiserver checks kind and uid only for v1). */
function convertedObjects(answer: unknown, reviewVersion: 'v1' | 'v1beta1', uid: string): unknown[] {
  const a = isRecord(answer) ? answer : {};
  if (reviewVersion === 'v1') {
    const apiVersion = typeof a['apiVersion'] === 'string' ? a['apiVersion'] : '';
    const kind = typeof a['kind'] === 'string' ? a['kind'] : '';
    if (apiVersion !== 'apiextensions.k8s.io/v1' || kind !== 'ConversionReview') {
      const got = apiVersion === '' && kind === '' ? '/, Kind=' : `${apiVersion}, Kind=${kind}`;
      throw new AnswerError(`expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got ${got}`);
    }
  }
  const response = a['response'];
  if (!isRecord(response)) throw new AnswerError('no response provided');
  if (reviewVersion === 'v1' && response['uid'] !== uid) {
    throw new AnswerError(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(typeof response['uid'] === 'string' ? response['uid'] : '')}`);
  }
  const result = isRecord(response['result']) ? response['result'] : {};
  if (result['status'] !== 'Success') {
    if (typeof result['message'] === 'string' && result['message'] !== '') throw new AnswerError(result['message']);
    throw new AnswerError(`response.result.status was '${typeof result['status'] === 'string' ? result['status'] : ''}', not 'Success'`);
  }
  return Array.isArray(response['convertedObjects']) ? response['convertedObjects'] : [];
}

function metaOf(o: unknown): Record<string, unknown> {
  return isRecord(o) && isRecord(o['metadata']) ? o['metadata'] : {};
}

/** kube-apiserver's validateConvertedObject: kind, name, namespace and uid must not change. */
function identityMismatch(original: Readonly<KubeObject>, converted: Record<string, unknown>): string | undefined {
  const a = metaOf(original);
  const b = metaOf(converted);
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  if (s(original.kind) !== s(converted['kind'])) return `must have the same kind: ${s(original.kind)} != ${s(converted['kind'])}`;
  for (const [f, label] of [['name', 'name'], ['namespace', 'namespace'], ['uid', 'UID']] as const) {
    if (s(a[f]) !== s(b[f])) return `must have the same ${label}: ${s(a[f])} != ${s(b[f])}`;
  }
  return undefined;
}

/**
 * Puts the original metadata back into `converted`, keeping the labels and annotations the webhook returned
 * (checked as labels and annotations are checked). Returns kube-apiserver's text when they cannot be kept.
 */
function restoreMetadata(original: Readonly<KubeObject>, converted: Record<string, unknown>): string | undefined {
  const returned = converted['metadata'];
  if (returned === undefined) return 'missing metadata in converted object';
  if (!isRecord(returned)) return `invalid metadata of type ${goTypeName(returned)} in converted object`;
  const meta: Record<string, unknown> = structuredClone(original.metadata ?? {}) as Record<string, unknown>;
  for (const fld of ['labels', 'annotations'] as const) {
    const value = returned[fld];
    if (value === undefined || value === null) {
      delete meta[fld];
      continue;
    }
    if (!isRecord(value)) return `invalid metadata.${fld} of type ${goTypeName(value)} in converted object`;
    const before = isRecord(meta[fld]) ? (meta[fld] as Record<string, unknown>) : {};
    let changed = Object.keys(before).length !== Object.keys(value).length;
    const strings: Record<string, string> = {};
    for (const [k, v] of Object.entries(value)) {
      if (typeof v !== 'string') return `metadata.${fld}[${k}] must be a string, but is ${goTypeName(v)} in converted object`;
      if (!Object.hasOwn(before, k) || before[k] !== v) changed = true;
      Object.defineProperty(strings, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    if (changed) {
      const errs: FieldError[] = fld === 'labels' ? validateLabels(strings, 'metadata.labels') : validateAnnotations(strings, 'metadata.annotation');
      if (errs.length === 1) return formatFieldError(errs[0]!);
      if (errs.length > 1) return `[${errs.map(formatFieldError).join(', ')}]`;
    }
    meta[fld] = strings;
  }
  converted['metadata'] = meta;
  return undefined;
}

/** The Go type name a JSON value decodes to in an unstructured object. */
function goTypeName(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (v === null) return '<nil>';
  return 'map[string]interface {}';
}
