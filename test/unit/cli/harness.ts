// Runs a-kubectl in-process against the real API server (TLS, memory storage, one token user).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Authenticator, Authorizer } from '../../../src/auth/types.js';
import { startApiServer, type RunningApiServer } from '../../../src/apiserver/server.js';
import { createCertificateAuthority, issueCertificate } from '../../../src/pki/certs.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { runCli } from '../../../src/cli/main.js';

const authenticator: Authenticator = {
  async authenticate(req) {
    const h = req.headers['authorization'];
    if (h === undefined) return { kind: 'skip' };
    return h === 'Bearer test-token' ? { kind: 'ok', user: { name: 'tester', groups: ['system:masters'] } } : { kind: 'fail', reason: 'bad token' };
  },
};
const allowAll: Authorizer = { authorize: async () => ({ decision: 'allow', reason: '' }) };

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliHarness {
  dir: string;
  kubeconfig: string;
  server: RunningApiServer;
  run(args: string[], opts?: { stdin?: string; env?: Record<string, string>; signal?: AbortSignal; onStdout?: (all: string) => void }): Promise<CliResult>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<CliHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'akube-cli-'));
  const ca = await createCertificateAuthority('test-ca');
  const serving = await issueCertificate(ca, { commonName: 'apiserver', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], usage: 'server', validDays: 1 });
  writeFileSync(join(dir, 'ca.crt'), ca.cert);
  const server = await startApiServer({ storage: createMemoryStorage(), tls: { cert: serving.cert, key: serving.key, clientCA: ca.cert }, authenticator, authorizer: allowAll, host: '127.0.0.1', port: 0 });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: local',
      '  cluster:',
      `    server: ${server.url}`,
      '    certificate-authority: ca.crt',
      'contexts:',
      '- name: admin',
      '  context:',
      '    cluster: local',
      '    user: admin',
      'current-context: admin',
      'users:',
      '- name: admin',
      '  user:',
      '    token: test-token',
      '',
    ].join('\n'),
  );
  return {
    dir,
    kubeconfig,
    server,
    async run(args, opts = {}) {
      let stdout = '';
      let stderr = '';
      const code = await runCli(['--kubeconfig', kubeconfig, ...args], {
        io: {
          stdin: Readable.from([opts.stdin ?? '']),
          stdout: { write: (s: string) => { stdout += s; opts.onStdout?.(stdout); } },
          stderr: { write: (s: string) => (stderr += s) },
          stdoutIsTTY: false,
        },
        env: { HOME: dir, ...opts.env },
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      return { code, stdout, stderr };
    },
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
