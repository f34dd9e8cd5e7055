// `a-kube console`: the web console for any cluster a kubeconfig names. The kubeconfig gives the server's address
// and CA only; people sign in with their own bearer token, which the console forwards on each of their requests.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { LogFileTimeline } from '../audit/index.js';
import { loadKubeconfig, resolveConfig } from '../client/kubeconfig.js';
import { createCertificateAuthority, issueCertificate } from '../pki/certs.js';
import { loadAssets } from './assets.js';
import { consolePrefix, createConsoleHandler } from './handler.js';
import { serveConsole } from './https.js';
import { httpUpstream } from './upstream.js';

export const consoleUsage = `Serve the web console for a cluster: an RBAC graph, an access matrix, "why" answers with their fix and the
audit timeline. People sign in with their own bearer token; every request the console makes for them carries that
token, so they see what RBAC lets them see. The kubeconfig's own credentials are never used.

Usage:
  a-kube console --kubeconfig FILE [options]

Options:
  --kubeconfig FILE       The cluster to show: its server address and CA (default: $KUBECONFIG, ~/.kube/config)
  --context NAME          The kubeconfig context to use (default: its current context)
  --listen ADDRESS        Address to listen on (default: 127.0.0.1)
  --port N                HTTPS port (default: 8443; 0 picks a free port)
  --tls-cert-file FILE    Serving certificate (PEM); without it a self-signed one is made at start
  --tls-private-key-file FILE
                          Its private key (PEM)
  --audit-log-path FILE   The cluster's audit log (JSON lines), followed live for the audit timeline; the console
                          must run where the API server writes it. Reading the timeline needs "get" on the
                          non-resource URL ${consolePrefix}api/audit
  -h, --help              Show this help

Examples:
  a-kube console --kubeconfig ~/.a-kube/admin.kubeconfig --port 8443
  a-kube console --kubeconfig prod.kubeconfig --audit-log-path /var/log/kubernetes/audit.log
`;

function fail(message: string): never {
  process.stderr.write(`a-kube console: ${message}\nRun 'a-kube console --help' for usage.\n`);
  process.exit(1);
}

export async function consoleCommand(args: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        listen: { type: 'string' },
        port: { type: 'string' },
        'tls-cert-file': { type: 'string' },
        'tls-private-key-file': { type: 'string' },
        'audit-log-path': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  if (values.help) {
    process.stdout.write(consoleUsage);
    return;
  }
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const port = Number(str('port') ?? '8443');
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --port "${str('port')}": use a number from 0 to 65535`);
  const listen = str('listen') ?? '127.0.0.1';
  const kubeconfigPath = str('kubeconfig');
  let cluster;
  try {
    cluster = resolveConfig(await loadKubeconfig({ ...(kubeconfigPath ? { explicitPath: kubeconfigPath } : {}), env: process.env }), { ...(str('context') ? { context: str('context') } : {}) }).client;
  } catch (e) {
    fail(`cannot read the kubeconfig: ${e instanceof Error ? e.message : String(e)}`);
  }
  const certFile = str('tls-cert-file');
  const keyFile = str('tls-private-key-file');
  if (Boolean(certFile) !== Boolean(keyFile)) fail('--tls-cert-file and --tls-private-key-file go together');
  let tls: { cert: string; key: string };
  if (certFile && keyFile) {
    try {
      tls = { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
    } catch (e) {
      fail(`cannot read the serving certificate: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else {
    const ca = await createCertificateAuthority('a-kube console (self-signed)', 30);
    const ip = /^[0-9.]+$|:/.test(listen) ? [listen] : [];
    tls = await issueCertificate(ca, { commonName: 'a-kube console', dnsNames: ['localhost', ...(ip.length ? [] : [listen])], ipAddresses: [...new Set(['127.0.0.1', ...ip])], usage: 'server', validDays: 30 });
    const der = Buffer.from(ca.cert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    process.stderr.write(`a-kube console: serving with a self-signed certificate; its CA's SHA-256 fingerprint is ${createHash('sha256').update(der).digest('hex').replace(/(..)(?!$)/g, '$1:')}\n`);
  }
  const audit = str('audit-log-path');
  const upstream = httpUpstream({ server: cluster.server, ...(cluster.caData ? { caData: cluster.caData } : {}), ...(cluster.insecureSkipTLSVerify ? { insecureSkipTLSVerify: true } : {}), ...(cluster.tlsServerName ? { tlsServerName: cluster.tlsServerName } : {}) });
  const assets = loadAssets();
  if (!assets.index) process.stderr.write('a-kube console: the browser bundle was not built; run "npm run build" in the a-kube checkout\n');
  const handler = createConsoleHandler({ upstream, assets, ...(audit ? { timeline: new LogFileTimeline(audit, { log: (l) => process.stderr.write(`a-kube console: ${l}\n`) }) } : {}) });
  const running = await serveConsole(handler, { host: listen, port, tls });
  const host = listen.includes(':') ? `[${listen}]` : listen;
  process.stdout.write(`a-kube console for ${cluster.server} at https://${host}:${running.port}${consolePrefix}\n`);
  const stop = () => {
    upstream.close();
    running.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
