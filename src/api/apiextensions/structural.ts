// The structural-schema rules apiextensions.k8s.io/v1 requires of every version's openAPIV3Schema, worded as
// kube-apiserver words them (field paths under spec.versions[i].schema.openAPIV3Schema). The schema arrives from a
// client: every node is checked for its JSON type before use, and nesting is bounded by the body's depth limit.
import { isRecord } from '../object.js';
import { field, type FieldError } from '../status.js';
import { ruleCompileError } from './cel-rules.js';
import { goRegexpError } from '../go-regexp.js';

const types = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const listTypes = ['atomic', 'map', 'set'];
const mapTypes = ['atomic', 'granular'];

type Level = 'root' | 'field' | 'item' | 'value';

/** Every rule a schema breaks, in document order. */
export function structuralErrors(schema: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  node(schema, path, 'root', out);
  if (isRecord(schema)) rootRules(schema, path, out);
  return out;
}

function rootRules(s: Record<string, unknown>, path: string, out: FieldError[]): void {
  if (s['type'] !== undefined && s['type'] !== 'object') out.push(field.invalid(`${path}.type`, s['type'], 'must be object at the root'));
  const props = isRecord(s['properties']) ? s['properties'] : {};
  const meta = Object.hasOwn(props, 'metadata') ? props['metadata'] : undefined;
  if (isRecord(meta)) {
    const allowed = new Set(['type', 'properties', 'description']);
    const metaProps = isRecord(meta['properties']) ? meta['properties'] : {};
    const onlyNames = Object.keys(metaProps).every((k) => k === 'name' || k === 'generateName');
    if (meta['type'] !== undefined && meta['type'] !== 'object') out.push(field.invalid(`${path}.properties[metadata].type`, meta['type'], 'must be object'));
    if (!onlyNames || Object.keys(meta).some((k) => !allowed.has(k))) {
      out.push(field.forbidden(`${path}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
    }
  }
}

function node(s: unknown, path: string, level: Level, out: FieldError[]): void {
  if (!isRecord(s)) return;
  const type = s['type'];
  const preserve = s['x-kubernetes-preserve-unknown-fields'];
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  if (type !== undefined && (typeof type !== 'string' || !types.includes(type))) {
    out.push(field.notSupported(`${path}.type`, type, types));
  }
  if (intOrString && type !== undefined) out.push(field.forbidden(`${path}.type`, 'must be empty if x-kubernetes-int-or-string is true'));
  if ((type === undefined || type === '') && !intOrString && preserve !== true) {
    if (level === 'field') out.push(field.required(`${path}.type`, 'must not be empty for specified object fields'));
    else if (level === 'item') out.push(field.required(`${path}.type`, 'must not be empty for specified array items'));
    else if (level === 'root' && s['x-kubernetes-embedded-resource'] !== true) out.push(field.required(`${path}.type`, 'must not be empty at the root'));
  }
  if (preserve !== undefined && preserve !== true) out.push(field.invalid(`${path}.x-kubernetes-preserve-unknown-fields`, preserve, 'must be true or undefined'));
  if (s['x-kubernetes-embedded-resource'] === true && type !== 'object') out.push(field.invalid(`${path}.type`, type ?? '', 'must be object if x-kubernetes-embedded-resource is true'));
  if (s['uniqueItems'] === true) out.push(field.forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (type === 'array' && s['items'] === undefined) out.push(field.required(`${path}.items`, 'must be specified'));
  if (s['items'] !== undefined && !isRecord(s['items'])) out.push(field.invalid(`${path}.items`, s['items'], 'items must be a schema object and not an array'));

  const props = s['properties'];
  const additional = s['additionalProperties'];
  if (props !== undefined && !isRecord(props)) out.push(field.invalid(`${path}.properties`, props, 'must be an object'));
  if (isRecord(props) && Object.keys(props).length > 0 && additional !== undefined && additional !== true) {
    out.push(field.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  const listType = s['x-kubernetes-list-type'];
  if (listType !== undefined) {
    if (typeof listType !== 'string' || !listTypes.includes(listType)) out.push(field.notSupported(`${path}.x-kubernetes-list-type`, listType, listTypes));
    else if (type !== 'array') out.push(field.invalid(`${path}.x-kubernetes-list-type`, listType, 'must only be used on type array'));
  }
  const mapKeys = s['x-kubernetes-list-map-keys'];
  if (listType === 'map' && (!Array.isArray(mapKeys) || mapKeys.length === 0)) {
    out.push(field.required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
  }
  if (mapKeys !== undefined && listType !== 'map') out.push(field.forbidden(`${path}.x-kubernetes-list-map-keys`, 'must only be used with x-kubernetes-list-type: map'));
  if (listType === 'map' && Array.isArray(mapKeys) && isRecord(s['items'])) {
    const itemProps = isRecord(s['items']['properties']) ? s['items']['properties'] : {};
    mapKeys.forEach((k, i) => {
      if (typeof k !== 'string' || !Object.hasOwn(itemProps, k)) out.push(field.invalid(`${path}.x-kubernetes-list-map-keys[${i}]`, k, 'entries must all be names of item properties'));
    });
  }
  const mapType = s['x-kubernetes-map-type'];
  if (mapType !== undefined && (typeof mapType !== 'string' || !mapTypes.includes(mapType))) out.push(field.notSupported(`${path}.x-kubernetes-map-type`, mapType, mapTypes));
  if (s['pattern'] !== undefined) {
    const error = goRegexpError(String(s['pattern']));
    if (error !== undefined) out.push(field.invalid(`${path}.pattern`, s['pattern'], `must be a valid regular expression, but isn't: ${error}`));
  }
  const rules = s['x-kubernetes-validations'];
  if (rules !== undefined) {
    if (!Array.isArray(rules)) out.push(field.invalid(`${path}.x-kubernetes-validations`, rules, 'must be a list'));
    else rules.forEach((r, i) => {
      if (!isRecord(r) || typeof r['rule'] !== 'string' || r['rule'].trim() === '') {
        out.push(field.required(`${path}.x-kubernetes-validations[${i}].rule`, ''));
        return;
      }
      const err = ruleCompileError(r['rule']);
      if (err) out.push(field.invalid(`${path}.x-kubernetes-validations[${i}].rule`, r['rule'], err));
    });
  }

  if (isRecord(props)) for (const [k, v] of Object.entries(props)) node(v, `${path}.properties[${k}]`, 'field', out);
  if (isRecord(additional)) node(additional, `${path}.additionalProperties`, 'value', out);
  if (isRecord(s['items'])) node(s['items'], `${path}.items`, 'item', out);
  for (const combinator of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = s[combinator];
    if (Array.isArray(list)) list.forEach((x, i) => junctor(x, `${path}.${combinator}[${i}]`, out));
  }
  if (s['not'] !== undefined) junctor(s['not'], `${path}.not`, out);
}

/**
 * Inside allOf/anyOf/oneOf/not: value validations only, no defaults or extensions (a type is allowed: the
 * `anyOf: [{type: integer}, {type: string}]` idiom of int-or-string fields).
 */
function junctor(s: unknown, path: string, out: FieldError[]): void {
  if (!isRecord(s)) return;
  for (const k of ['default', 'nullable', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string']) {
    if (s[k] !== undefined) out.push(field.forbidden(`${path}.${k}`, 'must be empty to be structural'));
  }
  if (isRecord(s['properties'])) for (const [k, v] of Object.entries(s['properties'])) junctor(v, `${path}.properties[${k}]`, out);
  if (isRecord(s['items'])) junctor(s['items'], `${path}.items`, out);
}
