// `npm run bench -- aggregation [--rounds 5] [--ops 300]`: what the aggregation proxy costs, in-process.
//   A GET of one object of an aggregated API through the whole pipeline (authentication, authorization, proxy to
//   an HTTPS extension server with the front-proxy certificate) against the same GET sent straight to that server
//   over HTTPS with a keep-alive agent (the baseline), and a GET of a local ConfigMap for scale; medians of the
//   per-round medians, and the ratio proxied / direct.
import { Agent, request } from 'node:https';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createApiServer, type ApiServer } from '../src/apiserver/api-server.js';
import type { Authenticator, Authorizer } from '../src/auth/types.js';
import { createMemoryStorage } from '../src/storage/memory.js';
import { median } from './lib/stats.js';
import { makeCerts, startTestBackend } from '../test/unit/apiserver/aggregator/test-backend.js';

const { values: flags } = parseArgs({ options: { rounds: { type: 'string' }, ops: { type: 'string' } }, strict: true });
const rounds = Number(flags.rounds ?? 5);
const ops = Number(flags.ops ?? 300);

const allow: Authorizer = { authorize: async () => ({ decision: 'allow', reason: '' }) };
const admin: Authenticator = { authenticate: async () => ({ kind: 'ok', user: { name: 'admin', groups: ['system:masters', 'system:authenticated'] } }) };

async function drain(api: ApiServer, method: string, url: string, body?: unknown): Promise<number> {
  const r = await api.handle({ method, url, headers: { 'content-type': 'application/json', accept: 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (r.body && typeof r.body !== 'string' && !(r.body instanceof Uint8Array)) for await (const _ of r.body) { /* read it all */ }
  return r.status;
}

async function main(): Promise<void> {
  const certs = await makeCerts();
  const backend = await startTestBackend(certs);
  const api = await createApiServer({ storage: createMemoryStorage(), authenticator: admin, authorizer: allow, aggregator: { proxyClient: certs.frontProxyClient, checkIntervalMs: 600_000 } });
  try {
    await drain(api, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    await drain(api, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'b' } });
    await drain(api, 'POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { type: 'ExternalName', externalName: '127.0.0.1' } });
    await drain(api, 'POST', '/apis/apiregistration.k8s.io/v1/apiservices', { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1alpha1.wardle.example.com' }, spec: { group: 'wardle.example.com', version: 'v1alpha1', groupPriorityMinimum: 1000, versionPriority: 15, service: { namespace: 'default', name: 'api', port: backend.port }, caBundle: backend.caBundle } });
    const path = '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders/one';
    for (let i = 0; i < 400 && (await drain(api, 'GET', path)) !== 200; i++) await new Promise((r) => setTimeout(r, 25));

    const agent = new Agent({ keepAlive: true, ca: certs.ca.cert, cert: certs.frontProxyClient.cert, key: certs.frontProxyClient.key });
    const direct = () => new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: backend.port, servername: 'api.default.svc', agent, path, headers: { 'x-remote-user': 'admin', accept: 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end();
    });
    const time = async (f: () => Promise<unknown>) => {
      const samples: number[] = [];
      for (let i = 0; i < ops; i++) {
        const t0 = performance.now();
        await f();
        samples.push(performance.now() - t0);
      }
      return median(samples);
    };
    const proxied: number[] = [];
    const straight: number[] = [];
    const local: number[] = [];
    for (let round = 0; round < rounds; round++) {
      straight.push(await time(direct));
      proxied.push(await time(async () => {
        const status = await drain(api, 'GET', path);
        if (status !== 200) throw new Error(`proxied GET answered ${status}`);
      }));
      local.push(await time(async () => {
        const status = await drain(api, 'GET', '/api/v1/namespaces/default/configmaps/cm');
        if (status !== 200) throw new Error(`local GET answered ${status}`);
      }));
    }
    const m = (xs: number[]) => median(xs).toFixed(3);
    process.stdout.write(`aggregation, medians of ${rounds} rounds × ${ops} GETs (ms):\n`);
    process.stdout.write(`  direct to the extension server (baseline)   ${m(straight)}\n`);
    process.stdout.write(`  through the API server's proxy              ${m(proxied)}\n`);
    process.stdout.write(`  local ConfigMap GET (same pipeline)         ${m(local)}\n`);
    process.stdout.write(`  proxied / direct                            ${(median(proxied) / median(straight)).toFixed(2)}×\n`);
    agent.destroy();
  } finally {
    await api.close();
    await backend.close();
  }
}

await main();
