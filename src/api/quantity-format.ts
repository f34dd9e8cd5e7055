// Quantities written as Kubernetes writes them (resource.Quantity's canonical form): decimal values with the
// largest SI suffix that keeps the number whole, byte counts with the largest binary suffix that does.

const decimalSuffixes: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const binarySuffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** value × 10^scale (value a whole number) in canonical decimal SI form: 1500000n → "1500u", 2000 → "2k". */
export function formatDecimalQuantity(value: number, scale = 0): string {
  if (!Number.isSafeInteger(value)) value = Math.round(value);
  if (value === 0) return '0';
  let v = value;
  let s = scale;
  // Bring the exponent to a multiple of three, then grow it while the number stays whole.
  while (((s % 3) + 3) % 3 !== 0) {
    v *= 10;
    s -= 1;
  }
  while (s < 18 && v % 1000 === 0) {
    v /= 1000;
    s += 3;
  }
  while (s < -9) {
    v = Math.round(v / 1000);
    s += 3;
  }
  return `${v}${decimalSuffixes[s] ?? `e${s}`}`;
}

/** A byte count in canonical binary SI form: 27000832 → "26368Ki"; under 1024, or not a multiple of it, plain. */
export function formatBinaryQuantity(bytes: number): string {
  let v = Math.round(bytes);
  if (Math.abs(v) < 1024) return String(v);
  let i = 0;
  while (i < binarySuffixes.length - 1 && v !== 0 && v % 1024 === 0) {
    v /= 1024;
    i += 1;
  }
  return `${v}${binarySuffixes[i]}`;
}
