// a-kubectl's entry: find the command, parse its flags, run it, print any error as kubectl does.
import { setMaxListeners } from 'node:events';
import { FlagError, FlagValues, indexFlags, leadingWords, parseCommandLine } from './args.js';
import type { FlagSpec } from './args.js';
import type { CliIO, Command, CommandEntry } from './command.js';
import { printError, programName } from './errors.js';
import { createFactory } from './factory.js';
import type { FactoryDeps } from './factory.js';
import { globalFlags } from './global-flags.js';
import { commandHelp, flagsHelp, rootHelp } from './help.js';
import { rootCommands } from './commands/index.js';

export interface CliDeps extends Omit<FactoryDeps, 'signal' | 'commandPath'> {
  io: CliIO;
  signal?: AbortSignal;
}

function findEntry(entries: readonly CommandEntry[], word: string | undefined): CommandEntry | undefined {
  return word === undefined ? undefined : entries.find((e) => e.name === word || e.aliases?.includes(word));
}

/** The global flags the factory reads: a command's own flag of the same name (`create rolebinding --user`) shadows the global one, as in cobra. */
function globalFlagValues(parsed: FlagValues, commandFlags: readonly FlagSpec[]): FlagValues {
  const own = new Set(commandFlags.map((f) => f.name));
  const out = new FlagValues(indexFlags(globalFlags).long);
  for (const g of globalFlags) {
    const v = parsed.given(g.name);
    if (v !== undefined && !own.has(g.name)) out.set(g.name, v);
  }
  return out;
}

/** Runs one a-kubectl invocation; resolves to the process exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const { io } = deps;
  const words = leadingWords(argv, globalFlags);
  const first = words[0];
  if (first === undefined) {
    io.stdout.write(rootHelp(rootCommands));
    return 0;
  }
  if (first === 'options') {
    io.stdout.write(`The following options can be passed to any command:\n\n${flagsHelp(globalFlags)}`);
    return 0;
  }
  const entry = findEntry(rootCommands, first);
  if (!entry) {
    io.stderr.write(`error: unknown command "${first}" for "${programName}"\n`);
    return 1;
  }
  let cmd: Command = await entry.load();
  const path = [cmd.name];
  let specs: FlagSpec[] = [...globalFlags, ...cmd.flags];
  for (;;) {
    const next = findEntry(cmd.subcommands ?? [], leadingWords(argv, specs)[path.length]);
    if (!next) break;
    cmd = await next.load();
    path.push(cmd.name);
    specs = [...globalFlags, ...cmd.flags];
  }

  let parsed;
  try {
    parsed = parseCommandLine(argv, specs);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    io.stderr.write(`error: ${e.message}\nSee '${programName} ${path.join(' ')} --help' for usage.\n`);
    return 1;
  }
  parsed.positionals.splice(0, path.length);
  if (parsed.flags.bool('help') || !cmd.run) {
    io.stdout.write(commandHelp(cmd, path));
    return 0;
  }

  const controller = new AbortController();
  const signal = deps.signal ? AbortSignal.any([deps.signal, controller.signal]) : controller.signal;
  // Every request of the command listens on this signal, and discovery asks all group-versions at once.
  setMaxListeners(0, signal);
  const factory = createFactory(globalFlagValues(parsed.flags, cmd.flags), { ...deps, signal, commandPath: path });
  try {
    await cmd.run({ io, env: deps.env, path, factory }, parsed);
    return 0;
  } catch (e) {
    return printError(e, io.stderr);
  } finally {
    controller.abort();
    factory.close();
  }
}
