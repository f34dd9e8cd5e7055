// `npm run bench -- encryption [--ops N] [--size BYTES] [--rounds N]`: what encryption at rest costs a Secret's
// writes and reads. Through the in-process API server on a fresh SQLite database each: N secret creates, N updates
// (one changed key each) and N point reads straight from storage (what an update reads first), with no encryption
// (the baseline) and with each provider, KMS v2 included (a plugin in this process on a unix socket, answering over
// gRPC; seed mode, so the plugin is called once, not per write). Modes alternate within a round; figures are medians
// over rounds, and the ratios compare each provider with the baseline of the same run.
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createApiServer } from '../src/apiserver/api-server.js';
import type { ApiRequest } from '../src/apiserver/types.js';
import { encryptionConfigFrom, kmsProviders } from '../src/storage/encryption/config.js';
import { openKmsPlugins } from '../src/storage/encryption/kms/provider.js';
import { encryptingStorage } from '../src/storage/encryption/storage.js';
import { transformerLookup } from '../src/storage/encryption/transformers.js';
import { openSqliteStorage } from '../src/storage/sqlite.js';
import type { Storage } from '../src/storage/types.js';
import { TestPlugin } from '../test/support/kms-plugin.js';
import { median } from './lib/stats.js';
import { fmt, fmtRatio, formatTable } from './lib/table.js';

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '500' },
    size: { type: 'string', default: '2048' },
    rounds: { type: 'string', default: '3' },
  },
});
const ops = Number(values.ops);
const size = Number(values.size);
const rounds = Number(values.rounds);
if (![ops, size, rounds].every((n) => Number.isInteger(n) && n > 0)) throw new Error('usage: encryption [--ops N] [--size BYTES] [--rounds N]');

const key = randomBytes(32).toString('base64');
const modes: Record<string, unknown[] | undefined> = {
  none: undefined,
  aescbc: [{ aescbc: { keys: [{ name: 'k', secret: key }] } }],
  aesgcm: [{ aesgcm: { keys: [{ name: 'k', secret: key }] } }],
  secretbox: [{ secretbox: { keys: [{ name: 'k', secret: key }] } }],
  'kms v2': [{ kms: { apiVersion: 'v2', name: 'bench', endpoint: 'unix://KMS_SOCKET', timeout: '3s' } }],
};

interface Result {
  creates: number;
  updates: number;
  reads: number;
}

const json = (method: string, url: string, body: unknown): ApiRequest => ({
  method,
  url,
  headers: { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' },
  body: JSON.stringify(body),
});
const payload = randomBytes(Math.ceil((size * 3) / 4)).toString('base64').slice(0, size);

async function run(dir: string, mode: string, n: number): Promise<Result> {
  const sqlite = openSqliteStorage(join(dir, `${mode}-${n}.db`));
  const providers = JSON.parse(JSON.stringify(modes[mode] ?? null).replace('KMS_SOCKET', kmsSocket)) as unknown[] | null;
  const config = providers ? encryptionConfigFrom({ apiVersion: 'apiserver.config.k8s.io/v1', kind: 'EncryptionConfiguration', resources: [{ resources: ['secrets'], providers }] }) : undefined;
  const kms = config ? await openKmsPlugins(kmsProviders(config)) : undefined;
  const storage: Storage = config ? encryptingStorage(sqlite, transformerLookup(config, kms?.plugins), kms?.close) : sqlite;
  const api = await createApiServer({ storage, authenticator: { authenticate: async () => ({ kind: 'skip' }) }, authorizer: { authorize: async () => ({ decision: 'allow', reason: '' }) } });
  try {
    const ns = await api.dispatch(json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }));
    if (ns.status !== 201) throw new Error(`namespace: ${ns.status}`);
    const perSecond = async (step: (i: number) => Promise<void>) => {
      const t0 = performance.now();
      for (let i = 0; i < ops; i++) await step(i);
      return ops / ((performance.now() - t0) / 1000);
    };
    const creates = await perSecond(async (i) => {
      const r = await api.dispatch(json('POST', '/api/v1/namespaces/bench/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: `s-${i}` }, data: { payload } }));
      if (r.status !== 201) throw new Error(`create: ${r.status} ${String(r.body)}`);
    });
    const updates = await perSecond(async (i) => {
      const r = await api.dispatch(json('PATCH', `/api/v1/namespaces/bench/secrets/s-${i}`, { data: { extra: 'dXBkYXRlZA==' } }));
      if (r.status !== 200) throw new Error(`update: ${r.status} ${String(r.body)}`);
    });
    const reads = await perSecond(async (i) => {
      const kv = await storage.get(`/registry/core/secrets/bench/s-${i}`);
      if (!kv || !kv.value.startsWith('{')) throw new Error('read: no plain value');
    });
    return { creates, updates, reads };
  } finally {
    await api.close();
    await storage.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'akube-bench-enc-'));
const kmsSocket = join(dir, 'kms.sock');
const plugin = new TestPlugin();
await plugin.listen(kmsSocket);
try {
  const results: Record<string, Result[]> = Object.fromEntries(Object.keys(modes).map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) for (const mode of Object.keys(modes)) results[mode]!.push(await run(dir, mode, r));
  const med = (mode: string, f: keyof Result) => median(results[mode]!.map((x) => x[f]));
  const rows = Object.keys(modes).map((mode) => [
    mode,
    fmt(med(mode, 'creates')),
    fmt(med(mode, 'updates')),
    fmt(med(mode, 'reads')),
    mode === 'none' ? '' : fmtRatio(med(mode, 'creates') / med('none', 'creates')),
    mode === 'none' ? '' : fmtRatio(med(mode, 'updates') / med('none', 'updates')),
    mode === 'none' ? '' : fmtRatio(med(mode, 'reads') / med('none', 'reads')),
  ]);
  process.stdout.write(`secrets of ${size} bytes of data, ${ops} each, medians of ${rounds} rounds (one client, durable SQLite)\n`);
  process.stdout.write(`${formatTable(['provider', 'creates/s', 'updates/s', 'storage reads/s', 'creates ÷ none', 'updates ÷ none', 'reads ÷ none'], rows)}\n`);
  process.stdout.write(`KMS plugin calls over all rounds: ${plugin.calls.Encrypt} Encrypt, ${plugin.calls.Decrypt} Decrypt, ${plugin.calls.Status} Status\n`);
} finally {
  plugin.stop();
  rmSync(dir, { recursive: true, force: true });
}
