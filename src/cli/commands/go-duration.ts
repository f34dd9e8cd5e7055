// Duration flags of a-kubectl (--timeout=30s, --duration=1h10m, --since=5m), on Go's duration syntax.
import { CliError } from '../errors.js';
import { parseGoDuration } from '../../api/go-duration.js';

export { parseGoDuration, formatGoDuration } from '../../api/go-duration.js';

/** A duration flag's value, with pflag's wording for a bad one. */
export function durationFlag(value: string, flag: string): number {
  try {
    return parseGoDuration(value);
  } catch (e) {
    throw new CliError(`invalid argument ${JSON.stringify(value)} for "--${flag}" flag: ${(e as Error).message}`);
  }
}
