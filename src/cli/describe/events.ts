// The Events section every describer ends with.
import type { KubeObject } from '../../api/object.js';
import type { DescribeWriter } from './writer.js';
import { humanDuration, rec, str } from './format.js';

function eventTime(e: KubeObject, key: 'first' | 'last'): string {
  const v = key === 'first' ? e.firstTimestamp ?? e.eventTime : e.lastTimestamp ?? e.eventTime ?? rec(e.series).lastObservedTime;
  return str(v);
}

function age(e: KubeObject, now: Date): string {
  const first = eventTime(e, 'first');
  const last = eventTime(e, 'last') || first;
  const count = typeof e.count === 'number' ? e.count : 1;
  const since = (t: string) => humanDuration(now.getTime() - new Date(t).getTime());
  if (!last) return '<unknown>';
  if (count > 1 && first) return `${since(last)} (x${count} over ${since(first)})`;
  return since(last);
}

export function writeEvents(w: DescribeWriter, events: KubeObject[] | undefined, now: Date): void {
  if (events === undefined) return;
  if (events.length === 0) {
    w.line(0, 'Events:', '<none>');
    return;
  }
  const sorted = [...events].sort((a, b) => eventTime(a, 'last').localeCompare(eventTime(b, 'last')));
  w.line(0, 'Events:');
  w.line(1, 'Type', 'Reason', 'Age', 'From', 'Message');
  w.line(1, '----', '------', '----', '----', '-------');
  for (const e of sorted) {
    const source = rec(e.source);
    const from = str(e.reportingComponent) || [str(source.component), str(source.host)].filter((x) => x).join(', ');
    w.line(1, str(e.type), str(e.reason), age(e, now), from, str(e.message).trim());
  }
}
