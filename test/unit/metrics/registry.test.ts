import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MetricsRegistry, maxSeriesPerMetric } from '../../../src/metrics/registry.js';
import { maxFds, registerProcessMetrics } from '../../../src/metrics/process.js';

test('counters, gauges and histograms render in the Prometheus text format, label values escaped', () => {
  const r = new MetricsRegistry();
  const c = r.counter('requests_total', 'Requests.', ['verb', 'code']);
  c.inc({ verb: 'GET', code: '200' });
  c.inc({ verb: 'GET', code: '200' }, 2);
  c.inc({ verb: 'odd"\\\nverb', code: '404' });
  const g = r.gauge('open', 'Open now.');
  g.add({}, 3);
  g.add({}, -1);
  const h = r.histogram('latency_seconds', 'Latency.', ['verb'], [0.1, 1]);
  h.observe({ verb: 'GET' }, 0.05);
  h.observe({ verb: 'GET' }, 0.5);
  h.observe({ verb: 'GET' }, 5);
  assert.equal(r.render(), [
    '# HELP requests_total Requests.',
    '# TYPE requests_total counter',
    'requests_total{verb="GET",code="200"} 3',
    'requests_total{verb="odd\\"\\\\\\nverb",code="404"} 1',
    '# HELP open Open now.',
    '# TYPE open gauge',
    'open 2',
    '# HELP latency_seconds Latency.',
    '# TYPE latency_seconds histogram',
    'latency_seconds_bucket{verb="GET",le="0.1"} 1',
    'latency_seconds_bucket{verb="GET",le="1"} 2',
    'latency_seconds_bucket{verb="GET",le="+Inf"} 3',
    'latency_seconds_sum{verb="GET"} 5.55',
    'latency_seconds_count{verb="GET"} 3',
    '',
  ].join('\n'));
});

test('a metric keeps a bounded number of series; prototype keys are plain label values', () => {
  const r = new MetricsRegistry();
  const c = r.counter('c_total', 'C.', ['k']);
  for (let i = 0; i < maxSeriesPerMetric + 10; i++) c.inc({ k: String(i) });
  assert.equal(c.dropped, 10);
  c.inc(JSON.parse('{"__proto__": "x"}') as Record<string, string>);
  assert.equal(r.render().split('\n').filter((l) => l.startsWith('c_total{')).length, maxSeriesPerMetric);
  assert.equal(({} as Record<string, unknown>)['k'], undefined);
  assert.throws(() => r.counter('c_total', 'again'), /registered twice/);
});

test('a collector that fails leaves only its own family out', () => {
  const r = new MetricsRegistry();
  r.collect({ name: 'broken', help: 'B.', type: 'gauge', samples: () => { throw new Error('closed'); } });
  r.collect({ name: 'fine', help: 'F.', type: 'gauge', labelNames: ['x'], samples: () => [{ labels: ['y'], value: 1 }] });
  assert.equal(r.render(), '# HELP fine F.\n# TYPE fine gauge\nfine{x="y"} 1\n');
});

test('process metrics: CPU, memory, file descriptors against the soft limit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-metrics-'));
  try {
    const limits = join(dir, 'limits');
    writeFileSync(limits, 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n');
    assert.equal(maxFds(limits), 1024);
    writeFileSync(limits, 'Max open files            unlimited            unlimited            files\n');
    assert.equal(maxFds(limits), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const r = new MetricsRegistry();
  const p = registerProcessMetrics(r);
  try {
    const text = r.render();
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'process_open_fds', 'process_max_fds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_delay_p99_seconds']) {
      assert.match(text, new RegExp(`^${name} [0-9.e+-]+$`, 'm'), name);
    }
  } finally {
    p.stop();
  }
});
