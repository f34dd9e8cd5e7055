// A small fake API server for a-kubectl command tests: real discovery documents from the catalog,
// routes answered by the test, every request recorded; plus runA() to run a-kubectl against it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { apiGroupList, apiResourceList, apiVersions } from '../../../src/api/discovery.js';
import { runCli } from '../../../src/cli/main.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  json(): unknown;
}

export interface Reply {
  status?: number;
  body?: unknown;
  contentType?: string;
  /** Lines of a watch stream (each JSON-encoded on its own line), written then the stream ends. */
  stream?: unknown[];
}

export type Route = (req: RecordedRequest) => Reply | undefined | Promise<Reply | undefined>;

export interface FakeCluster {
  url: string;
  /** For tests that answer upgrades (exec) themselves. */
  server: Server;
  requests: RecordedRequest[];
  /** Requests other than discovery. */
  calls(): RecordedRequest[];
  /** Routes are tried newest first; the first that answers wins. */
  on(method: string, path: string | RegExp, reply: Reply | ((req: RecordedRequest) => Reply | Promise<Reply>)): void;
  close(): Promise<void>;
}

export function status(code: number, reason: string, message: string, details?: Record<string, unknown>): Reply {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code } };
}

export function notFound(resource: string, name: string, group = ''): Reply {
  const qualified = group ? `${resource}.${group}` : resource;
  return status(404, 'NotFound', `${qualified} "${name}" not found`, { name, kind: resource, ...(group ? { group } : {}) });
}

function discovery(req: RecordedRequest, url: string): Reply | undefined {
  if (req.method !== 'GET') return undefined;
  if (req.path === '/api') return { body: apiVersions(url) };
  if (req.path === '/apis') return { body: apiGroupList() };
  const core = /^\/api\/([^/]+)$/.exec(req.path);
  if (core) {
    const list = apiResourceList('', core[1] ?? '');
    return list ? { body: list } : undefined;
  }
  const group = /^\/apis\/([^/]+)\/([^/]+)$/.exec(req.path);
  if (group) {
    const list = apiResourceList(group[1] ?? '', group[2] ?? '');
    return list ? { body: list } : undefined;
  }
  return undefined;
}

export function isDiscovery(r: RecordedRequest): boolean {
  return r.path === '/api' || r.path === '/apis' || /^\/api\/[^/]+$/.test(r.path) || /^\/apis\/[^/]+\/[^/]+$/.test(r.path);
}

export async function startFakeCluster(): Promise<FakeCluster> {
  const requests: RecordedRequest[] = [];
  const routes: Route[] = [];
  let url = '';
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const body = Buffer.concat(chunks).toString('utf8');
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body, json: () => JSON.parse(body) as unknown };
      requests.push(rec);
      void answer(rec, res);
    });
  });
  async function answer(rec: RecordedRequest, res: ServerResponse): Promise<void> {
    let reply: Reply | undefined;
    for (const route of [...routes].reverse()) {
      reply = await route(rec);
      if (reply) break;
    }
    reply ??= discovery(rec, url) ?? status(404, 'NotFound', 'the server could not find the requested resource');
    if (reply.stream) {
      res.writeHead(reply.status ?? 200, { 'Content-Type': 'application/json' });
      for (const line of reply.stream) res.write(`${JSON.stringify(line)}\n`);
      res.end();
      return;
    }
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
    res.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? 'application/json' });
    res.end(text);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    requests,
    calls: () => requests.filter((r) => !isDiscovery(r)),
    on(method, path, reply) {
      routes.push((req) => {
        if (req.method !== method) return undefined;
        if (typeof path === 'string' ? req.path !== path : !path.test(req.path)) return undefined;
        return typeof reply === 'function' ? reply(req) : reply;
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a-kubectl with --server pointing at the fake cluster and an empty HOME. */
export async function runA(cluster: { url: string } | undefined, argv: string[], opts: { stdin?: NodeJS.ReadableStream; tty?: boolean } = {}): Promise<CliRun> {
  const home = mkdtempSync(join(tmpdir(), 'akubectl-home-'));
  let stdout = '';
  let stderr = '';
  try {
    const code = await runCli([...(cluster ? ['--server', cluster.url] : []), ...argv], {
      io: {
        stdin: opts.stdin ?? process.stdin,
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: (s: string) => (stderr += s) },
        stdoutIsTTY: opts.tty ?? false,
      },
      env: { HOME: home },
      home,
    });
    return { code, stdout, stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
