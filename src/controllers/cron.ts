// Cron schedules as CronJobs use them (5 fields, names, ranges, steps, descriptors, @every), in UTC:
// the next activation after a given time.
const fieldRanges: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];
const names: Record<string, number>[] = [
  {},
  {},
  {},
  { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
  { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 },
];
const descriptors: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface CronSchedule {
  next(afterMs: number): number;
}

function parseField(text: string, i: number): { set: Set<number>; star: boolean } {
  const [lo, hi] = fieldRanges[i] as [number, number];
  const set = new Set<number>();
  let star = false;
  const value = (s: string) => {
    const n = names[i]?.[s.toLowerCase()] ?? Number(s);
    if (!Number.isInteger(n)) throw new Error(`failed to parse int from ${s}`);
    return i === 4 && n === 7 ? 0 : n;
  };
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') {
      [from, to] = [lo, hi];
      if (stepText === undefined) star = true;
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [from, to] = [value(a), value(b)];
    } else {
      from = value(range);
      to = stepText === undefined ? from : hi;
    }
    if (from < lo || to > hi || from > to || !(step > 0)) throw new Error(`end of range (${to}) above maximum (${hi}): ${part}`);
    for (let v = from; v <= to; v += step) set.add(v);
  }
  return { set, star };
}

export function parseCron(schedule: string): CronSchedule {
  const s = schedule.trim().replace(/^TZ=\S+\s+/, '').replace(/^CRON_TZ=\S+\s+/, '');
  const every = /^@every\s+(\d+)([smh])$/.exec(s);
  if (every) {
    const ms = Number(every[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[every[2] as 's' | 'm' | 'h'];
    return { next: (after) => Math.floor(after / 1000) * 1000 + ms };
  }
  const fields = (descriptors[s] ?? s).split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: ${schedule}`);
  const [min, hour, dom, month, dow] = fields.map((f, i) => parseField(f, i)) as { set: Set<number>; star: boolean }[] as [
    { set: Set<number>; star: boolean },
    { set: Set<number>; star: boolean },
    { set: Set<number>; star: boolean },
    { set: Set<number>; star: boolean },
    { set: Set<number>; star: boolean },
  ];
  const dayMatches = (d: Date) => {
    const a = dom.set.has(d.getUTCDate());
    const b = dow.set.has(d.getUTCDay());
    // Both restricted: either may match (cron's rule); otherwise both must.
    return dom.star || dow.star ? a && b : a || b;
  };
  return {
    next(after) {
      const d = new Date(Math.floor(after / 60_000) * 60_000 + 60_000);
      const limit = after + 5 * 366 * 86_400_000;
      while (d.getTime() < limit) {
        if (!month.set.has(d.getUTCMonth() + 1)) {
          d.setUTCMonth(d.getUTCMonth() + 1, 1);
          d.setUTCHours(0, 0, 0, 0);
          continue;
        }
        if (!dayMatches(d)) {
          d.setUTCDate(d.getUTCDate() + 1);
          d.setUTCHours(0, 0, 0, 0);
          continue;
        }
        if (!hour.set.has(d.getUTCHours())) {
          d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
          continue;
        }
        if (!min.set.has(d.getUTCMinutes())) {
          d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
          continue;
        }
        return d.getTime();
      }
      return Number.POSITIVE_INFINITY;
    },
  };
}
