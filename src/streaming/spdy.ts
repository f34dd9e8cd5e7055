// The client side of a SPDY/3.1 session, as much as Kubernetes' streaming protocols need: open streams with
// headers, send data, half-close, receive data, answer pings. Header blocks are sent as zlib "stored" blocks (no
// compression, no dictionary: a valid zlib stream that any SPDY peer inflates); the peer's header blocks are never
// needed here, so they are skipped unread.
import type { Duplex } from 'node:stream';

const version = 3;
const frameType = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goaway: 7, headers: 8, windowUpdate: 9 } as const;
const flagFin = 0x01;
/** Frames larger than this mean a broken peer (the length field allows 16 MiB; Kubernetes sends at most 32 KiB of data). */
const maxFrame = 1024 * 1024;
const maxData = 32 * 1024;

export interface SpdyStream {
  id: number;
  write(data: Buffer): void;
  /** Half-closes our side (DATA with FIN). */
  end(): void;
  onData?: (data: Buffer) => void;
  /** The peer finished its side, or reset the stream. */
  onEnd?: () => void;
}

/** zlib framing of header blocks: the 2-byte header once, then per header block its bytes as stored (uncompressed) deflate blocks. */
class StoredZlib {
  #started = false;
  encode(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.#started) {
      parts.push(Buffer.from([0x78, 0x01]));
      this.#started = true;
    }
    for (let off = 0; off < block.length || off === 0; off += 0xffff) {
      const chunk = block.subarray(off, off + 0xffff);
      const head = Buffer.alloc(5);
      head[0] = 0x00; // BFINAL 0, BTYPE 00 (stored)
      head.writeUInt16LE(chunk.length, 1);
      head.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(head, chunk);
      if (block.length === 0) break;
    }
    // then an empty stored block, as a zlib sync flush ends: inflaters hand out what they hold when they reach it
    parts.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(parts);
  }
}

export function headerBlock(headers: Record<string, string>): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  n.writeUInt32BE(entries.length);
  parts.push(n);
  for (const [k, v] of entries) {
    for (const s of [k.toLowerCase(), v]) {
      const b = Buffer.from(s, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      parts.push(len, b);
    }
  }
  return Buffer.concat(parts);
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | version, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([head, payload]);
}

function dataFrame(streamId: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([head, payload]);
}

/** A SPDY/3.1 client session on a connection that has already been upgraded. */
export class SpdyClientSession {
  readonly #socket: Duplex;
  readonly #zlib = new StoredZlib();
  readonly #streams = new Map<number, SpdyStream>();
  #nextId = 1;
  #buffer: Buffer = Buffer.alloc(0);
  #closed = false;
  onClose?: () => void;

  constructor(socket: Duplex, initial?: Buffer) {
    this.#socket = socket;
    socket.on('data', (c: Buffer) => this.#receive(c));
    socket.on('close', () => this.#shutdown());
    socket.on('error', () => socket.destroy());
    if (initial && initial.length > 0) this.#receive(initial);
  }

  openStream(headers: Record<string, string>): SpdyStream {
    const id = this.#nextId;
    this.#nextId += 2;
    const payload = Buffer.concat([Buffer.alloc(10), this.#zlib.encode(headerBlock(headers))]);
    payload.writeUInt32BE(id, 0); // associated-to stream 0, priority 0, slot 0
    this.#send(controlFrame(frameType.synStream, 0, payload));
    const stream: SpdyStream = {
      id,
      write: (data) => {
        for (let off = 0; off < data.length; off += maxData) this.#send(dataFrame(id, 0, data.subarray(off, off + maxData)));
      },
      end: () => this.#send(dataFrame(id, flagFin, Buffer.alloc(0))),
    };
    this.#streams.set(id, stream);
    return stream;
  }

  close(): void {
    this.#socket.destroy();
  }

  #send(frame: Buffer): void {
    if (!this.#closed && !this.#socket.destroyed) this.#socket.write(frame);
  }

  #shutdown(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#streams.values()) s.onEnd?.();
    this.#streams.clear();
    this.onClose?.();
  }

  #receive(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 8) {
      const length = this.#buffer.readUInt32BE(4) & 0xffffff;
      if (length > maxFrame) {
        this.close();
        return;
      }
      if (this.#buffer.length < 8 + length) return;
      const frame = this.#buffer.subarray(0, 8 + length);
      this.#buffer = this.#buffer.subarray(8 + length);
      this.#frame(frame);
    }
  }

  #frame(f: Buffer): void {
    const flags = f[4] ?? 0;
    const payload = f.subarray(8);
    if ((f[0] ?? 0) & 0x80) {
      const type = f.readUInt16BE(2);
      switch (type) {
        case frameType.ping:
          this.#send(controlFrame(frameType.ping, 0, payload));
          return;
        case frameType.rstStream: {
          const id = payload.length >= 4 ? payload.readUInt32BE(0) & 0x7fffffff : 0;
          const s = this.#streams.get(id);
          this.#streams.delete(id);
          s?.onEnd?.();
          return;
        }
        case frameType.synReply:
        case frameType.headers: {
          const id = payload.length >= 4 ? payload.readUInt32BE(0) & 0x7fffffff : 0;
          if (flags & flagFin) this.#peerFinished(id);
          return;
        }
        case frameType.goaway:
          this.close();
          return;
        default:
          return; // SETTINGS, WINDOW_UPDATE, SYN_STREAM from the server: nothing to do for these protocols
      }
    }
    const id = f.readUInt32BE(0) & 0x7fffffff;
    const s = this.#streams.get(id);
    // No WINDOW_UPDATE is sent back: Kubernetes' SPDY servers (spdystream) do not hold data back for it, and a
    // server that closes its connection with such frames still unread makes its kernel reset the connection,
    // which throws away whatever of the output this side has not read yet.
    if (payload.length > 0) s?.onData?.(Buffer.from(payload));
    if (flags & flagFin) this.#peerFinished(id);
  }

  #peerFinished(id: number): void {
    const s = this.#streams.get(id);
    if (!s) return;
    this.#streams.delete(id);
    s.onEnd?.();
  }
}
