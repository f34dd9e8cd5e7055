// The shape of an a-kubectl command. The root table (commands/index.ts) holds only names and loaders,
// so a run loads just the module of the command it executes.
import type { FlagSpec, ParsedCommandLine } from './args.js';
import type { Factory } from './factory.js';

export interface Output {
  write(s: string): unknown;
}

export interface CliIO {
  stdin: NodeJS.ReadableStream;
  stdout: Output;
  stderr: Output;
  stdoutIsTTY: boolean;
}

export interface CommandContext {
  io: CliIO;
  env: Record<string, string | undefined>;
  /** e.g. ["create", "namespace"] */
  path: string[];
  factory: Factory;
}

export interface CommandEntry {
  name: string;
  aliases?: string[];
  short: string;
  /** Heading in the root help ("Basic Commands (Beginner):"). */
  group?: string;
  load(): Promise<Command>;
}

export interface Command {
  name: string;
  aliases?: string[];
  short: string;
  long?: string;
  examples?: string;
  /** The usage line without the program name: "create namespace NAME [--dry-run=server|client|none] [options]". */
  usage: string;
  flags: FlagSpec[];
  subcommands?: CommandEntry[];
  run?(ctx: CommandContext, args: ParsedCommandLine): Promise<void>;
}
