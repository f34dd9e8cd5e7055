// Validation and defaulting of apiextensions.k8s.io/v1 CustomResourceDefinitions, worded as kube-apiserver words
// them. Everything is read from an untrusted body: each field is checked for its JSON type first.
import { isRecord, type KubeObject } from '../object.js';
import { field, type FieldError } from '../status.js';
import { isDNS1035Label, isDNS1123Subdomain } from '../validation/names.js';
import { goStringSlice } from '../validation/go-format.js';
import { validateWebhookService, validateWebhookURL } from '../validation/webhook-client.js';
import { deepEqual } from '../deep-equal.js';
import { structuralErrors } from './structural.js';
import { celCostErrors } from './cel-cost-budget.js';
import { simpleJsonPathError } from './json-path.js';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});

/** SetDefaults for CRDs: singular/listKind names, conversion None, column defaults. */
export function defaultCrd(obj: KubeObject): void {
  const spec = rec(obj['spec']);
  if (!isRecord(obj['spec'])) return;
  const names = spec['names'];
  if (isRecord(names)) {
    if (typeof names['kind'] === 'string' && names['kind'] !== '') {
      if (names['singular'] === undefined || names['singular'] === '') names['singular'] = names['kind'].toLowerCase();
      if (names['listKind'] === undefined || names['listKind'] === '') names['listKind'] = `${names['kind']}List`;
    }
  }
  if (spec['conversion'] === undefined) spec['conversion'] = { strategy: 'None' };
  for (const v of list(spec['versions'])) {
    if (!isRecord(v)) continue;
    for (const c of list(v['additionalPrinterColumns'])) if (isRecord(c) && c['priority'] === undefined) c['priority'] = 0;
  }
  const conversion = spec['conversion'];
  if (isRecord(conversion) && conversion['strategy'] === 'Webhook' && isRecord(conversion['webhook'])) {
    const cc = conversion['webhook']['clientConfig'];
    if (isRecord(cc) && isRecord(cc['service']) && cc['service']['port'] === undefined) cc['service']['port'] = 443;
  }
}

