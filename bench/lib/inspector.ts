// A benchmark's view into a Node process it started with `--inspect=127.0.0.1:PORT`, through Node's own inspector
// protocol (no endpoint of the server under test): force a full garbage collection and read the process's memory
// split (V8 heap, memory outside it). Only for processes the benchmark started itself, on loopback.
import { createServer } from 'node:net';
import WebSocket from 'ws';

/** A free loopback port for `--inspect=127.0.0.1:PORT` (asked of the kernel, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** process.memoryUsage() of the inspected process, in bytes. */
export interface MemorySplit {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface Inspector {
  /** A full, compacting collection (HeapProfiler.collectGarbage), awaited. */
  collectGarbage(): Promise<void>;
  memory(): Promise<MemorySplit>;
  close(): void;
}

interface Reply {
  id?: number;
  result?: { result?: { value?: unknown } };
  error?: { message?: string };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function asSplit(v: unknown): MemorySplit {
  if (!isRecord(v)) throw new Error('inspector: memoryUsage gave no object');
  const n = (k: keyof MemorySplit): number => {
    const x = v[k];
    if (typeof x !== 'number') throw new Error(`inspector: memoryUsage has no ${k}`);
    return x;
  };
  return { rss: n('rss'), heapTotal: n('heapTotal'), heapUsed: n('heapUsed'), external: n('external'), arrayBuffers: n('arrayBuffers') };
}

/** Connects to the first target of the inspector on 127.0.0.1:port, retrying while it starts (up to 10 s). */
export async function openInspector(port: number): Promise<Inspector> {
  let url: string | undefined;
  for (let i = 0; i < 100 && url === undefined; i++) {
    try {
      const list: unknown = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
      const first: unknown = Array.isArray(list) ? list[0] : undefined;
      if (isRecord(first) && typeof first.webSocketDebuggerUrl === 'string') url = first.webSocketDebuggerUrl;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (url === undefined) throw new Error(`inspector: nothing listens on 127.0.0.1:${port}`);
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let next = 1;
  const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  ws.on('message', (data: Buffer) => {
    const r = JSON.parse(data.toString('utf8')) as Reply;
    if (r.id === undefined) return;
    const w = waiting.get(r.id);
    waiting.delete(r.id);
    if (r.error) w?.reject(new Error(`inspector: ${r.error.message ?? 'error'}`));
    else w?.resolve(r);
  });
  ws.on('close', () => {
    for (const w of waiting.values()) w.reject(new Error('inspector: connection closed'));
    waiting.clear();
  });
  const call = (method: string, params: object = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    async collectGarbage() {
      await call('HeapProfiler.collectGarbage');
    },
    async memory() {
      const r = await call('Runtime.evaluate', { expression: 'process.memoryUsage()', returnByValue: true });
      return asSplit(r.result?.result?.value);
    },
    close: () => ws.close(),
  };
}
