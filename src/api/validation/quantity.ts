// resource.Quantity, enough to compare and sum: "100m", "1.5", "128Mi", "1e3", "2Ki".
const quantityRe = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

const suffixes: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The numeric value of a quantity string (or number), or undefined when it does not parse. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = quantityRe.exec(q.trim());
  if (!m) return undefined;
  const [, numberPart = '', suffix = ''] = m;
  if ((numberPart.match(/\./g) ?? []).length > 1 || !/[0-9]/.test(numberPart)) return undefined;
  const base = Number(numberPart);
  if (Number.isNaN(base)) return undefined;
  if (Object.hasOwn(suffixes, suffix)) return base * (suffixes[suffix] ?? 1);
  const exp = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
  if (exp) return base * 10 ** Number(exp[1]);
  return undefined;
}

export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