export function validateCrd(obj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = rec(obj['spec']);
  const names = rec(spec['names']);
  const group = str(spec['group']);
  const out: FieldError[] = [];
  const expectedName = `${str(names['plural'])}.${group}`;
  if (obj.metadata.name !== undefined && obj.metadata.name !== '' && obj.metadata.name !== expectedName) {
    out.push(field.invalid('metadata.name', obj.metadata.name, 'must be spec.names.plural+"."+spec.group'));
  }
  if (group === '') out.push(field.required('spec.group'));
  else {
    const errs = isDNS1123Subdomain(group);
    if (errs.length > 0) out.push(field.invalid('spec.group', group, errs.join(',')));
    else if (group.split('.').length < 2) out.push(field.invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  const scope = spec['scope'];
  if (scope === undefined || scope === '') out.push(field.required('spec.scope'));
  else if (scope !== 'Cluster' && scope !== 'Namespaced') out.push(field.notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));

  const versions = list(spec['versions']);
  if (versions.length === 0) out.push(field.required('spec.versions', 'must have exactly one version marked as storage version'));
  let storage = 0;
  const seen = new Set<string>();
  let unique = true;
  // kube-apiserver validates its internal form, where a schema every version shares is spec.validation
  const shared = sharedSchema(versions);
  const statusEnabled = versions.some((v) => rec(rec(v)['subresources'])['status'] !== undefined);
  const oldSchemas = old ? schemasByVersion(old) : undefined;
  if (shared !== undefined) out.push(...validateSchema(shared, 'spec.validation.openAPIV3Schema', statusEnabled, oldSchemas !== undefined && [...oldSchemas.values()].every((o) => deepEqual(o, shared)) && oldSchemas.size > 0));
  versions.forEach((raw, i) => {
    const v = rec(raw);
    const path = `spec.versions[${i}]`;
    const name = str(v['name']);
    if (v['storage'] === true) storage++;
    if (seen.has(name)) unique = false;
    seen.add(name);
    const errs = isDNS1035Label(name);
    if (errs.length > 0) out.push(field.invalid(`${path}.name`, name, errs.join(',')));
    if (shared === undefined) {
      const schema = rec(v['schema'])['openAPIV3Schema'];
      const unchanged = oldSchemas?.has(name) === true && deepEqual(oldSchemas.get(name), schema);
      if (schema === undefined) out.push(field.required(`${path}.schema.openAPIV3Schema`, 'schemas are required'));
      else out.push(...validateSchema(schema, `${path}.schema.openAPIV3Schema`, rec(v['subresources'])['status'] !== undefined, unchanged));
    }
    out.push(...validateVersion(v, path));
  });
  if (!unique) out.push(field.invalid('spec.versions', '', 'must contain unique version names'));
  if (versions.length > 0 && storage !== 1) out.push(field.invalid('spec.versions', '', 'must have exactly one version marked as storage version'));
  if (versions.length > 0 && !versions.some((v) => rec(v)['served'] === true)) out.push(field.invalid('spec.versions', '', 'must have at least one served version'));

  for (const k of ['plural', 'singular', 'kind', 'listKind'] as const) {
    if (str(names[k]) === '') out.push(field.required(`spec.names.${k}`));
  }
  out.push(...validateNames(names, 'spec.names'));
  out.push(...validateConversion(rec(spec['conversion']), versions.length));
  if (spec['preserveUnknownFields'] === true) out.push(field.invalid('spec.preserveUnknownFields', true, 'must be false in order to use defaults in the schema'));
  return out;
}

export function validateCrdUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = rec(obj['spec']);
  const oldSpec = rec(old['spec']);
  const out = validateCrd(obj, old);
  const established = list(rec(old['status'])['conditions']).some((c) => isRecord(c) && c['type'] === 'Established' && c['status'] === 'True');
  const immutable = (path: string, a: unknown, b: unknown) => {
    if (a !== b) out.push(field.invalid(path, a, 'field is immutable'));
  };
  if (established) {
    immutable('spec.scope', spec['scope'], oldSpec['scope']);
    immutable('spec.names.kind', rec(spec['names'])['kind'], rec(oldSpec['names'])['kind']);
  }
  immutable('spec.group', spec['group'], oldSpec['group']);
  immutable('spec.names.plural', rec(spec['names'])['plural'], rec(oldSpec['names'])['plural']);
  out.push(...validateStoredVersions(obj));
  return out;
}

/** status.storedVersions: each must still be listed in spec.versions. */
export function validateStoredVersions(obj: KubeObject): FieldError[] {
  const names = new Set(list(rec(obj['spec'])['versions']).map((v) => str(rec(v)['name'])));
  const out: FieldError[] = [];
  list(rec(obj['status'])['storedVersions']).forEach((v, i) => {
    if (!names.has(str(v))) out.push(field.invalid(`status.storedVersions[${i}]`, v, 'must appear in spec.versions'));
  });
  return out;
}

export function validateCrdStatus(obj: KubeObject): FieldError[] {
  return validateNames(rec(rec(obj['status'])['acceptedNames']), 'status.acceptedNames');
}

function validateNames(names: Record<string, unknown>, path: string): FieldError[] {
  const out: FieldError[] = [];
  const label = (k: string, value: string, prefix = '') => {
    const errs = isDNS1035Label(value);
    if (value !== '' && errs.length > 0) out.push(field.invalid(`${path}.${k}`, value, prefix + errs.join(',')));
  };
  label('plural', str(names['plural']));
  label('singular', str(names['singular']));
  const kind = str(names['kind']);
  const listKind = str(names['listKind']);
  if (kind !== '' && isDNS1035Label(kind.toLowerCase()).length > 0) out.push(field.invalid(`${path}.kind`, kind, `may have mixed case, but should otherwise match: ${isDNS1035Label(kind.toLowerCase()).join(',')}`));
  if (listKind !== '' && isDNS1035Label(listKind.toLowerCase()).length > 0) out.push(field.invalid(`${path}.listKind`, listKind, `may have mixed case, but should otherwise match: ${isDNS1035Label(listKind.toLowerCase()).join(',')}`));
  list(names['shortNames']).forEach((s, i) => {
    const errs = isDNS1035Label(str(s));
    if (errs.length > 0) out.push(field.invalid(`${path}.shortNames[${i}]`, s, errs.join(',')));
  });
  if (kind !== '' && kind === listKind) out.push(field.invalid(`${path}.listKind`, listKind, 'kind and listKind may not be the same'));
  list(names['categories']).forEach((s, i) => {
    const errs = isDNS1035Label(str(s));
    if (errs.length > 0) out.push(field.invalid(`${path}.categories[${i}]`, s, errs.join(',')));
  });
  return out;
}

