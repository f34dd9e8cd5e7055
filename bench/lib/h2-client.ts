// A pool of HTTP/2 sessions to one server, with flow-control windows like Go's HTTP/2 transport (what kubectl uses),
// so large LIST responses are not throttled by Node's 64 KiB default window.
import { connect, constants, type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';

export interface TlsClientOptions {
  ca: string;
  cert?: string;
  key?: string;
}

export interface H2Request {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer;
}

export interface H2Response {
  status: number;
  bytes: number;
  /** The body, only when asked for (keepBody) or when the status was not the expected one (first 2 KiB). */
  body?: Buffer;
}

export interface H2Pool {
  readonly size: number;
  /** Sessions that have ended (closed or reset by the server, or failed). */
  endedSessions(): number;
  /**
   * One request. `readBytesPerSecond` makes a slow reader: after each chunk the stream is paused for as long as that
   * chunk takes at the rate, so the server meets HTTP/2 flow control once the window is full.
   */
  request(req: H2Request, opts?: { keepBody?: boolean; session?: number; readBytesPerSecond?: number }): Promise<H2Response>;
  /** A long-lived stream (a watch): calls onData for each chunk until the stream ends or the pool closes. */
  stream(req: H2Request, onData: (chunk: Buffer) => void, opts?: { session?: number }): Promise<OpenStream>;
  close(): void;
}

export interface OpenStream {
  status: number;
  /** Settles when the server ends the stream. */
  ended: Promise<void>;
  cancel(): void;
}

const goStreamWindow = 4 << 20;
const goConnectionWindow = 1 << 30;
const errorSampleBytes = 2048;

function openSession(url: string, tls: TlsClientOptions): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(url, {
      ca: tls.ca,
      ...(tls.cert ? { cert: tls.cert } : {}),
      ...(tls.key ? { key: tls.key } : {}),
      settings: { initialWindowSize: goStreamWindow, enablePush: false },
      maxSessionMemory: 1024,
    });
    session.once('error', reject);
    session.once('connect', () => {
      session.off('error', reject);
      session.on('error', () => {});
      session.setLocalWindowSize(goConnectionWindow);
      resolve(session);
    });
  });
}

function requestHeaders(req: H2Request): OutgoingHttpHeaders {
  return {
    [constants.HTTP2_HEADER_METHOD]: req.method,
    [constants.HTTP2_HEADER_PATH]: req.path,
    ...(req.body ? { 'content-length': String(req.body.byteLength) } : {}),
    ...req.headers,
  };
}

export async function openH2Pool(url: string, tls: TlsClientOptions, sessions: number): Promise<H2Pool> {
  const pool: ClientHttp2Session[] = [];
  try {
    for (let i = 0; i < sessions; i++) pool.push(await openSession(url, tls));
  } catch (e) {
    for (const s of pool) s.destroy();
    throw e;
  }
  let next = 0;
  const pick = (index: number | undefined): ClientHttp2Session => {
    const i = index ?? next++;
    const session = pool[i % pool.length];
    if (!session) throw new Error('the HTTP/2 pool is empty');
    return session;
  };

  return {
    size: pool.length,
    endedSessions: () => pool.filter((s) => s.closed || s.destroyed).length,
    request(req, opts) {
      return new Promise<H2Response>((resolve, reject) => {
        const stream = pick(opts?.session).request(requestHeaders(req), { endStream: !req.body });
        let status = 0;
        let bytes = 0;
        const chunks: Buffer[] = [];
        let kept = 0;
        stream.on('response', (headers) => {
          status = Number(headers[constants.HTTP2_HEADER_STATUS]);
        });
        stream.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (opts?.keepBody || kept < errorSampleBytes) {
            chunks.push(chunk);
            kept += chunk.length;
          }
          const rate = opts?.readBytesPerSecond;
          if (rate !== undefined && rate > 0) {
            stream.pause();
            setTimeout(() => stream.resume(), (chunk.length / rate) * 1000);
          }
        });
        stream.on('end', () => {
          const res: H2Response = { status, bytes };
          if (opts?.keepBody) res.body = Buffer.concat(chunks);
          else if (status >= 300) res.body = Buffer.concat(chunks).subarray(0, errorSampleBytes);
          resolve(res);
        });
        stream.on('error', reject);
        if (req.body) stream.end(req.body);
      });
    },
    stream(req, onData, opts) {
      return new Promise<OpenStream>((resolve, reject) => {
        const stream = pick(opts?.session).request(requestHeaders(req), { endStream: !req.body });
        const ended = new Promise<void>((done) => {
          stream.on('close', done);
        });
        stream.on('error', reject);
        stream.on('data', onData);
        stream.on('response', (headers) => {
          resolve({ status: Number(headers[constants.HTTP2_HEADER_STATUS]), ended, cancel: () => stream.close(constants.NGHTTP2_CANCEL) });
        });
        if (req.body) stream.end(req.body);
      });
    },
    close() {
      for (const s of pool) s.close();
    },
  };
}
