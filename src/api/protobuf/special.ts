// JSON forms of the apimachinery types that have their own JSON marshallers (metav1.Time, Duration, intstr...).
import { ProtobufDecodeError } from './errors.js';
import { bigIntToNumber, WireReader, WireType } from './wire.js';

/** metav1.Time: RFC 3339 in UTC with whole seconds (`2024-05-01T10:00:00Z`); the zero time is JSON null. */
export function formatTime(seconds: bigint): string {
  return isoSeconds(seconds) + 'Z';
}

/** metav1.MicroTime: RFC 3339 in UTC with exactly six fractional digits. */
export function formatMicroTime(seconds: bigint, nanos: number): string {
  const micros = Math.floor(nanos / 1000).toString().padStart(6, '0');
  return `${isoSeconds(seconds)}.${micros}Z`;
}

function isoSeconds(seconds: bigint): string {
  const ms = bigIntToNumber(seconds, 'timestamp seconds') * 1000;
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) throw new ProtobufDecodeError(`timestamp ${seconds}s is out of range`);
  return date.toISOString().slice(0, 19);
}

const NS_PER = { h: 3_600_000_000_000n, m: 60_000_000_000n, s: 1_000_000_000n, ms: 1_000_000n, us: 1000n } as const;

/** Go's time.Duration.String(): `1h2m3.5s`, `10m0s`, `1.5ms`, `0s`. */
export function formatDuration(nanoseconds: bigint): string {
  if (nanoseconds === 0n) return '0s';
  const sign = nanoseconds < 0n ? '-' : '';
  const d = nanoseconds < 0n ? -nanoseconds : nanoseconds;
  if (d < NS_PER.s) {
    if (d < NS_PER.us) return `${sign}${d}ns`;
    if (d < NS_PER.ms) return `${sign}${withFraction(d, NS_PER.us)}µs`;
    return `${sign}${withFraction(d, NS_PER.ms)}ms`;
  }
  const hours = d / NS_PER.h;
  const minutes = (d % NS_PER.h) / NS_PER.m;
  const seconds = withFraction(d % NS_PER.m, NS_PER.s);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

function withFraction(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return whole.toString();
  const digits = unit.toString().length - 1;
  return `${whole}.${rest.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}

/** Reads a small message of scalar fields into number-keyed raw values, for the special types. */
export function readSmallMessage(bytes: Uint8Array): Map<number, bigint | Uint8Array> {
  const reader = new WireReader(bytes);
  const out = new Map<number, bigint | Uint8Array>();
  while (!reader.done) {
    const tag = reader.readTag();
    if (tag.wireType === WireType.varint) out.set(tag.fieldNumber, reader.readVarint());
    else if (tag.wireType === WireType.lengthDelimited) out.set(tag.fieldNumber, reader.readBytes());
    else reader.skip(tag.wireType, tag.fieldNumber);
  }
  return out;
}
