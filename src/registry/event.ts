// core/v1 Event and events.k8s.io/v1 Event: the same objects (stored as core Events, conversion/event.ts) seen
// through two schemas. Each group's strategy reads its own form; the rules a request meets depend on the group it
// names (events.k8s.io/v1 is strict about new-style events), the table is one for both.
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { isQualifiedName } from '../api/validation/names.js';
import { deepEqual } from '../api/deep-equal.js';
import { asObj, num, str, type Obj } from './fields.js';
import { defineStrategy } from './define.js';
import type { Strategy, TablePrinter } from './strategy.js';
import { column, since } from './table.js';

const LIMITS = { reportingInstance: 128, action: 128, reason: 128, note: 1024 };
const EVENT_TYPES = ['Normal', 'Warning'];

function tooLongField(path: string, value: string, max: number): FieldError[] {
  return value.length > max ? [field.invalid(path, '', `can have at most ${max} characters`)] : [];
}

/** The core/v1 view of any event (events.k8s.io/v1 renames most fields). */
interface CoreEventView {
  involvedObject: Obj;
  reason: string;
  message: string;
  type: string;
  source: Obj;
  reportingController: string;
  reportingInstance: string;
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  eventTime: unknown;
  count: number | undefined;
  series: Obj | undefined;
  action: string;
  related: unknown;
}

function coreView(ev: KubeObject, eventsV1: boolean): CoreEventView {
  const shared = { reason: str(ev.reason), type: str(ev.type), reportingInstance: str(ev.reportingInstance), eventTime: ev.eventTime, series: asObj(ev.series), action: str(ev.action), related: ev.related };
  if (!eventsV1) {
    return {
      ...shared,
      involvedObject: asObj(ev.involvedObject) ?? {},
      message: str(ev.message),
      source: asObj(ev.source) ?? {},
      reportingController: str(ev.reportingComponent),
      firstTimestamp: ev.firstTimestamp,
      lastTimestamp: ev.lastTimestamp,
      count: num(ev.count),
    };
  }
  return {
    ...shared,
    involvedObject: asObj(ev.regarding) ?? {},
    message: str(ev.note),
    source: asObj(ev.deprecatedSource) ?? {},
    reportingController: str(ev.reportingController),
    firstTimestamp: ev.deprecatedFirstTimestamp,
    lastTimestamp: ev.deprecatedLastTimestamp,
    count: num(ev.deprecatedCount),
  };
}

/**
 * The rules every event meets, whichever group a request names: old-style events (no eventTime) in their
 * object's namespace, new-style ones with their reporter, action and reason. Paths are the core names, as
 * Kubernetes validates the one internal form; only the reporting controller is named as the request's group names it.
 */
function validateAnyEvent(view: CoreEventView, ns: string, eventsV1: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const involvedNs = str(view.involvedObject.namespace);
  if (!view.eventTime) {
    // Old-style events: the namespaces must agree (an empty one may sit in "default").
    const mismatch = involvedNs === '' ? ns !== '' && ns !== 'default' : ns !== involvedNs;
    if (mismatch) errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    return errs;
  }
  const controllerPath = eventsV1 ? 'reportingController' : 'reportingComponent';
  if (involvedNs === '' && ns !== 'default' && ns !== 'kube-system') errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  if (view.reportingController === '') errs.push(field.required(controllerPath));
  errs.push(...isQualifiedName(view.reportingController).map((msg) => field.invalid(controllerPath, view.reportingController, msg)));
  if (view.reportingInstance === '') errs.push(field.required('reportingInstance'));
  errs.push(...tooLongField('reportingInstance', view.reportingInstance, LIMITS.reportingInstance));
  if (view.action === '') errs.push(field.required('action'));
  errs.push(...tooLongField('action', view.action, LIMITS.action));
  if (view.reason === '') errs.push(field.required('reason'));
  errs.push(...tooLongField('reason', view.reason, LIMITS.reason));
  errs.push(...tooLongField('message', view.message, LIMITS.note));
  return errs;
}

function validateSeries(view: CoreEventView): FieldError[] {
  if (!view.series) return [];
  const errs: FieldError[] = [];
  if ((num(view.series.count) ?? 0) < 2) errs.push(field.invalid('series.count', '', 'should be at least 2'));
  if (!view.series.lastObservedTime) errs.push(field.required('series.lastObservedTime'));
  return errs;
}

function validateCoreEvent(ev: KubeObject): FieldError[] {
  return validateAnyEvent(coreView(ev, false), ev.metadata.namespace ?? '', false);
}

/** events.k8s.io/v1 creates: new-style events only, without the deprecated fields. */
function validateEventsV1(ev: KubeObject): FieldError[] {
  const view = coreView(ev, true);
  const errs = validateAnyEvent(view, ev.metadata.namespace ?? '', true);
  errs.push(...validateSeries(view));
  if (!view.eventTime) errs.push(field.required('eventTime'));
  if (!EVENT_TYPES.includes(view.type)) errs.push(field.invalid('type', '', `has invalid value: ${view.type}`));
  if (view.firstTimestamp) errs.push(field.invalid('firstTimestamp', '', 'needs to be unset'));
  if (view.lastTimestamp) errs.push(field.invalid('lastTimestamp', '', 'needs to be unset'));
  if ((view.count ?? 0) !== 0) errs.push(field.invalid('count', '', 'needs to be unset'));
  if (str(view.source.component) !== '' || str(view.source.host) !== '') errs.push(field.invalid('source', '', 'needs to be unset'));
  return errs;
}

