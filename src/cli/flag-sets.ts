// Flags several commands share (kubectl's names and values, our texts), and their readers.
import type { FlagSpec, FlagValues } from './args.js';
import { CliError } from './errors.js';

export function outputFlags(formats = 'json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file'): FlagSpec[] {
  return [
    { name: 'output', short: 'o', kind: 'string', usage: `Output format. One of: (${formats}).` },
    { name: 'allow-missing-template-keys', kind: 'bool', default: true, usage: 'In go-template and jsonpath output, print nothing for a missing field instead of failing.' },
    { name: 'show-managed-fields', kind: 'bool', usage: 'Keep metadata.managedFields in JSON and YAML output (hidden by default).' },
    { name: 'template', kind: 'string', usage: 'The template for -o go-template (text) or -o go-template-file (a path), in Go text/template syntax.' },
  ];
}

export const dryRunFlag: FlagSpec = {
  name: 'dry-run',
  kind: 'string',
  default: 'none',
  noOptDefault: 'unchanged',
  usage: 'none (default) makes the change; client prints what would be sent without sending it; server sends it with dryRun=All so the server checks it but stores nothing.',
};

/** --local of the commands that can change objects read from -f without a cluster. */
export const localFlag: FlagSpec = { name: 'local', kind: 'bool', usage: 'Change the -f objects on the client only and print the result; nothing is sent to the API server.' };

export const validateFlag: FlagSpec = {
  name: 'validate',
  kind: 'string',
  default: 'strict',
  noOptDefault: 'strict',
  usage: 'How the server treats unknown or duplicate fields: strict (or true, default) rejects them, warn accepts them with a warning, ignore (or false) drops them silently.',
};

/** -c of the commands that reach one container of a pod. */
export const containerFlag: FlagSpec = { name: 'container', short: 'c', kind: 'string', usage: 'Which container to use. Without it, the one named by the pod\'s kubectl.kubernetes.io/default-container annotation, else the pod\'s first container.' };

/** The terminal flags of exec and attach. */
export const streamFlags: FlagSpec[] = [
  { name: 'quiet', short: 'q', kind: 'bool', usage: 'Print only what the container writes, no status lines of a-kubectl.' },
  { name: 'stdin', short: 'i', kind: 'bool', usage: 'Send this terminal\'s input to the container.' },
  { name: 'tty', short: 't', kind: 'bool', usage: 'Give the container a terminal; with -i, keys go to it as typed.' },
];

export function fieldManagerFlag(defaultName: string): FlagSpec {
  return { name: 'field-manager', kind: 'string', default: defaultName, usage: 'Manager name recorded in managedFields for the fields this command sets.' };
}

export function filenameFlags(what: string): FlagSpec[] {
  return [
    { name: 'filename', short: 'f', kind: 'stringSlice', usage: `Manifest files, folders or URLs ${what}` },
    { name: 'recursive', short: 'R', kind: 'bool', usage: 'Also read manifests in subfolders of folders given with -f.' },
  ];
}

export const selectorFlag: FlagSpec = {
  name: 'selector',
  short: 'l',
  kind: 'string',
  usage: "Label selector; objects must match every part (=, ==, !=, in, notin, exists), e.g. -l 'app=web,tier in (front,edge),!legacy'.",
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
