// The options every command accepts (`kubectl options`).
import type { FlagSpec, FlagValues } from './args.js';
import type { ConfigOverrides } from '../client/kubeconfig.js';

export const globalFlags: FlagSpec[] = [
  { name: 'as', kind: 'string', usage: 'Act as this user (a user name or system:serviceaccount:NAMESPACE:NAME); needs impersonate permission.' },
  { name: 'as-group', kind: 'stringArray', usage: 'Act as a member of this group (repeatable); needs impersonate permission.' },
  { name: 'as-uid', kind: 'string', usage: 'UID to send along with --as.' },
  { name: 'cache-dir', kind: 'string', default: '~/.a-kube/cache', usage: 'Accepted for compatibility; a-kubectl keeps no cache on disk' },
  { name: 'certificate-authority', kind: 'string', usage: 'PEM file of the CA that signed the API server\'s certificate' },
  { name: 'client-certificate', kind: 'string', usage: 'PEM file of the client certificate to log in with' },
  { name: 'client-key', kind: 'string', usage: 'PEM file of the client certificate\'s private key' },
  { name: 'cluster', kind: 'string', usage: 'Kubeconfig cluster entry to use' },
  { name: 'context', kind: 'string', usage: 'Kubeconfig context to use instead of the current one' },
  { name: 'disable-compression', kind: 'bool', usage: 'Ask the server not to compress its responses' },
  { name: 'insecure-skip-tls-verify', kind: 'bool', usage: "Accept any server certificate without checking it (unsafe: anyone in between can read and change the traffic)" },
  { name: 'kubeconfig', kind: 'string', usage: 'Kubeconfig file to read instead of $KUBECONFIG or ~/.kube/config.' },
  { name: 'match-server-version', kind: 'bool', usage: 'Fail when the server\'s version differs from a-kubectl\'s' },
  { name: 'namespace', short: 'n', kind: 'string', usage: 'Namespace to work in instead of the context\'s' },
  { name: 'password', kind: 'string', usage: 'Password for HTTP basic authentication' },
  { name: 'request-timeout', kind: 'string', default: '0', usage: "Give up on any single request to the server after this long (e.g. 30s, 2m; a bare number means seconds); 0 never gives up." },
  { name: 'server', short: 's', kind: 'stringArray', usage: 'URL of the API server, e.g. https://127.0.0.1:6443; given several times, the servers of one cluster, each tried in turn when the one in use cannot be reached' },
  { name: 'tls-server-name', kind: 'string', usage: 'Name the server\'s certificate must carry, when it differs from the host in the server URL' },
  { name: 'token', kind: 'string', usage: 'Bearer token to log in with' },
  { name: 'user', kind: 'string', usage: 'Kubeconfig user entry to use' },
  { name: 'username', kind: 'string', usage: 'User name for HTTP basic authentication' },
  { name: 'v', short: 'v', kind: 'int', default: 0, usage: 'Log verbosity (accepted for compatibility; it does not change the output)' },
  { name: 'help', short: 'h', kind: 'bool', usage: 'Show help for this command', hidden: true },
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
  const servers = flags.has('server') ? flags.list('server') : [];
  if (servers.length > 0) {
    o.server = servers[0] as string;
    if (servers.length > 1) o.fallbackServers = servers.slice(1);
  }
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
