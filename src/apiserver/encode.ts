// Writing objects and lists in the negotiated form. JSON of cached objects is reused, never re-stringified.
import { stringify as toYaml } from 'yaml';
import { exceedsDepth } from '../api/json-depth.js';
import type { KubeObject, ListMeta } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { groupVersion } from '../api/resource-info.js';
import type { Strategy } from '../registry/strategy.js';
import type { OutputKind } from './negotiation.js';
import { jsonContentType, jsonText } from './responses.js';
import { partialObjectMetadata, tableHeadJson, tableRowJson, tableTailJson, type IncludeObject } from './table.js';
import type { ApiResponse } from './types.js';

type TextLookup = (obj: object) => string | undefined;
let cachedText: TextLookup = () => undefined;

/** The watch cache registers how to find the JSON text it keeps for each object. */
export function useCachedObjectText(lookup: TextLookup): void {
  cachedText = lookup;
}

export function objectJson(obj: Readonly<KubeObject>): string {
  return cachedText(obj) ?? JSON.stringify(obj);
}

export function listMetaJson(meta: ListMeta): string {
  return JSON.stringify(meta);
}

export interface EncodeContext {
  output: OutputKind;
  strategy: Strategy;
  includeObject: IncludeObject;
  now: () => Date;
}

/**
 * The YAML writer recurses deeply per level and overflows the stack a few hundred levels down; a value nested
 * deeper than this (allowed up to maxJsonDepth) is written as JSON, which is YAML too.
 */
const maxYamlWriterDepth = 200;

function yamlResponse(status: number, value: unknown): ApiResponse {
  const body = exceedsDepth(value, maxYamlWriterDepth) ? `${JSON.stringify(value)}\n` : toYaml(value, { version: '1.1' });
  return { status, headers: { 'content-type': 'application/yaml' }, body };
}

export function objectResponse(status: number, obj: Readonly<KubeObject>, e: EncodeContext): ApiResponse {
  switch (e.output.kind) {
    case 'json':
      return jsonText(status, objectJson(obj));
    case 'yaml':
      return yamlResponse(status, obj);
    case 'table':
      return jsonText(status, oneRowTable(obj, e, e.output.version, false));
    case 'partial':
      return jsonText(status, JSON.stringify(partialObjectMetadata(obj, e.output.version)));
    default: {
      const no: never = e.output;
      throw new Error(String(no));
    }
  }
}

/** A Table of one object (a GET, a watch event: after the first event, without the column definitions). */
function oneRowTable(obj: Readonly<KubeObject>, e: EncodeContext, version: 'v1' | 'v1beta1', noHeaders: boolean): string {
  const o = { version, includeObject: e.includeObject, now: e.now(), noHeaders };
  return tableHeadJson(e.strategy, { resourceVersion: obj.metadata.resourceVersion ?? '' }, o) + tableRowJson(e.strategy, obj, o, objectJson) + tableTailJson;
}

export function listResponse(resource: ResourceInfo, items: readonly Readonly<KubeObject>[], meta: ListMeta, e: EncodeContext): ApiResponse {
  switch (e.output.kind) {
    case 'json': {
      const head = `{"kind":${JSON.stringify(resource.listKind)},"apiVersion":${JSON.stringify(groupVersion(resource))},"metadata":${listMetaJson(meta)},"items":[`;
      return jsonList(head, items, objectJson, ']}');
    }
    case 'yaml':
      return yamlList({ kind: resource.listKind, apiVersion: groupVersion(resource), metadata: meta }, items);
    case 'table': {
      const o = { version: e.output.version, includeObject: e.includeObject, now: e.now() };
      return jsonList(tableHeadJson(e.strategy, meta, o), items, (obj) => tableRowJson(e.strategy, obj, o, objectJson), tableTailJson);
    }
    case 'partial': {
      const version = e.output.version;
      const head = `{"kind":"PartialObjectMetadataList","apiVersion":${JSON.stringify(`meta.k8s.io/${version}`)},"metadata":${listMetaJson(meta)},"items":[`;
      return jsonList(head, items, (obj) => JSON.stringify(partialObjectMetadata(obj, version)), ']}');
    }
    default: {
      const no: never = e.output;
      throw new Error(String(no));
    }
  }
}

/**
 * A list's text is cut into chunks of about this many characters (or one item, when an item is larger). A list whose
 * text fits in one chunk is answered as one string; a longer one is written chunk by chunk as the client reads it
 * (the transport waits for the socket to drain between chunks), so neither many items nor large items nor many
 * concurrent lists make the server hold a whole answer: only the chunk in flight per list.
 */
const listChunkChars = 64 * 1024;

type ItemText = (obj: Readonly<KubeObject>) => string;

function jsonList(head: string, items: readonly Readonly<KubeObject>[], itemText: ItemText, tail: string): ApiResponse {
  const body = listBody(head, items, (obj, i) => (i === 0 ? '' : ',') + itemText(obj), `${tail}\n`);
  return typeof body === 'string' ? jsonText(200, body) : { status: 200, headers: { 'content-type': jsonContentType }, body };
}

/** The list's text if it fits in one chunk (its first chunk is encoded now), else its chunks, encoded as they are read. */
function listBody(head: string, items: readonly Readonly<KubeObject>[], itemText: (obj: Readonly<KubeObject>, index: number) => string, tail: string): string | AsyncGenerator<string> {
  let first = head;
  let next = 0;
  while (next < items.length && first.length < listChunkChars) {
    first += itemText(items[next]!, next);
    next++;
  }
  if (next === items.length && first.length + tail.length <= listChunkChars) return first + tail;
  return remainingChunks(first, next, items, itemText, tail);
}

async function* remainingChunks(first: string, from: number, items: readonly Readonly<KubeObject>[], itemText: (obj: Readonly<KubeObject>, index: number) => string, tail: string): AsyncGenerator<string> {
  let chunk = first;
  for (let i = from; i < items.length; i++) {
    if (chunk.length >= listChunkChars) {
      yield chunk;
      chunk = '';
    }
    chunk += itemText(items[i]!, i);
  }
  yield chunk + tail;
}

/**
 * A YAML list, written item by item: each item is formatted as the only element of `items`, which the writer
 * indents and folds exactly as it does that item inside the whole list. An empty list, or one with an item too deep
 * for the writer, is formatted whole.
 */
function yamlList(head: { kind: string; apiVersion: string; metadata: ListMeta }, items: readonly Readonly<KubeObject>[]): ApiResponse {
  if (items.length === 0 || items.some((i) => exceedsDepth(i, maxYamlWriterDepth))) return yamlResponse(200, { ...head, items });
  const itemsKey = 'items:\n';
  const itemYaml = (obj: Readonly<KubeObject>): string => toYaml({ items: [obj] }, { version: '1.1' }).slice(itemsKey.length);
  return { status: 200, headers: { 'content-type': 'application/yaml' }, body: listBody(toYaml(head, { version: '1.1' }) + itemsKey, items, itemYaml, '') };
}

/** One watch event's `object` as JSON text, in the negotiated form. */
export function watchObjectJson(obj: Readonly<KubeObject>, e: EncodeContext, first: boolean): string {
  switch (e.output.kind) {
    case 'json':
    case 'yaml':
      return objectJson(obj);
    case 'table':
      return oneRowTable(obj, e, e.output.version, !first);
    case 'partial':
      return JSON.stringify(partialObjectMetadata(obj, e.output.version));
    default: {
      const no: never = e.output;
      throw new Error(String(no));
    }
  }
}
