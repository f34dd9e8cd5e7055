// Which connection errors mean a server was never reached, and a helper that opens a connection on the first of a
// client's servers that can be reached. The REST client and the streaming clients (exec, attach, port-forward,
// cp, logs --follow) share them, so both move past a dead server for the same reasons, and they share which server
// of a list last answered in this process: a stream (or a new REST client) of the same servers starts there
// instead of trying a dead first server again.
import type { ClientConfig } from './config-types.js';
import { ApiError, ConnectionError } from './api-error.js';

/** Errors that mean the connection was never made: the request did not reach the server, so any may be retried. */
export const notConnectedCodes: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN']);

/** The system error code under a ConnectionError (ECONNREFUSED, ECONNRESET, …), if there is one. */
export function connectionErrorCode(e: unknown): string | undefined {
  if (!(e instanceof ConnectionError)) return undefined;
  const code = (e.cause as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Did this error come from a server that could not be reached at all (nothing was sent to it)? */
export function neverConnected(e: unknown): boolean {
  const code = connectionErrorCode(e);
  return code !== undefined && notConnectedCodes.has(code);
}

/** The config for each of the client's servers in turn, each naming that one server alone. */
export function perServerConfigs(config: ClientConfig): ClientConfig[] {
  const { fallbackServers, ...one } = config;
  return [config.server, ...(fallbackServers ?? [])].map((server) => ({ ...one, server }));
}

/** Per list of servers, the one that last answered in this process (at most 64 lists; the one noted longest ago goes first). */
const lastReached = new Map<string, string>();
const rememberedLists = 64;

function serverList(config: ClientConfig): string[] {
  return [config.server, ...(config.fallbackServers ?? [])];
}

/** Notes that `server`, one of config's servers, answered. */
export function noteReached(config: ClientConfig, server: string): void {
  const key = serverList(config).join('\n');
  if (lastReached.get(key) === server) return;
  lastReached.delete(key);
  lastReached.set(key, server);
  if (lastReached.size > rememberedLists) lastReached.delete(lastReached.keys().next().value as string);
}

/** The index, among config's servers, of the one that last answered (0 when none has yet). */
export function preferredServerIndex(config: ClientConfig): number {
  const servers = serverList(config);
  if (servers.length === 1) return 0;
  const last = lastReached.get(servers.join('\n'));
  return last === undefined ? 0 : Math.max(0, servers.indexOf(last));
}

/**
 * Runs `open` against each server of `config`, starting with the one that last answered, until one can be
 * reached: a server that refuses or cannot be reached (see neverConnected) passes the attempt to the next; any
 * other outcome, success or error, is final. Those errors only arise before a connection exists, so a session
 * that has started (stdin read, output written) is never run a second time; an error once it runs (a reset)
 * ends it.
 */
export async function onFirstReachableServer<T>(config: ClientConfig, open: (one: ClientConfig) => Promise<T>): Promise<T> {
  const configs = perServerConfigs(config);
  const start = preferredServerIndex(config);
  for (let i = 0; ; i++) {
    const one = configs[(start + i) % configs.length] as ClientConfig;
    try {
      const opened = await open(one);
      noteReached(config, one.server);
      return opened;
    } catch (e) {
      if (e instanceof ApiError) noteReached(config, one.server); // it answered
      if (i + 1 >= configs.length || !neverConnected(e)) throw e;
    }
  }
}