/** A MicroTime to the microsecond (clients that truncate and clients that do not write the same instant). */
function microseconds(t: unknown): unknown {
  if (typeof t !== 'string') return t;
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) return t;
  const frac = /\.(\d+)/.exec(t)?.[1] ?? '';
  return `${Math.floor(ms / 1000)}.${frac.padEnd(6, '0').slice(0, 6)}`;
}

/** events.k8s.io/v1 updates: what the event says cannot change (only its series, labels and annotations can). */
function validateEventsV1Update(ev: KubeObject, old: KubeObject): FieldError[] {
  const view = coreView(ev, true);
  const was = coreView(old, true);
  const errs = validateAnyEvent(view, ev.metadata.namespace ?? '', true);
  if (!deepEqual(view.series, was.series)) errs.push(...validateSeries(view));
  const immutable = (path: string, now: unknown, before: unknown) => {
    if (!deepEqual(now ?? null, before ?? null)) errs.push(field.invalid(path, now ?? null, 'field is immutable'));
  };
  immutable('involvedObject', view.involvedObject, was.involvedObject);
  immutable('reason', view.reason, was.reason);
  immutable('message', view.message, was.message);
  immutable('source', view.source, was.source);
  immutable('firstTimestamp', view.firstTimestamp, was.firstTimestamp);
  immutable('lastTimestamp', view.lastTimestamp, was.lastTimestamp);
  immutable('count', view.count ?? 0, was.count ?? 0);
  immutable('type', view.type, was.type);
  if (!deepEqual(microseconds(view.eventTime), microseconds(was.eventTime))) immutable('eventTime', view.eventTime, was.eventTime);
  immutable('action', view.action, was.action);
  immutable('related', view.related, was.related);
  immutable('reportingController', view.reportingController, was.reportingController);
  immutable('reportingInstance', view.reportingInstance, was.reportingInstance);
  return errs;
}

/** The field selectors each group supports (beyond metadata.name and metadata.namespace), as its field label conversion names them. */
function eventFieldLabels(eventsV1: boolean) {
  const ref = eventsV1 ? 'regarding' : 'involvedObject';
  return (ev: KubeObject): Record<string, string> => {
    const view = coreView(ev, eventsV1);
    const io = view.involvedObject;
    const labels: Record<string, string> = {
      [`${ref}.kind`]: str(io.kind),
      [`${ref}.namespace`]: str(io.namespace),
      [`${ref}.name`]: str(io.name),
      [`${ref}.uid`]: str(io.uid),
      [`${ref}.apiVersion`]: str(io.apiVersion),
      [`${ref}.resourceVersion`]: str(io.resourceVersion),
      [`${ref}.fieldPath`]: str(io.fieldPath),
      reason: view.reason,
      type: view.type,
    };
    if (eventsV1) labels.reportingController = view.reportingController;
    else {
      labels.reportingComponent = view.reportingController;
      labels.source = str(view.source.component);
    }
    return labels;
  };
}

function eventTable(eventsV1: boolean): TablePrinter {
  return {
    columns: [
      column('Last Seen', 'Time when last event from this object was observed.'),
      column('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      column('Reason', 'Why the action was taken. It is human-readable. This field can have at most 128 characters.'),
      column('Object', 'The object that this event is about. Mapped to involvedObject in core/v1 event.'),
      column('Subobject', 'The subobject of the referenced object.', { wide: true }),
      column('Source', 'The component reporting this event. Should be a short machine understandable string.', { wide: true }),
      column('Message', 'A human-readable description of the status of this operation.'),
      column('First Seen', 'Time when first event from this object was observed.', { wide: true }),
      column('Count', 'The number of times this event has occurred.', { type: 'integer', wide: true }),
      column('Name', 'Name of the event', { format: 'name', wide: true }),
    ],
    cells(ev, now) {
      const view = coreView(ev, eventsV1);
      let first = since(view.firstTimestamp, now);
      if (!view.firstTimestamp) first = since(view.eventTime, now);
      let last = view.lastTimestamp ? since(view.lastTimestamp, now) : first;
      let count = view.count ?? 0;
      if (view.series) {
        last = since(view.series.lastObservedTime, now);
        count = num(view.series.count) ?? 0;
      } else if (count === 0) count = 1;
      const kind = str(view.involvedObject.kind).toLowerCase();
      const name = str(view.involvedObject.name);
      const component = str(view.source.component) || view.reportingController;
      const host = str(view.source.host) || view.reportingInstance;
      return [
        last,
        view.type,
        view.reason,
        name === '' ? kind : `${kind}/${name}`,
        str(view.involvedObject.fieldPath),
        host === '' ? component : `${component}, ${host}`,
        view.message.trim(),
        first,
        count,
        ev.metadata.name ?? '',
      ];
    },
  };
}

export function eventStrategy(resource: ResourceInfo): Strategy {
  const eventsV1 = resource.group === 'events.k8s.io';
  return defineStrategy(resource, {
    allowCreateOnUpdate: true,
    validate: eventsV1 ? validateEventsV1 : validateCoreEvent,
    ...(eventsV1 ? { validateUpdate: validateEventsV1Update } : {}),
    fieldLabels: eventFieldLabels(eventsV1),
    table: eventTable(eventsV1),
  });
}
