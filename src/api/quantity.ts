// resource.Quantity with exact arithmetic: a value held as a whole number of nano-units (smaller values round up to
// 1n, as Kubernetes rounds them), the format it was written in, and the canonical text Kubernetes prints
// ("1500m", "1Gi", "2k"). Sums keep the format of their first operand unless it is zero, as Quantity.Add does.
const quantityRe = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/;

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The value in units of 10^-9. */
  nanos: bigint;
  format: QuantityFormat;
}

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const NANO = 10n ** 9n;
/** Larger than any quantity a Kubernetes object carries (2^63 units); beyond it a quantity does not parse. */
const LIMIT = (2n ** 63n) * NANO;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Parses a quantity string (or a JSON number); undefined when it is not one. */
export function toQuantity(input: unknown): Quantity | undefined {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return undefined;
    text = String(input);
    if (/e/i.test(text)) text = input.toFixed(9).replace(/\.?0+$/, '');
  } else if (typeof input === 'string') text = input.trim();
  else return undefined;
  if (text.length > 100) return undefined;
  const m = quantityRe.exec(text);
  if (!m) return undefined;
  const [, sign = '', whole = '', fraction = '', suffix = ''] = m;
  if (whole === '' && fraction === '') return undefined;
  let exp10 = 0;
  let exp2 = 0;
  let format: QuantityFormat;
  if (Object.hasOwn(decimalSuffixes, suffix)) {
    exp10 = decimalSuffixes[suffix] ?? 0;
    format = 'DecimalSI';
  } else if (Object.hasOwn(binarySuffixes, suffix)) {
    exp2 = binarySuffixes[suffix] ?? 0;
    format = 'BinarySI';
  } else {
    const e = /^[eE]([-+]?[0-9]{1,3})$/.exec(suffix);
    if (!e) return undefined;
    exp10 = Number(e[1]);
    format = 'DecimalExponent';
  }
  // value = digits × 10^(exp10 - fraction.length) × 2^exp2, in nanos: × 10^9.
  const digits = BigInt((whole || '0') + fraction);
  const shift = exp10 - fraction.length + 9;
  let nanos: bigint;
  if (shift >= 0) nanos = digits * pow10(shift);
  else {
    const d = pow10(-shift);
    nanos = digits / d + (digits % d === 0n ? 0n : 1n);
  }
  nanos *= 2n ** BigInt(exp2);
  if (nanos > LIMIT) return undefined;
  return { nanos: sign === '-' ? -nanos : nanos, format };
}

export function quantityOf(nanos: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nanos, format };
}

/** a + b in a's format, or in b's when a is zero (Quantity.Add). */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

export function subtractQuantities(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos - b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

export function compareQuantities(a: Quantity, b: Quantity): number {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

const decimalOrder: [number, string][] = [
  [18, 'E'], [15, 'P'], [12, 'T'], [9, 'G'], [6, 'M'], [3, 'k'], [0, ''], [-3, 'm'], [-6, 'u'], [-9, 'n'],
];
const binaryOrder: [number, string][] = [[60, 'Ei'], [50, 'Pi'], [40, 'Ti'], [30, 'Gi'], [20, 'Mi'], [10, 'Ki']];

/** Kubernetes' canonical text of a quantity. */
export function formatQuantity(q: Quantity): string {
  const negative = q.nanos < 0n;
  const abs = negative ? -q.nanos : q.nanos;
  const sign = negative ? '-' : '';
  if (abs === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI' && (abs < 1024n * NANO || abs % NANO !== 0n)) format = 'DecimalSI';
  if (format === 'BinarySI') {
    const units = abs / NANO;
    for (const [bits, suffix] of binaryOrder) {
      const d = 2n ** BigInt(bits);
      if (units % d === 0n) return `${sign}${units / d}${suffix}`;
    }
    return `${sign}${units}`;
  }
  for (const [exp, suffix] of decimalOrder) {
    const d = pow10(exp + 9);
    if (abs % d === 0n) {
      const mantissa = abs / d;
      if (format === 'DecimalExponent') return `${sign}${mantissa}${exp === 0 ? '' : `e${exp}`}`;
      return `${sign}${mantissa}${suffix}`;
    }
  }
  return `${sign}${abs}n`;
}

/** The canonical text of a quantity string, or the input itself when it does not parse. */
export function canonicalQuantity(input: unknown): string {
  const q = toQuantity(input);
  return q ? formatQuantity(q) : String(input);
}

/** The value as a float in whole units (for ratios and display). */
export function quantityNumber(q: Quantity): number {
  return Number(q.nanos) / 1e9;
}
