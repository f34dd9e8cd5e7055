// Watch events, and the newline-delimited JSON stream they arrive in.
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import type { ApiStatus } from './api-error.js';
import { isApiStatus } from './api-error.js';
import { StringDecoder } from 'node:string_decoder';

export type WatchEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject }
  /** Only metadata.resourceVersion is meaningful. */
  | { type: 'BOOKMARK'; object: KubeObject }
  | { type: 'ERROR'; object: ApiStatus };

export class WatchDecodeError extends Error {
  override name = 'WatchDecodeError';
}

export function toWatchEvent(frame: unknown): WatchEvent {
  if (!isRecord(frame) || typeof frame.type !== 'string') throw new WatchDecodeError(`invalid watch frame: ${JSON.stringify(frame)}`);
  const object = frame.object;
  switch (frame.type) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED':
    case 'BOOKMARK':
      if (!isRecord(object) || !isRecord(object.metadata)) throw new WatchDecodeError(`watch event ${frame.type} without an object`);
      return { type: frame.type, object: object as KubeObject };
    case 'ERROR':
      if (!isApiStatus(object)) throw new WatchDecodeError('watch ERROR event without a Status');
      return { type: 'ERROR', object };
    default:
      throw new WatchDecodeError(`unknown watch event type ${JSON.stringify(frame.type)}`);
  }
}

/** Splits a byte stream into JSON frames (one per line; blank lines are skipped). */
export async function* decodeWatchStream(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<WatchEvent> {
  let pending = '';
  const utf8 = new StringDecoder('utf8'); // a character may straddle two chunks
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : utf8.write(chunk);
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) yield toWatchEvent(JSON.parse(line));
    }
  }
  const rest = pending.trim();
  if (rest) yield toWatchEvent(JSON.parse(rest));
}
