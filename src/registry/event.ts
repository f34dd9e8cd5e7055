// core/v1 Event and events.k8s.io/v1 Event (the same objects seen through two schemas).
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { isQualifiedName } from '../api/validation/names.js';
import { asObj, get, num, str, type Obj } from './fields.js';
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
}

function coreView(ev: KubeObject, eventsV1: boolean): CoreEventView {
  if (!eventsV1) {
    return {
      involvedObject: asObj(ev.involvedObject) ?? {},
      reason: str(ev.reason),
      message: str(ev.message),
      type: str(ev.type),
      source: asObj(ev.source) ?? {},
      reportingController: str(ev.reportingComponent),
      reportingInstance: str(ev.reportingInstance),
      firstTimestamp: ev.firstTimestamp,
      lastTimestamp: ev.lastTimestamp,
      eventTime: ev.eventTime,
      count: num(ev.count),
      series: asObj(ev.series),
    };
  }
  return {
    involvedObject: asObj(ev.regarding) ?? {},
    reason: str(ev.reason),
    message: str(ev.note),
    type: str(ev.type),
    source: asObj(ev.deprecatedSource) ?? {},
    reportingController: str(ev.reportingController),
    reportingInstance: str(ev.reportingInstance),
    firstTimestamp: ev.deprecatedFirstTimestamp,
    lastTimestamp: ev.deprecatedLastTimestamp,
    eventTime: ev.eventTime,
    count: num(ev.deprecatedCount),
    series: asObj(ev.series),
  };
}

function validateCoreEvent(ev: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const view = coreView(ev, false);
  const involvedNs = str(view.involvedObject.namespace);
  const ns = ev.metadata.namespace ?? '';
  if (!view.eventTime) {
    // Old-style events: the namespaces must agree (an empty one may sit in "default").
    const mismatch = involvedNs === '' ? ns !== '' && ns !== 'default' : ns !== involvedNs;
    if (mismatch) errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
    return errs;
  }
  if (involvedNs === '' && ns !== 'default' && ns !== 'kube-system') errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  if (view.reportingController === '') errs.push(field.required('reportingComponent'));
  errs.push(...isQualifiedName(view.reportingController).map((msg) => field.invalid('reportingComponent', view.reportingController, msg)));
  if (view.reportingInstance === '') errs.push(field.required('reportingInstance'));
  errs.push(...tooLongField('reportingInstance', view.reportingInstance, LIMITS.reportingInstance));
  if (str(ev.action) === '') errs.push(field.required('action'));
  errs.push(...tooLongField('action', str(ev.action), LIMITS.action));
  if (view.reason === '') errs.push(field.required('reason'));
  errs.push(...tooLongField('reason', view.reason, LIMITS.reason));
  errs.push(...tooLongField('message', view.message, LIMITS.note));
  return errs;
}

function validateEventsV1(ev: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (!ev.eventTime) errs.push(field.required('eventTime'));
  const type = str(ev.type);
  if (!EVENT_TYPES.includes(type)) errs.push(field.invalid('type', '', `has invalid value: ${type}`));
  const controller = str(ev.reportingController);
  errs.push(...isQualifiedName(controller).map((msg) => field.invalid('reportingController', controller, msg)));
  const instance = str(ev.reportingInstance);
  if (instance === '') errs.push(field.required('reportingInstance'));
  errs.push(...tooLongField('reportingInstance', instance, LIMITS.reportingInstance));
  const action = str(ev.action);
  errs.push(...isQualifiedName(action).map((msg) => field.invalid('action', action, msg)));
  errs.push(...tooLongField('action', action, LIMITS.action));
  const reason = str(ev.reason);
  errs.push(...isQualifiedName(reason).map((msg) => field.invalid('reason', reason, msg)));
  errs.push(...tooLongField('reason', reason, LIMITS.reason));
  errs.push(...tooLongField('note', str(ev.note), LIMITS.note));
  return errs;
}

function eventFieldLabels(eventsV1: boolean) {
  return (ev: KubeObject): Record<string, string> => {
    const view = coreView(ev, eventsV1);
    const io = view.involvedObject;
    return {
      'involvedObject.kind': str(io.kind),
      'involvedObject.namespace': str(io.namespace),
      'involvedObject.name': str(io.name),
      'involvedObject.uid': str(io.uid),
      'involvedObject.apiVersion': str(io.apiVersion),
      'involvedObject.resourceVersion': str(io.resourceVersion),
      'involvedObject.fieldPath': str(io.fieldPath),
      reason: view.reason,
      reportingComponent: view.reportingController,
      source: str(view.source.component),
      type: view.type,
    };
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
    fieldLabels: eventFieldLabels(eventsV1),
    table: eventTable(eventsV1),
  });
}
