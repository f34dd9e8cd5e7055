// Writing objects and lists in the negotiated form. JSON of cached objects is reused, never re-stringified.
import { stringify as toYaml } from 'yaml';
import { exceedsDepth } from '../api/json-depth.js';
import type { KubeObject, ListMeta } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { groupVersion } from '../api/resource-info.js';
import type { Strategy } from '../registry/strategy.js';
import type { OutputKind } from './negotiation.js';
import { jsonContentType, jsonText } from './responses.js';
import { buildTable, partialObjectMetadata, type IncludeObject } from './table.js';
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
      return jsonText(status, JSON.stringify(buildTable(e.strategy, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '' }, { version: e.output.version, includeObject: e.includeObject, now: e.now() })));
    case 'partial':
      return jsonText(status, JSON.stringify(partialObjectMetadata(obj, e.output.version)));
    default: {
      const no: never = e.output;
      throw new Error(String(no));
    }
  }
}

export function listResponse(resource: ResourceInfo, items: readonly Readonly<KubeObject>[], meta: ListMeta, e: EncodeContext): ApiResponse {
  switch (e.output.kind) {
    case 'json': {
      const head = `{"kind":${JSON.stringify(resource.listKind)},"apiVersion":${JSON.stringify(groupVersion(resource))},"metadata":${listMetaJson(meta)},"items":[`;
      if (items.length <= streamedListThreshold) return jsonText(200, head + items.map(objectJson).join(',') + ']}');
      // A large list is written in slices as the client reads it, so concurrent large lists do not each hold
      // their whole answer in memory at once.
      return { status: 200, headers: { 'content-type': jsonContentType }, body: listInSlices(head, items) };
    }
    case 'yaml':
      return yamlResponse(200, { kind: resource.listKind, apiVersion: groupVersion(resource), metadata: meta, items });
    case 'table':
      return jsonText(200, JSON.stringify(buildTable(e.strategy, items, meta, { version: e.output.version, includeObject: e.includeObject, now: e.now() })));
    case 'partial':
      return jsonText(200, JSON.stringify({
        kind: 'PartialObjectMetadataList',
        apiVersion: `meta.k8s.io/${e.output.version}`,
        metadata: meta,
        items: items.map((i) => partialObjectMetadata(i, e.output.kind === 'partial' ? e.output.version : 'v1')),
      }));
    default: {
      const no: never = e.output;
      throw new Error(String(no));
    }
  }
}

const streamedListThreshold = 500;
const listSliceSize = 250;

async function* listInSlices(head: string, items: readonly Readonly<KubeObject>[]): AsyncGenerator<string> {
  yield head;
  for (let i = 0; i < items.length; i += listSliceSize) {
    yield (i === 0 ? '' : ',') + items.slice(i, i + listSliceSize).map(objectJson).join(',');
  }
  yield ']}\n';
}

/** One watch event's `object` as JSON text, in the negotiated form. */
export function watchObjectJson(obj: Readonly<KubeObject>, e: EncodeContext, first: boolean): string {
  switch (e.output.kind) {
    case 'json':
    case 'yaml':
      return objectJson(obj);
    case 'table':
      return JSON.stringify(buildTable(e.strategy, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '' }, { version: e.output.version, includeObject: e.includeObject, now: e.now(), noHeaders: !first }));
    case 'partial':
      return JSON.stringify(partialObjectMetadata(obj, e.output.version));
    default: {
      const no: never = e.output;
      throw new Error(String(no));
    }
  }
}