const columnTypes = ['integer', 'number', 'string', 'boolean', 'date'];
const columnFormats = ['int32', 'int64', 'float', 'double', 'byte', 'date', 'date-time', 'password'];

/** The openAPIV3Schema every version has (deep-equal), or undefined when they differ or none has one. */
function sharedSchema(versions: unknown[]): unknown {
  const first = rec(rec(versions[0])['schema'])['openAPIV3Schema'];
  if (first === undefined) return undefined;
  return versions.every((v) => deepEqual(rec(rec(v)['schema'])['openAPIV3Schema'], first)) ? first : undefined;
}

function schemasByVersion(crd: KubeObject): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const v of list(rec(crd['spec'])['versions'])) out.set(str(rec(v)['name']), rec(rec(v)['schema'])['openAPIV3Schema']);
  return out;
}

/**
 * One openAPIV3Schema at `path`: its structural rules, the root's limits under a status subresource, and (only for
 * a structurally valid schema, as kube-apiserver) the estimated cost of its CEL rules; `unchanged` when an update
 * left it as it was, which lifts the per-rule cost limit.
 */
function validateSchema(schema: unknown, path: string, statusEnabled: boolean, unchanged: boolean): FieldError[] {
  if (!isRecord(schema)) return [field.invalid(path, schema, 'must be an object')];
  const out = structuralErrors(schema, path);
  if (statusEnabled) {
    const extra = Object.keys(schema).filter((k) => !['properties', 'required', 'type', 'description', 'x-kubernetes-validations', 'x-kubernetes-preserve-unknown-fields'].includes(k));
    if (extra.length > 0) out.push(field.invalid(path, '', 'must only have "properties", "required" or "description" at the root if the status subresource is enabled'));
  }
  if (out.length === 0) out.push(...celCostErrors(schema, path, unchanged));
  return out;
}

function validateVersion(v: Record<string, unknown>, path: string): FieldError[] {
  const out: FieldError[] = [];
  const sub = rec(v['subresources']);
  const scale = sub['scale'];
  if (scale !== undefined) {
    const s = rec(scale);
    const spec = str(s['specReplicasPath']);
    const status = str(s['statusReplicasPath']);
    if (spec === '') out.push(field.required(`${path}.subresources.scale.specReplicasPath`));
    else if (!spec.startsWith('.spec.') || simpleJsonPathError(spec)) out.push(field.invalid(`${path}.subresources.scale.specReplicasPath`, spec, 'should be a json path under .spec'));
    if (status === '') out.push(field.required(`${path}.subresources.scale.statusReplicasPath`));
    else if (!status.startsWith('.status.') || simpleJsonPathError(status)) out.push(field.invalid(`${path}.subresources.scale.statusReplicasPath`, status, 'should be a json path under .status'));
    const selector = s['labelSelectorPath'];
    if (selector !== undefined && (typeof selector !== 'string' || !(selector.startsWith('.spec.') || selector.startsWith('.status.')) || simpleJsonPathError(selector))) {
      out.push(field.invalid(`${path}.subresources.scale.labelSelectorPath`, selector, 'should be a json path under either .spec or .status'));
    }
  }
  list(v['additionalPrinterColumns']).forEach((raw, i) => {
    const c = rec(raw);
    const p = `${path}.additionalPrinterColumns[${i}]`;
    if (str(c['name']) === '') out.push(field.required(`${p}.name`));
    if (str(c['type']) === '') out.push(field.required(`${p}.type`));
    else if (!columnTypes.includes(str(c['type']))) out.push(field.notSupported(`${p}.type`, c['type'], columnTypes));
    if (c['format'] !== undefined && c['format'] !== '' && !columnFormats.includes(str(c['format']))) out.push(field.notSupported(`${p}.format`, c['format'], columnFormats));
    if (str(c['jsonPath']) === '') out.push(field.required(`${p}.jsonPath`));
    else {
      const err = simpleJsonPathError(str(c['jsonPath']));
      if (err) out.push(field.invalid(`${p}.jsonPath`, c['jsonPath'], err));
    }
    if (c['priority'] !== undefined && (typeof c['priority'] !== 'number' || c['priority'] < 0)) out.push(field.invalid(`${p}.priority`, c['priority'], 'must be greater than or equal to 0'));
  });
  list(v['selectableFields']).forEach((raw, i) => {
    const jp = str(rec(raw)['jsonPath']);
    const p = `${path}.selectableFields[${i}].jsonPath`;
    if (jp === '') out.push(field.required(p));
    else if (simpleJsonPathError(jp)) out.push(field.invalid(p, jp, 'must be a simple json path'));
  });
  const selectable = list(v['selectableFields']).length;
  if (selectable > 8) out.push({ type: 'TooMany', field: `${path}.selectableFields`, value: selectable, detail: 'must have at most 8 items' });
  return out;
}

