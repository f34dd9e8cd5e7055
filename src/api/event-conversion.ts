// core/v1 Event ↔ events.k8s.io/v1 Event: one object in two schemas (kube-apiserver stores both as core Events).
// events.k8s.io/v1 renames fields and marks the old-style ones deprecated; every other field keeps its name.
// Fields outside both schemas are dropped, as decoding into the Go types drops them.
import type { KubeObject } from './object.js';

export const coreEventApiVersion = 'v1';
export const eventsV1ApiVersion = 'events.k8s.io/v1';

/** core/v1 field → events.k8s.io/v1 field, for the fields whose names differ. */
const renamed: readonly (readonly [core: string, eventsV1: string])[] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['reportingComponent', 'reportingController'],
];

/** Fields of the same name in both schemas (besides metadata). */
const shared = ['reason', 'type', 'eventTime', 'series', 'action', 'related', 'reportingInstance'] as const;

function convert(obj: Readonly<KubeObject>, apiVersion: string, pairs: readonly (readonly [from: string, to: string])[]): KubeObject {
  const src = obj as Readonly<Record<string, unknown>>;
  const out: Record<string, unknown> = { apiVersion, kind: 'Event', metadata: structuredClone(obj.metadata) };
  for (const [from, to] of pairs) if (Object.hasOwn(src, from) && src[from] !== undefined) out[to] = structuredClone(src[from]);
  for (const f of shared) if (Object.hasOwn(src, f) && src[f] !== undefined) out[f] = structuredClone(src[f]);
  return out as KubeObject;
}

const toEventsV1 = renamed;
const toCore = renamed.map(([core, eventsV1]) => [eventsV1, core] as const);

/** A core/v1 Event as events.k8s.io/v1 shows it (a new object). */
export function coreEventToEventsV1(ev: Readonly<KubeObject>): KubeObject {
  return convert(ev, eventsV1ApiVersion, toEventsV1);
}

/** An events.k8s.io/v1 Event as core/v1 stores it (a new object). */
export function eventsV1ToCoreEvent(ev: Readonly<KubeObject>): KubeObject {
  return convert(ev, coreEventApiVersion, toCore);
}
