// kubectl-style (cobra/pflag) command-line parsing: flags anywhere, `--flag=v`, `--flag v`, `-nv`, `-n=v`,
// `-n v`, grouped short booleans (`-it`), repeated flags, and `--` ending flag parsing.

export type FlagKind = 'bool' | 'string' | 'int' | 'stringArray' | 'stringSlice';
export type FlagValue = string | number | boolean | string[];

export interface FlagSpec {
  name: string;
  short?: string;
  kind: FlagKind;
  default?: FlagValue;
  usage: string;
  /** The value taken when the flag is given without one (pflag's NoOptDefVal), e.g. --dry-run → "unchanged". */
  noOptDefault?: string;
  hidden?: boolean;
}

export class FlagError extends Error {
  override name = 'FlagError';
}

export class FlagValues {
  private readonly values = new Map<string, FlagValue>();
  constructor(private readonly specs: ReadonlyMap<string, FlagSpec>) {}

  set(name: string, v: FlagValue): void {
    this.values.set(name, v);
  }
  /** Whether the user gave the flag (pflag's Changed). */
  has(name: string): boolean {
    return this.values.has(name);
  }
  /** The value the user gave, without the default. */
  given(name: string): FlagValue | undefined {
    return this.values.get(name);
  }
  private raw(name: string): FlagValue | undefined {
    return this.values.get(name) ?? this.specs.get(name)?.default;
  }
  string(name: string): string {
    const v = this.raw(name);
    return typeof v === 'string' ? v : v === undefined ? '' : String(v);
  }
  /** The string value, or undefined when the flag was not given and has no non-empty default. */
  optionalString(name: string): string | undefined {
    const v = this.string(name);
    return this.has(name) || v !== '' ? v : undefined;
  }
  bool(name: string): boolean {
    return this.raw(name) === true;
  }
  int(name: string): number {
    const v = this.raw(name);
    return typeof v === 'number' ? v : 0;
  }
  list(name: string): string[] {
    const v = this.raw(name);
    return Array.isArray(v) ? v : [];
  }
}

export interface ParsedCommandLine {
  positionals: string[];
  /** Arguments after a bare `--` (undefined when there was none). */
  afterDash: string[] | undefined;
  flags: FlagValues;
}

function describe(spec: FlagSpec): string {
  return spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
}

function convert(spec: FlagSpec, text: string, previous: FlagValue | undefined): FlagValue {
  switch (spec.kind) {
    case 'bool': {
      const t = text.toLowerCase();
      if (['1', 't', 'true'].includes(t)) return true;
      if (['0', 'f', 'false'].includes(t)) return false;
      throw new FlagError(`invalid argument "${text}" for "${describe(spec)}" flag: strconv.ParseBool: parsing "${text}": invalid syntax`);
    }
    case 'int': {
      if (!/^[+-]?\d+$/.test(text)) {
        throw new FlagError(`invalid argument "${text}" for "${describe(spec)}" flag: strconv.ParseInt: parsing "${text}": invalid syntax`);
      }
      return Number(text);
    }
    case 'string':
      return text;
    case 'stringArray':
      return [...(Array.isArray(previous) ? previous : []), text];
    case 'stringSlice':
      return [...(Array.isArray(previous) ? previous : []), ...(text === '' ? [] : text.split(','))];
    default: {
      const no: never = spec.kind;
      throw new Error(String(no));
    }
  }
}

export function indexFlags(specs: readonly FlagSpec[]): { long: Map<string, FlagSpec>; short: Map<string, FlagSpec> } {
  const long = new Map<string, FlagSpec>();
  const short = new Map<string, FlagSpec>();
  for (const s of specs) {
    long.set(s.name, s);
    if (s.short) short.set(s.short, s);
  }
  return { long, short };
}

export function parseCommandLine(argv: readonly string[], specs: readonly FlagSpec[]): ParsedCommandLine {
  const { long, short } = indexFlags(specs);
  const flags = new FlagValues(long);
  const positionals: string[] = [];
  let afterDash: string[] | undefined;
  const assign = (spec: FlagSpec, text: string) => flags.set(spec.name, convert(spec, text, flags.given(spec.name)));

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      afterDash = argv.slice(i + 1);
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = long.get(name);
      if (!spec) throw new FlagError(`unknown flag: --${name}`);
      if (eq >= 0) assign(spec, arg.slice(eq + 1));
      else if (spec.kind === 'bool') flags.set(spec.name, true);
      else if (spec.noOptDefault !== undefined) assign(spec, spec.noOptDefault);
      else {
        if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: --${name}`);
        assign(spec, argv[++i] ?? '');
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // a group of short flags: booleans may be chained; the first value-taking flag eats the rest
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j] ?? '';
        const spec = short.get(c);
        if (!spec) throw new FlagError(`unknown shorthand flag: '${c}' in ${arg}`);
        const rest = arg.slice(j + 1);
        if (rest.startsWith('=')) {
          assign(spec, rest.slice(1));
          break;
        }
        if (spec.kind === 'bool') {
          flags.set(spec.name, true);
          continue;
        }
        if (rest !== '') assign(spec, rest);
        else if (spec.noOptDefault !== undefined) assign(spec, spec.noOptDefault);
        else {
          if (i + 1 >= argv.length) throw new FlagError(`flag needs an argument: '${c}' in -${c}`);
          assign(spec, argv[++i] ?? '');
        }
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { positionals, afterDash, flags };
}

/**
 * The positional words of argv without parsing values strictly: used to find the sub-command before its own
 * flags are known. Flags it does not know are assumed to carry their value inline.
 */
export function leadingWords(argv: readonly string[], specs: readonly FlagSpec[]): string[] {
  const { long, short } = indexFlags(specs);
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const spec = long.get(arg.slice(2));
      if (spec && spec.kind !== 'bool' && spec.noOptDefault === undefined && !arg.includes('=')) i++;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      const spec = short.get(arg[1] ?? '');
      if (arg.length === 2 && spec && spec.kind !== 'bool' && spec.noOptDefault === undefined) i++;
      continue;
    }
    words.push(arg);
  }
  return words;
}
