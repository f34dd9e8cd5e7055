// A few values Kubernetes prints with Go's %#v or String() inside field errors.

/** `map[string]string{"a":"b", "c":"d"}` (Go sorts map keys when printing). */
export function goStringMap(m: Record<string, string> | undefined): string {
  if (!m) return 'map[string]string(nil)';
  const entries = Object.keys(m)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** `[]string{"a", "b"}` */
export function goStringSlice(items: readonly string[] | undefined): string {
  if (!items) return '[]string(nil)';
  return `[]string{${items.map((s) => JSON.stringify(s)).join(', ')}}`;
}

/** metav1.Time's String(): `2024-05-01 10:00:00 +0000 UTC`. */
export function goTime(rfc3339: string | null | undefined): string {
  if (!rfc3339) return '0001-01-01 00:00:00 +0000 UTC';
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return JSON.stringify(rfc3339);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}
