// Small statistics for benchmark figures: percentiles of latency samples and medians across runs.

/** The nearest-rank percentile (p in [0, 100]) of already sorted values; NaN when there are none. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  const index = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[index] ?? Number.NaN;
}

/** The median of the values (the mean of the two middle ones for an even count); NaN when there are none. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  const upper = finite[mid] ?? Number.NaN;
  if (finite.length % 2 === 1) return upper;
  return ((finite[mid - 1] ?? upper) + upper) / 2;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
}

/** Summarizes latency samples given in milliseconds. */
export function summarizeLatencies(samplesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samplesMs).sort();
  return { count: sorted.length, p50Ms: percentileOfSorted(sorted, 50), p99Ms: percentileOfSorted(sorted, 99) };
}
