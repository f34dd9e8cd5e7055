// Prometheus metrics in the text exposition format (version 0.0.4): counters, gauges and histograms with
// labels, and collectors that compute their samples when scraped. Label values may come from requests, so
// every metric holds a bounded number of series; what does not fit is counted, never stored.

export type Labels = Readonly<Record<string, string>>;

/** Series one metric keeps; a scrape stays small and a client cannot grow the server's memory through labels. */
export const maxSeriesPerMetric = 5000;

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  render(): string;
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelText(names: readonly string[], values: readonly string[], extra = ''): string {
  const parts = names.map((n, i) => `${n}="${escapeLabelValue(values[i] ?? '')}"`);
  if (extra !== '') parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function header(f: Family): string {
  return `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
}

/** The series of one labelled metric, keyed by the joined label values. */
abstract class Series<T> implements Family {
  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  protected readonly series = new Map<string, { values: string[]; data: T }>();
  /** Observations dropped because the metric already held maxSeriesPerMetric series. */
  dropped = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  protected slot(labels: Labels, init: () => T): T | undefined {
    const values = this.labelNames.map((n) => (Object.prototype.hasOwnProperty.call(labels, n) ? String(labels[n]) : ''));
    const key = values.join('\u0000');
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= maxSeriesPerMetric) {
        this.dropped++;
        return undefined;
      }
      s = { values, data: init() };
      this.series.set(key, s);
    }
    return s.data;
  }

  abstract render(): string;
}

export class Counter extends Series<{ v: number }> {
  readonly type = 'counter';

  inc(labels: Labels = {}, by = 1): void {
    const s = this.slot(labels, () => ({ v: 0 }));
    if (s) s.v += by;
  }

  get(labels: Labels = {}): number {
    const values = this.labelNames.map((n) => labels[n] ?? '');
    return this.series.get(values.join('\u0000'))?.data.v ?? 0;
  }

  render(): string {
    let out = header(this);
    for (const { values, data } of this.series.values()) out += `${this.name}${labelText(this.labelNames, values)} ${formatValue(data.v)}\n`;
    return out;
  }
}

export class Gauge extends Series<{ v: number }> {
  readonly type = 'gauge';

  set(labels: Labels, v: number): void {
    const s = this.slot(labels, () => ({ v: 0 }));
    if (s) s.v = v;
  }

  add(labels: Labels, by: number): void {
    const s = this.slot(labels, () => ({ v: 0 }));
    if (s) s.v += by;
  }

  render(): string {
    let out = header(this);
    for (const { values, data } of this.series.values()) out += `${this.name}${labelText(this.labelNames, values)} ${formatValue(data.v)}\n`;
    return out;
  }
}

interface HistogramData {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Series<HistogramData> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  observe(labels: Labels, v: number): void {
    const s = this.slot(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    if (!s) return;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) s.counts[i]!++;
    s.sum += v;
    s.count++;
  }

  render(): string {
    let out = header(this);
    for (const { values, data } of this.series.values()) {
      this.buckets.forEach((le, i) => {
        out += `${this.name}_bucket${labelText(this.labelNames, values, `le="${formatValue(le)}"`)} ${data.counts[i]}\n`;
      });
      out += `${this.name}_bucket${labelText(this.labelNames, values, 'le="+Inf"')} ${data.count}\n`;
      out += `${this.name}_sum${labelText(this.labelNames, values)} ${formatValue(data.sum)}\n`;
      out += `${this.name}_count${labelText(this.labelNames, values)} ${data.count}\n`;
    }
    return out;
  }
}

/** A metric whose samples are read when scraped (sizes, process figures). */
export interface Collected {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  labelNames?: readonly string[];
  samples(): Iterable<{ labels?: readonly string[]; value: number }>;
}

export class MetricsRegistry {
  readonly #families: Family[] = [];
  readonly #names = new Set<string>();

  #add<F extends Family>(f: F): F {
    if (this.#names.has(f.name)) throw new Error(`metric ${f.name} is registered twice`);
    this.#names.add(f.name);
    this.#families.push(f);
    return f;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#add(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.#add(new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.#add(new Histogram(name, help, labelNames, buckets));
  }

  collect(c: Collected): void {
    const labelNames = c.labelNames ?? [];
    this.#add({
      name: c.name,
      help: c.help,
      type: c.type,
      render() {
        let out = header(this);
        for (const s of c.samples()) out += `${c.name}${labelText(labelNames, s.labels ?? [])} ${formatValue(s.value)}\n`;
        return out;
      },
    });
  }

  /** Every family in registration order, in the text format Prometheus scrapes. */
  render(): string {
    let out = '';
    for (const f of this.#families) {
      try {
        out += f.render();
      } catch {
        // a collector that cannot read its source (a closed store) leaves its family out of this scrape
      }
    }
    return out;
  }
}
