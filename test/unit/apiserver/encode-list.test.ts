// Lists in every output form: a long list is written in chunks, lazily, and reads exactly as the whole answer would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify as toYaml } from 'yaml';
import type { KubeObject } from '../../../src/api/object.js';
import { findResource } from '../../../src/api/catalog.js';
import { listResponse, useCachedObjectText, type EncodeContext } from '../../../src/apiserver/encode.js';
import type { OutputKind } from '../../../src/apiserver/negotiation.js';
import type { ApiResponse } from '../../../src/apiserver/types.js';
import { strategyFor } from '../../../src/registry/index.js';

const pods = findResource('', 'v1', 'pods')!;
const strategy = strategyFor(pods);
const now = new Date('2026-01-02T03:04:05Z');

function pod(i: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: 'default', uid: `uid-${i}`, resourceVersion: String(100 + i), creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: 'web' } },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', `echo ${'long words '.repeat(12)}${i}\nsecond line`] }] },
    status: { phase: i % 7 === 0 ? 'Succeeded' : 'Running', podIP: '10.0.0.1', containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'busybox', imageID: '', started: true, state: { running: {} } }] },
  } as KubeObject;
}

const items = Array.from({ length: 1_200 }, (_, i) => pod(i));
const meta = { resourceVersion: '5000' };
const ctx = (output: OutputKind, includeObject: EncodeContext['includeObject'] = 'Metadata'): EncodeContext => ({ output, strategy, includeObject, now: () => now });

function chunksOf(r: ApiResponse): AsyncIterable<string | Uint8Array> {
  assert.ok(r.body && typeof r.body !== 'string' && !(r.body instanceof Uint8Array), 'a long list is streamed');
  return r.body;
}

async function text(r: ApiResponse): Promise<{ text: string; chunks: number }> {
  let out = '';
  let chunks = 0;
  for await (const c of chunksOf(r)) {
    out += typeof c === 'string' ? c : Buffer.from(c).toString();
    chunks++;
  }
  return { text: out, chunks };
}

/** The Table kube-apiserver writes for these pods, built from the printer directly. */
function expectedTable(version: string, includeObject: 'None' | 'Metadata' | 'Object'): string {
  const rows = items.map((obj) => {
    const row: Record<string, unknown> = { cells: strategy.table!.cells(obj, now) };
    if ((obj['status'] as { phase: string }).phase === 'Succeeded') row['conditions'] = [{ type: 'Completed', status: 'True' }];
    if (includeObject === 'Metadata') row['object'] = { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
    if (includeObject === 'Object') row['object'] = obj;
    return row;
  });
  return `${JSON.stringify({ kind: 'Table', apiVersion: `meta.k8s.io/${version}`, metadata: meta, columnDefinitions: strategy.table!.columns, rows })}\n`;
}

const cases: { name: string; output: OutputKind; includeObject?: 'None' | 'Metadata' | 'Object'; expected: () => string }[] = [
  { name: 'JSON', output: { kind: 'json' }, expected: () => `${JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: meta, items })}\n` },
  { name: 'Table v1 with metadata', output: { kind: 'table', version: 'v1' }, expected: () => expectedTable('v1', 'Metadata') },
  { name: 'Table v1 with objects', output: { kind: 'table', version: 'v1' }, includeObject: 'Object', expected: () => expectedTable('v1', 'Object') },
  { name: 'Table v1beta1 without objects', output: { kind: 'table', version: 'v1beta1' }, includeObject: 'None', expected: () => expectedTable('v1beta1', 'None') },
  {
    name: 'PartialObjectMetadataList',
    output: { kind: 'partial', version: 'v1', list: true },
    expected: () => `${JSON.stringify({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: meta, items: items.map((i) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: i.metadata })) })}\n`,
  },
  { name: 'YAML', output: { kind: 'yaml' }, expected: () => toYaml({ kind: 'PodList', apiVersion: 'v1', metadata: meta, items }, { version: '1.1' }) },
];

for (const c of cases) {
  test(`a long ${c.name} list is written in chunks that read as the whole answer`, async () => {
    const r = listResponse(pods, items, meta, ctx(c.output, c.includeObject));
    assert.equal(r.status, 200);
    const got = await text(r);
    assert.ok(got.chunks > 1, `${got.chunks} chunks`);
    assert.equal(got.text, c.expected());
  });
}

test('a few large items are streamed too: the chunk size, not the item count, decides', async () => {
  const large = Array.from({ length: 4 }, (_, i) => ({ ...pod(i), metadata: { ...pod(i).metadata, annotations: { big: 'x'.repeat(100 * 1024) } } }) as KubeObject);
  // Every form that carries the items' metadata (a Table without objects has only its short cells).
  for (const c of cases.filter((c) => c.includeObject !== 'None')) {
    const r = listResponse(pods, large, meta, ctx(c.output, c.includeObject));
    const got = await text(r);
    assert.ok(got.chunks >= 2, `${c.name}: ${got.chunks} chunks`);
  }
  const json = await text(listResponse(pods, large, meta, ctx({ kind: 'json' })));
  assert.equal(json.text, `${JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: meta, items: large })}\n`);
});

test('a short YAML list is one body, as the whole list is written', () => {
  for (const few of [items.slice(0, 3), []]) {
    const r = listResponse(pods, few, meta, ctx({ kind: 'yaml' }));
    assert.equal(r.body, toYaml({ kind: 'PodList', apiVersion: 'v1', metadata: meta, items: few }, { version: '1.1' }));
  }
});

test('a short list is one body', () => {
  const r = listResponse(pods, items.slice(0, 3), meta, ctx({ kind: 'table', version: 'v1' }));
  assert.equal(typeof r.body, 'string');
  assert.deepEqual(JSON.parse(r.body as string).rows.map((row: { object: { metadata: { name: string } } }) => row.object.metadata.name), ['pod-0', 'pod-1', 'pod-2']);
});

test('a streamed list encodes items only as the reader asks for chunks', async () => {
  let encoded = 0;
  useCachedObjectText((obj) => {
    encoded++;
    return JSON.stringify(obj);
  });
  try {
    for (const output of [{ kind: 'json' }, { kind: 'table', version: 'v1' }] as const) {
      encoded = 0;
      const it = chunksOf(listResponse(pods, items, meta, ctx(output, 'Object')))[Symbol.asyncIterator]();
      const beforeRead = encoded;
      assert.ok(beforeRead > 0 && beforeRead < items.length / 4, `${output.kind}: ${beforeRead} of ${items.length} items encoded before the first read (one chunk)`);
      const first = await it.next();
      assert.ok(!first.done && first.value.length >= 64 * 1024);
      assert.equal(encoded, beforeRead, `${output.kind}: the first read takes the chunk already encoded`);
      await it.next();
      assert.ok(encoded > beforeRead && encoded < items.length / 2, `${output.kind}: ${encoded} of ${items.length} items encoded after two chunks`);
      await it.return?.();
    }
  } finally {
    useCachedObjectText(() => undefined);
  }
});
