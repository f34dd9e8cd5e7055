// Help texts in kubectl's layout (cobra's template as kubectl customises it).
import type { FlagSpec } from './args.js';
import type { Command, CommandEntry } from './command.js';
import { programName } from './errors.js';

function defaultText(f: FlagSpec): string {
  const d = f.default;
  switch (f.kind) {
    case 'bool':
      return d === true ? 'true' : 'false';
    case 'int':
      return String(typeof d === 'number' ? d : 0);
    case 'string':
      return `'${typeof d === 'string' ? d : ''}'`;
    case 'stringArray':
    case 'stringSlice':
      return `[${Array.isArray(d) ? d.join(',') : ''}]`;
    default: {
      const no: never = f.kind;
      return String(no);
    }
  }
}

export function flagsHelp(flags: readonly FlagSpec[]): string {
  return [...flags]
    .filter((f) => !f.hidden)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((f) => `    ${f.short ? `-${f.short}, ` : ''}--${f.name}=${defaultText(f)}:\n\t${f.usage}\n`)
    .join('\n');
}

function subcommandTable(entries: readonly CommandEntry[]): string {
  const width = Math.max(...entries.map((e) => e.name.length)) + 3;
  return entries.map((e) => `  ${e.name.padEnd(width)}${e.short}`).join('\n');
}

/** The text `a-kubectl <path> --help` prints. */
export function commandHelp(cmd: Command, path: readonly string[]): string {
  const parts: string[] = [withProgram(cmd.long ?? cmd.short)];
  if (cmd.aliases?.length) parts.push(`Aliases:\n${[cmd.name, ...cmd.aliases].join(', ')}`);
  if (cmd.examples) parts.push(`Examples:\n${withProgram(cmd.examples)}`);
  if (cmd.subcommands?.length) parts.push(`Available Commands:\n${subcommandTable(cmd.subcommands)}`);
  const visible = cmd.flags.filter((f) => !f.hidden);
  if (visible.length > 0) parts.push(`Options:\n${flagsHelp(visible)}`);
  const footer = [`Usage:\n  ${programName} ${cmd.usage}\n`];
  if (cmd.subcommands?.length) footer.push(`Use "${programName} ${path.join(' ')} <command> --help" for more information about a given command.`);
  footer.push(`Use "${programName} options" for a list of global command-line options (applies to all commands).`);
  parts.push(footer.join('\n'));
  return `${parts.join('\n\n')}\n`;
}

// A bare word `kubectl` becomes our program name; `a-kubectl`, annotation keys (kubectl.kubernetes.io/…) and
// field manager names (kubectl-create) stay as written.
function withProgram(text: string): string {
  return text.replace(/(?<![\w./-])kubectl(?![\w./-])/g, programName);
}

export function rootHelp(entries: readonly CommandEntry[]): string {
  const groups = new Map<string, CommandEntry[]>();
  for (const e of entries) {
    const g = e.group ?? 'Other Commands';
    groups.set(g, [...(groups.get(g) ?? []), e]);
  }
  const width = Math.max(...entries.map((e) => e.name.length)) + 3;
  const sections = [...groups].map(([g, list]) => `${g}:\n${list.map((e) => `  ${e.name.padEnd(width)}${e.short}`).join('\n')}`);
  return [
    `${programName} controls the Kubernetes cluster manager.`,
    '',
    ` Find more information at: https://kubernetes.io/docs/reference/kubectl/`,
    '',
    sections.join('\n\n'),
    '',
    'Usage:',
    `  ${programName} [flags] [options]`,
    '',
    `Use "${programName} <command> --help" for more information about a given command.`,
    `Use "${programName} options" for a list of global command-line options (applies to all commands).`,
    '',
  ].join('\n');
}
