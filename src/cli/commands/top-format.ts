// What `top` prints, as kubectl's top printer writes it: CPU in whole millicores rounded up, memory in whole
// mebibytes, percentages of the node's allocatable (or capacity) as whole numbers.
import { parseQuantity } from '../../api/validation/quantity.js';

export function milliCores(q: unknown): number {
  return Math.ceil((parseQuantity(q) ?? 0) * 1000 - 1e-9);
}

export function bytesOf(q: unknown): number {
  return Math.ceil(parseQuantity(q) ?? 0);
}

export function cpuCell(q: unknown): string {
  return `${milliCores(q)}m`;
}

export function memoryCell(q: unknown): string {
  return `${Math.floor(bytesOf(q) / (1024 * 1024))}Mi`;
}

export function percentCell(used: number, total: number): string {
  return total > 0 ? `${Math.floor((used * 100) / total)}%` : '<unknown>';
}

export type SortBy = '' | 'cpu' | 'memory';

export function parseSortBy(v: string): SortBy {
  if (v === '' || v === 'cpu' || v === 'memory') return v;
  throw new Error(`--sort-by accepts only cpu or memory`);
}

/** Largest first, as kubectl sorts top's rows. */
export function sortRows<T>(rows: T[], by: SortBy, usage: (r: T) => { cpu: number; memory: number }): T[] {
  if (!by) return rows;
  return [...rows].sort((a, b) => usage(b)[by] - usage(a)[by]);
}
