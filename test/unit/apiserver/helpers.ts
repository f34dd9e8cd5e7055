// Shared set-up for in-process API server tests: memory storage, allow-all authorizer, a token authenticator.
import type { Authenticator, Authorizer } from '../../../src/auth/types.js';
import { createApiServer, type ApiServer } from '../../../src/apiserver/api-server.js';
import type { ApiResponse, HeaderMap } from '../../../src/apiserver/types.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';

export const allowAll: Authorizer = { authorize: async () => ({ decision: 'allow', reason: '' }) };

export const testAuthenticator: Authenticator = {
  async authenticate(req) {
    const h = req.headers['authorization'];
    if (h === undefined) return { kind: 'skip' };
    return h === 'Bearer test-token' ? { kind: 'ok', user: { name: 'tester', groups: ['system:masters'] } } : { kind: 'fail', reason: 'bad token' };
  },
};

export interface Reply {
  status: number;
  headers: Record<string, string | string[]>;
  text: string;
  json: () => Record<string, unknown>;
}

export async function collect(r: ApiResponse): Promise<Reply> {
  let text = '';
  if (typeof r.body === 'string') text = r.body;
  else if (r.body instanceof Uint8Array) text = Buffer.from(r.body).toString('utf8');
  else if (r.body) for await (const c of r.body) text += typeof c === "string" ? c : Buffer.from(c).toString("utf8");
  return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

export interface TestServer {
  api: ApiServer;
  call(method: string, url: string, body?: unknown, headers?: HeaderMap): Promise<Reply>;
  raw(method: string, url: string, body?: string | Uint8Array, headers?: HeaderMap): Promise<ApiResponse>;
  close(): Promise<void>;
}

export async function testServer(opts: { now?: () => Date; bookmarkIntervalMs?: number } = {}): Promise<TestServer> {
  const api = await createApiServer({
    storage: createMemoryStorage(),
    authenticator: testAuthenticator,
    authorizer: allowAll,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.bookmarkIntervalMs ? { watch: { bookmarkIntervalMs: opts.bookmarkIntervalMs } } : {}),
  });
  const raw = (method: string, url: string, body?: string | Uint8Array, headers: HeaderMap = {}) =>
    api.handle({ method, url, headers: { authorization: 'Bearer test-token', ...headers }, ...(body !== undefined ? { body } : {}) });
  return {
    api,
    raw,
    async call(method, url, body, headers = {}) {
      const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const h: HeaderMap = { ...(text !== undefined && !headers['content-type'] ? { 'content-type': 'application/json' } : {}), ...headers };
      return collect(await raw(method, url, text, h));
    },
    close: () => api.close(),
  };
}
