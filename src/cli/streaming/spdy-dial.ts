// Opens an upgraded SPDY/3.1 connection to the API server with the client's credentials (port-forward's
// portforward.k8s.io protocol), and reads the server's answer: 101 and the connection, or the error it sent.
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ClientConfig } from '../../client/config-types.js';
import { ConnectionError, errorFromResponse } from '../../client/api-error.js';
import { headersFor } from './request-headers.js';
import { onFirstReachableServer } from '../../client/server-fail-over.js';

export interface Upgraded {
  socket: Socket;
  /** Bytes that followed the 101 answer. */
  rest: Buffer;
  protocol: string;
}

/** Dials the first of the config's servers that can be reached (see onFirstReachableServer). */
export function dialSpdy(config: ClientConfig, path: string, protocols: string[], signal: AbortSignal): Promise<Upgraded> {
  return onFirstReachableServer(config, (one) => dialOne(one, path, protocols, signal));
}

function dialOne(config: ClientConfig, path: string, protocols: string[], signal: AbortSignal): Promise<Upgraded> {
  const base = new URL(config.server);
  const secure = base.protocol === 'https:';
  const host = base.hostname.replace(/^\[|\]$/g, '');
  const port = Number(base.port || (secure ? 443 : 80));
  return new Promise((resolve, reject) => {
    const socket: Socket = secure
      ? tlsConnect({
          host,
          port,
          ...(config.caData ? { ca: config.caData } : {}),
          ...(config.certData ? { cert: config.certData } : {}),
          ...(config.keyData ? { key: config.keyData } : {}),
          rejectUnauthorized: !config.insecureSkipTLSVerify,
          servername: config.tlsServerName ?? (/^[\d.]+$|:/.test(host) ? '' : host),
          ALPNProtocols: ['http/1.1'],
        })
      : tcpConnect(port, host);
    const onAbort = () => socket.destroy(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (e) => reject(new ConnectionError(e.message, base.host, { cause: e })));
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      const lines = [`POST ${base.pathname.replace(/\/+$/, '')}${path} HTTP/1.1`, `Host: ${base.host}`, 'Connection: Upgrade', 'Upgrade: SPDY/3.1', ...protocols.map((p) => `X-Stream-Protocol-Version: ${p}`), 'Content-Length: 0'];
      for (const [k, v] of Object.entries(headersFor(config))) for (const one of Array.isArray(v) ? v : [v]) if (!/[\r\n]/.test(k + one)) lines.push(`${k}: ${one}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    let head: Buffer = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      head = Buffer.concat([head, c]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      signal.removeEventListener('abort', onAbort);
      const text = head.subarray(0, end).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      if (status === 101) {
        socket.pause();
        const protocol = /\r\nx-stream-protocol-version:\s*([^\r\n]*)/i.exec(text)?.[1]?.trim() ?? '';
        resolve({ socket, rest: head.subarray(end + 4), protocol });
        return;
      }
      const type = /\r\ncontent-type:\s*([^\r\n]*)/i.exec(text)?.[1];
      const chunks = [head.subarray(end + 4)];
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('close', () => reject(errorFromResponse(status, Buffer.concat(chunks), type)));
      socket.resume();
    };
    socket.on('data', onData);
  });
}
