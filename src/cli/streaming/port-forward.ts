// The client side of portforward.k8s.io over SPDY/3.1: one upgraded connection per session; for every local
// connection a pair of streams (error, then data) tagged with the remote port and a request id.
import { createServer, type Server, type Socket } from 'node:net';
import type { ClientConfig } from '../../client/config-types.js';
import { SpdyClientSession } from '../../streaming/spdy.js';
import { dialSpdy } from './spdy-dial.js';

export const portForwardProtocol = 'portforward.k8s.io';

export interface PortPair {
  local: number;
  remote: number;
}

export interface ForwardOptions {
  config: ClientConfig;
  /** e.g. /api/v1/namespaces/ns/pods/p/portforward */
  path: string;
  ports: PortPair[];
  /** Local addresses to listen on (kubectl's --address; "localhost" means 127.0.0.1 and ::1). */
  addresses: string[];
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
  signal: AbortSignal;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

/**
 * Forwards until the signal aborts or the connection to the pod is lost (then rejects). As kubectl does, an error
 * the pod's side reports for one connection (nothing listening on the port, say) ends the whole session: the error
 * is printed and the forward ends as a lost connection.
 */
export async function forwardPorts(o: ForwardOptions): Promise<void> {
  const upgraded = await dialSpdy(o.config, o.path, [portForwardProtocol], o.signal);
  const session = new SpdyClientSession(upgraded.socket, upgraded.rest);
  upgraded.socket.resume();
  let requestId = 0;
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  // Until the wait below begins, a loss is only noted.
  let lostEarly = false;
  let lost: () => void = () => {
    lostEarly = true;
  };

  const handle = (local: Socket, pair: PortPair) => {
    o.out.write(`Handling connection for ${pair.local}\n`);
    sockets.add(local);
    const id = String(requestId++);
    const error = session.openStream({ streamtype: 'error', port: String(pair.remote), requestid: id });
    error.end();
    const errorText: Buffer[] = [];
    error.onData = (d) => errorText.push(d);
    error.onEnd = () => {
      const text = Buffer.concat(errorText).toString('utf8').trim();
      if (!text) return;
      o.err.write(`error: an error occurred forwarding ${pair.local} -> ${pair.remote}: ${text}\n`);
      lost();
    };
    const data = session.openStream({ streamtype: 'data', port: String(pair.remote), requestid: id });
    data.onData = (d) => local.write(d);
    data.onEnd = () => local.end();
    local.on('data', (d: Buffer) => data.write(d));
    local.on('end', () => data.end());
    local.on('error', () => local.destroy());
    local.on('close', () => sockets.delete(local));
  };

  try {
    for (const pair of o.ports) {
      let bound = pair.local;
      for (const address of o.addresses) {
        const server = createServer((s) => handle(s, { local: bound, remote: pair.remote }));
        try {
          bound = await listen(server, bound, address);
        } catch (e) {
          // ::1 may be missing on this machine; one address is enough
          if (servers.length > 0 && address.includes(':')) continue;
          throw e;
        }
        servers.push(server);
        const shown = address.includes(':') ? `[${address}]` : address;
        o.out.write(`Forwarding from ${shown}:${bound} -> ${pair.remote}\n`);
      }
    }
    await new Promise<void>((resolve, reject) => {
      o.signal.addEventListener('abort', () => resolve(), { once: true });
      lost = () => reject(new Error('lost connection to pod'));
      session.onClose = lost;
      if (lostEarly) lost();
    });
  } finally {
    for (const s of servers) s.close();
    for (const s of sockets) s.destroy();
    session.close();
  }
}
