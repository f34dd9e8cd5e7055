// The client side of exec/attach over WebSocket, protocol v5.channel.k8s.io: every binary message starts with
// its channel (0 stdin, 1 stdout, 2 stderr, 3 the final Status, 4 terminal resize); v5 adds a close signal
// (255, channel) so stdin can end while stdout keeps flowing.
import { StringDecoder } from 'node:string_decoder';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { ClientConfig } from '../../client/config-types.js';
import { ApiError, ConnectionError, errorFromResponse, isApiStatus } from '../../client/api-error.js';
import type { ApiStatus } from '../../client/api-error.js';
import { headersFor } from './request-headers.js';
import { onFirstReachableServer } from '../../client/server-fail-over.js';

export const streamProtocolV5 = 'v5.channel.k8s.io';

export const channels = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

export interface TerminalSize {
  width: number;
  height: number;
}

export interface RemoteCommandOptions {
  config: ClientConfig;
  /** e.g. /api/v1/namespaces/ns-1/pods/p/exec */
  path: string;
  query: URLSearchParams;
  stdin?: NodeJS.ReadableStream;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** Receives stdout as bytes instead of text (a tar stream for `cp`). */
  stdoutBytes?: (chunk: Buffer) => void;
  /** The terminal's size now (sent first) and a way to hear about changes; both only with a TTY. */
  size?: () => TerminalSize | undefined;
  onResize?: (listener: () => void) => () => void;
  signal: AbortSignal;
}

/** A Status that ends a remote command, other than a non-zero exit code. */
export class RemoteCommandError extends Error {
  override name = 'RemoteCommandError';
}

export function streamUrl(config: ClientConfig, path: string, query: URLSearchParams): string {
  const base = new URL(config.server);
  const protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${base.host}${base.pathname.replace(/\/+$/, '')}${path}?${query.toString()}`;
}

/**
 * The exit code a final Status carries: 0 for Success, N for NonZeroExitCode; other failures throw with the
 * Status's message as it stands (client-go's v4 error decoder: "Internal error occurred: …" from the runtime).
 */
export function exitCodeOf(status: ApiStatus | undefined): number {
  if (!status || status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return code;
    throw new RemoteCommandError(`command terminated with non-zero exit code: ${status.message ?? ''}`);
  }
  if (status.status !== 'Failure') throw new RemoteCommandError('error stream protocol error: unknown error');
  throw new RemoteCommandError(status.message ?? '');
}

function frame(channel: number, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([Buffer.from([channel]), data]);
}

/**
 * Runs one exec/attach session; resolves to the remote exit code. With several servers, one that cannot be
 * reached passes the session to the next before anything is sent.
 */
export function runRemoteCommand(o: RemoteCommandOptions): Promise<number> {
  return onFirstReachableServer(o.config, (config) => runOnServer({ ...o, config }));
}

function runOnServer(o: RemoteCommandOptions): Promise<number> {
  const config = o.config;
  const ws = new WebSocket(streamUrl(config, o.path, o.query), [streamProtocolV5], {
    headers: headersFor(config),
    ...(config.caData ? { ca: config.caData } : {}),
    ...(config.certData ? { cert: config.certData } : {}),
    ...(config.keyData ? { key: config.keyData } : {}),
    rejectUnauthorized: !config.insecureSkipTLSVerify,
    ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
    perMessageDeflate: false,
  });
  const decoders = { out: new StringDecoder('utf8'), err: new StringDecoder('utf8') };
  const errorChunks: Buffer[] = [];
  const cleanups: (() => void)[] = [];

  return new Promise<number>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      for (const c of cleanups) c();
      fn();
    };
    const onAbort = () => {
      ws.terminate();
      finish(() => reject(o.signal.reason instanceof Error ? o.signal.reason : new Error('aborted')));
    };
    o.signal.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => o.signal.removeEventListener('abort', onAbort));

    ws.on('unexpected-response', (_req, res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish(() => reject(errorFromResponse(res.statusCode ?? 0, Buffer.concat(chunks), res.headers['content-type']))));
    });
    ws.on('error', (e: Error) => finish(() => reject(e instanceof ApiError ? e : new ConnectionError(e.message, new URL(config.server).host, { cause: e }))));

    ws.on('open', () => {
      if (ws.protocol !== streamProtocolV5) {
        ws.close();
        finish(() => reject(new RemoteCommandError(`the server did not agree to the ${streamProtocolV5} protocol`)));
        return;
      }
      const size = o.size?.();
      if (size) ws.send(frame(channels.resize, JSON.stringify({ Width: size.width, Height: size.height })));
      if (o.onResize && o.size) {
        const sizeOf = o.size;
        cleanups.push(
          o.onResize(() => {
            const s = sizeOf();
            if (s && ws.readyState === WebSocket.OPEN) ws.send(frame(channels.resize, JSON.stringify({ Width: s.width, Height: s.height })));
          }),
        );
      }
      const stdin = o.stdin;
      if (stdin) {
        const onData = (chunk: Buffer | string) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(frame(channels.stdin, typeof chunk === 'string' ? chunk : Buffer.from(chunk)));
        };
        const onEnd = () => {
          if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.from([channels.close, channels.stdin]));
        };
        stdin.on('data', onData);
        stdin.once('end', onEnd);
        cleanups.push(() => {
          stdin.off('data', onData);
          stdin.off('end', onEnd);
          stdin.pause();
        });
        stdin.resume();
      }
    });

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const buf = isBinary ? data : Buffer.from(data);
      if (buf.length === 0) return;
      const payload = buf.subarray(1);
      switch (buf[0]) {
        case channels.stdout:
          if (o.stdoutBytes) o.stdoutBytes(Buffer.from(payload));
          else o.stdout.write(decoders.out.write(payload));
          break;
        case channels.stderr:
          o.stderr.write(decoders.err.write(payload));
          break;
        case channels.error:
          errorChunks.push(payload);
          break;
        default:
          break; // the server echoes nothing else to a client
      }
    });

    ws.on('close', () => {
      o.stdout.write(decoders.out.end());
      o.stderr.write(decoders.err.end());
      const text = Buffer.concat(errorChunks).toString('utf8').trim();
      let status: ApiStatus | undefined;
      if (text) {
        try {
          const parsed: unknown = JSON.parse(text);
          if (isApiStatus(parsed) || (typeof parsed === 'object' && parsed !== null && 'status' in parsed)) status = parsed as ApiStatus;
        } catch {
          finish(() => reject(new RemoteCommandError(`error executing remote command: ${text}`)));
          return;
        }
      }
      try {
        const code = exitCodeOf(status);
        finish(() => resolve(code));
      } catch (e) {
        finish(() => reject(e));
      }
    });
  });
}
