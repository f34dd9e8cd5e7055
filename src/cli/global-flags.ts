// The options every command accepts (`kubectl options`).
import type { FlagSpec, FlagValues } from './args.js';
import type { ConfigOverrides } from '../client/kubeconfig.js';

export const globalFlags: FlagSpec[] = [
  { name: 'as', kind: 'string', usage: 'Username to impersonate for the operation. User could be a regular user or a service account in a namespace.' },
  { name: 'as-group', kind: 'stringArray', usage: 'Group to impersonate for the operation, this flag can be repeated to specify multiple groups.' },
  { name: 'as-uid', kind: 'string', usage: 'UID to impersonate for the operation.' },
  { name: 'cache-dir', kind: 'string', default: '~/.a-kube/cache', usage: 'Default cache directory' },
  { name: 'certificate-authority', kind: 'string', usage: 'Path to a cert file for the certificate authority' },
  { name: 'client-certificate', kind: 'string', usage: 'Path to a client certificate file for TLS' },
  { name: 'client-key', kind: 'string', usage: 'Path to a client key file for TLS' },
  { name: 'cluster', kind: 'string', usage: 'The name of the kubeconfig cluster to use' },
  { name: 'context', kind: 'string', usage: 'The name of the kubeconfig context to use' },
  { name: 'disable-compression', kind: 'bool', usage: 'If true, opt-out of response compression for all requests to the server' },
  { name: 'insecure-skip-tls-verify', kind: 'bool', usage: "If true, the server's certificate will not be checked for validity. This will make your HTTPS connections insecure" },
  { name: 'kubeconfig', kind: 'string', usage: 'Path to the kubeconfig file to use for CLI requests.' },
  { name: 'match-server-version', kind: 'bool', usage: 'Require server version to match client version' },
  { name: 'namespace', short: 'n', kind: 'string', usage: 'If present, the namespace scope for this CLI request' },
  { name: 'password', kind: 'string', usage: 'Password for basic authentication to the API server' },
  { name: 'request-timeout', kind: 'string', default: '0', usage: "The length of time to wait before giving up on a single server request. Non-zero values should contain a corresponding time unit (e.g. 1s, 2m, 3h). A value of zero means don't timeout requests." },
  { name: 'server', short: 's', kind: 'string', usage: 'The address and port of the Kubernetes API server' },
  { name: 'tls-server-name', kind: 'string', usage: 'Server name to use for server certificate validation. If it is not provided, the hostname used to contact the server is used' },
  { name: 'token', kind: 'string', usage: 'Bearer token for authentication to the API server' },
  { name: 'user', kind: 'string', usage: 'The name of the kubeconfig user to use' },
  { name: 'username', kind: 'string', usage: 'Username for basic authentication to the API server' },
  { name: 'v', short: 'v', kind: 'int', default: 0, usage: 'number for the log level verbosity' },
  { name: 'help', short: 'h', kind: 'bool', usage: 'help for this command', hidden: true },
];

export function configOverrides(flags: FlagValues): ConfigOverrides {
  const o: ConfigOverrides = {};
  const s = (name: string) => (flags.has(name) ? flags.string(name) : undefined);
  const assign = <K extends keyof ConfigOverrides>(key: K, v: ConfigOverrides[K] | undefined) => {
    if (v !== undefined) o[key] = v;
  };
  assign('context', s('context'));
  assign('cluster', s('cluster'));
  assign('user', s('user'));
  assign('namespace', s('namespace'));
  assign('server', s('server'));
  assign('token', s('token'));
  assign('username', s('username'));
  assign('password', s('password'));
  assign('certificateAuthority', s('certificate-authority'));
  assign('clientCertificate', s('client-certificate'));
  assign('clientKey', s('client-key'));
  assign('tlsServerName', s('tls-server-name'));
  assign('as', s('as'));
  assign('asUid', s('as-uid'));
  assign('requestTimeout', s('request-timeout'));
  if (flags.has('insecure-skip-tls-verify')) o.insecureSkipTLSVerify = flags.bool('insecure-skip-tls-verify');
  if (flags.has('as-group')) o.asGroups = flags.list('as-group');
  return o;
}
