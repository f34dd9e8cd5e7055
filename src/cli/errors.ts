// How errors reach the terminal, in kubectl's words (kubectl/pkg/cmd/util/helpers.go checkErr).
import { ApiError, ConnectionError } from '../client/api-error.js';
import { KubeconfigError } from '../client/kubeconfig.js';
import { NoSuchContextError } from '../client/kubeconfig-write.js';
import { UnknownResourceError, NoKindMatchError } from '../client/rest-mapper.js';
import { FlagError } from './args.js';

export const programName = 'a-kubectl';

/** A client-side failure: printed as `error: <message>`. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** A client-side failure whose text kubectl prints without the `error: ` prefix. */
export class PlainError extends CliError {
  override name = 'PlainError';
}

/** Wrong arguments: `error: <message>` plus a pointer to the command's help. */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string, readonly commandPath: string[]) {
    super(message);
  }
}

/** The command already printed what it had to say; exit with this code. */
export class ExitError extends Error {
  override name = 'ExitError';
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** kubectl's AddSourceToErr: `error when creating "f.yaml": <message>` inside a server's Status. */
export function withSource(verb: string, source: string, e: unknown): unknown {
  if (!(e instanceof ApiError) || !source) return e;
  const status = { ...e.status, message: `error when ${verb} "${source}": ${e.status.message ?? ''}` };
  return new ApiError(status, { cause: e });
}

function withNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}

/** kubectl's StandardErrorMessage for a server's Status, or undefined. */
export function apiErrorMessage(e: ApiError): string {
  const s = e.status;
  if (s.reason === 'Unauthorized') return `error: You must be logged in to the server (${s.message ?? 'Unauthorized'})`;
  if (s.reason) return `Error from server (${s.reason}): ${e.message}`;
  return `Error from server: ${e.message}`;
}

function invalidMessage(e: ApiError): string {
  const d = e.status.details;
  let s = 'The request is invalid';
  if (!d) return e.status.message ? `${s}: ${e.status.message}` : s;
  if (d.kind || d.name) s = `The ${d.kind ?? ''} ${JSON.stringify(d.name ?? '')} is invalid`;
  const causes = (d.causes ?? []).map((c) => (c.field ? `${c.field}: ${c.message ?? ''}` : c.message ?? ''));
  if (causes.length === 0) return s;
  if (causes.length === 1) return `${s}: ${causes[0]}`;
  return `${s}: \n${causes.map((c) => `* ${c}`).join('\n')}`;
}

/** One line (or block) for stderr, for any error a command throws, or for one item of a multi-item command. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.status.reason === 'Invalid' ? invalidMessage(e) : apiErrorMessage(e);
  if (e instanceof ConnectionError) {
    if (/ECONNREFUSED|connection refused/.test(e.message)) return `The connection to the server ${e.host} was refused - did you specify the right host or port?`;
    return `Unable to connect to the server: ${e.message}`;
  }
  if (e instanceof KubeconfigError && e.message.startsWith('context was not found')) return `Error in configuration: ${e.message}`;
  if (e instanceof PlainError) return e.message;
  if (e instanceof UsageError) return `error: ${e.message}\nSee '${programName} ${e.commandPath.join(' ')} -h' for help and examples`;
  if (e instanceof FlagError || e instanceof CliError || e instanceof KubeconfigError || e instanceof UnknownResourceError || e instanceof NoSuchContextError || e instanceof NoKindMatchError) {
    return e.message.startsWith('error: ') ? e.message : `error: ${e.message}`;
  }
  if (e instanceof Error && e.name === 'AbortError') return 'error: context canceled';
  const message = e instanceof Error ? e.message : String(e);
  return message.startsWith('error: ') ? message : `error: ${message}`;
}

export function printError(e: unknown, stderr: { write(s: string): unknown }): number {
  if (e instanceof ExitError) return e.exitCode;
  stderr.write(withNewline(errorText(e)));
  return e instanceof CliError ? e.exitCode : 1;
}
