// Flags several commands share, with kubectl's texts, and their readers.
import type { FlagSpec, FlagValues } from './args.js';
import { CliError } from './errors.js';

export function outputFlags(formats = 'json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file'): FlagSpec[] {
  return [
    { name: 'output', short: 'o', kind: 'string', usage: `Output format. One of: (${formats}).` },
    { name: 'allow-missing-template-keys', kind: 'bool', default: true, usage: 'If true, ignore any errors in templates when a field or map key is missing in the template. Only applies to golang and jsonpath output formats.' },
    { name: 'show-managed-fields', kind: 'bool', usage: 'If true, keep the managedFields when printing objects in JSON or YAML format.' },
    { name: 'template', kind: 'string', usage: 'Template string or path to template file to use when -o=go-template, -o=go-template-file. The template format is golang templates [http://golang.org/pkg/text/template/#pkg-overview].' },
  ];
}

export const dryRunFlag: FlagSpec = {
  name: 'dry-run',
  kind: 'string',
  default: 'none',
  noOptDefault: 'unchanged',
  usage: 'Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.',
};

export const validateFlag: FlagSpec = {
  name: 'validate',
  kind: 'string',
  default: 'strict',
  noOptDefault: 'strict',
  usage: 'Must be one of: strict (or true), warn, ignore (or false). "true" or "strict" will use a schema to validate the input and fail the request if invalid. "warn" will warn about unknown or duplicate fields without blocking the request, and "false" or "ignore" will not perform any schema validation, silently dropping any unknown or duplicate fields.',
};

export function fieldManagerFlag(defaultName: string): FlagSpec {
  return { name: 'field-manager', kind: 'string', default: defaultName, usage: 'Name of the manager used to track field ownership.' };
}

export function filenameFlags(what: string): FlagSpec[] {
  return [
    { name: 'filename', short: 'f', kind: 'stringSlice', usage: `Filename, directory, or URL to files ${what}` },
    { name: 'recursive', short: 'R', kind: 'bool', usage: 'Process the directory used in -f, --filename recursively. Useful when you want to manage related manifests organized within the same directory.' },
  ];
}

export const selectorFlag: FlagSpec = {
  name: 'selector',
  short: 'l',
  kind: 'string',
  usage: "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3 in (value3)). Matching objects must satisfy all of the specified label constraints.",
};

export type DryRun = 'none' | 'client' | 'server';

export function dryRunOf(flags: FlagValues, stderr?: { write(s: string): unknown }): DryRun {
  const v = flags.string('dry-run');
  if (v === 'unchanged') {
    stderr?.write('W0000 00:00:00.000000       1 helpers.go:703] --dry-run is deprecated and can be replaced with --dry-run=client.\n');
    return 'client';
  }
  if (v === 'none' || v === 'client' || v === 'server') return v;
  if (v === 'true') return 'client';
  if (v === 'false') return 'none';
  throw new CliError(`Invalid dry-run value (${v}). Must be "none", "server", or "client".`);
}

export function dryRunSuffix(d: DryRun): string {
  return d === 'client' ? ' (dry run)' : d === 'server' ? ' (server dry run)' : '';
}

/** fieldValidation query value for --validate. */
export function fieldValidationOf(flags: FlagValues): 'Strict' | 'Warn' | 'Ignore' {
  const v = flags.string('validate').toLowerCase();
  if (v === 'strict' || v === 'true') return 'Strict';
  if (v === 'warn') return 'Warn';
  if (v === 'ignore' || v === 'false') return 'Ignore';
  throw new CliError(`invalid - validate option "${v}"; must be one of: strict (or true), warn, ignore (or false)`);
}