/**
 * spec.conversion, as kube-apiserver checks it after reading v1 into its internal form: the paths name the internal
 * fields (`spec.conversion.webhookClientConfig`, `spec.conversion.conversionReviewVersions`), as its texts do.
 */
function validateConversion(c: Record<string, unknown>, versionCount: number): FieldError[] {
  void versionCount;
  const out: FieldError[] = [];
  const path = 'spec.conversion';
  const strategy = str(c['strategy']);
  if (strategy === '') out.push(field.required(`${path}.strategy`));
  else if (strategy !== 'None' && strategy !== 'Webhook') out.push(field.notSupported(`${path}.strategy`, strategy, ['None', 'Webhook']));
  const webhook = isRecord(c['webhook']) ? c['webhook'] : undefined;
  const cc = webhook && isRecord(webhook['clientConfig']) ? webhook['clientConfig'] : undefined;
  const reviewVersions = list(webhook?.['conversionReviewVersions']);
  if (strategy !== 'Webhook') {
    if (cc) out.push(field.forbidden(`${path}.webhookClientConfig`, 'should not be set when strategy is not set to Webhook'));
    if (reviewVersions.length > 0) out.push(field.forbidden(`${path}.conversionReviewVersions`, 'should not be set when strategy is not set to Webhook'));
    return out;
  }
  if (!cc) out.push(field.required(`${path}.webhookClientConfig`, 'required when strategy is set to Webhook'));
  else {
    const hasUrl = cc['url'] !== undefined && cc['url'] !== null;
    const hasService = isRecord(cc['service']);
    if (hasUrl === hasService) out.push(field.required(`${path}.webhookClientConfig`, 'exactly one of url or service is required'));
    else if (hasUrl) out.push(...validateWebhookURL(str(cc['url']), `${path}.webhookClientConfig.url`));
    else out.push(...validateWebhookService(rec(cc['service']), `${path}.webhookClientConfig.service`));
    const ca = cc['caBundle'];
    if (typeof ca === 'string' && ca !== '' && !Buffer.from(ca, 'base64').toString('utf8').includes('-----BEGIN CERTIFICATE-----')) {
      out.push(field.invalid(`${path}.webhookClientConfig.caBundle`, '', 'unable to load root certificates: unable to parse bytes as PEM block'));
    }
  }
  const versionsPath = `${path}.conversionReviewVersions`;
  if (reviewVersions.length === 0) out.push(field.required(versionsPath, ''));
  else {
    const seen = new Set<string>();
    let accepted = false;
    reviewVersions.forEach((raw, i) => {
      const v = str(raw);
      if (seen.has(v)) {
        out.push(field.invalid(`${versionsPath}[${i}]`, v, 'duplicate version'));
        return;
      }
      seen.add(v);
      for (const msg of isDNS1035Label(v)) out.push(field.invalid(`${versionsPath}[${i}]`, v, msg));
      if (v === 'v1' || v === 'v1beta1') accepted = true;
    });
    if (!accepted) out.push({ ...field.invalid(versionsPath, reviewVersions, 'must include at least one of v1, v1beta1'), renderedValue: goStringSlice(reviewVersions.map(str)) });
  }
  return out;
}
