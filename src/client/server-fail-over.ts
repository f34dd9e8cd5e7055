// Which connection errors mean a server was never reached, and a helper that opens a connection on the first of a
// client's servers that can be reached. The REST client and the streaming clients (exec, attach, port-forward,
// cp, logs --follow) share them, so both move past a dead server for the same reasons.
import type { ClientConfig } from './config-types.js';
import { ConnectionError } from './api-error.js';

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

/**
 * Runs `open` against each server of `config` until one can be reached: a server that refuses or cannot be
 * reached (see neverConnected) passes the attempt to the next; any other outcome, success or error, is final.
 * Those errors only arise before a connection exists, so a session that has started (stdin read, output
 * written) is never run a second time; an error once it runs (a reset) ends it.
 */
export async function onFirstReachableServer<T>(config: ClientConfig, open: (one: ClientConfig) => Promise<T>): Promise<T> {
  const configs = perServerConfigs(config);
  for (let i = 0; ; i++) {
    try {
      return await open(configs[i] as ClientConfig);
    } catch (e) {
      if (i + 1 >= configs.length || !neverConnected(e)) throw e;
    }
  }
}
