// `port-forward TYPE/NAME [LOCAL_PORT:]REMOTE_PORT...`: local ports forwarded to a pod's ports through the API
// server (pods/portforward, SPDY portforward.k8s.io).
import { isRecord, type KubeObject } from '../../api/object.js';
import { resourcePath } from '../../client/paths.js';
import type { Command } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { forwardPorts, type PortPair } from '../streaming/port-forward.js';
import { podFor } from './pod-for.js';

/** A pod's container port by name, or the number itself. */
function containerPort(pod: KubeObject, port: string): number | undefined {
  if (/^\d+$/.test(port)) return Number(port);
  const spec = isRecord(pod.spec) ? pod.spec : {};
  for (const c of Array.isArray(spec.containers) ? spec.containers.filter(isRecord) : []) {
    for (const p of Array.isArray(c.ports) ? c.ports.filter(isRecord) : []) if (p.name === port && typeof p.containerPort === 'number') return p.containerPort;
  }
  return undefined;
}

/** For svc/NAME the remote port is the Service's port, translated to its target port. */
async function servicePort(service: KubeObject | undefined, remote: string): Promise<string> {
  if (!service) return remote;
  const ports = isRecord(service.spec) && Array.isArray(service.spec.ports) ? service.spec.ports.filter(isRecord) : [];
  const p = ports.find((x) => String(x.port) === remote || x.name === remote);
  if (!p) throw new CliError(`Service ${service.metadata.name ?? ''} does not have a service port ${remote}`);
  return p.targetPort === undefined ? String(p.port) : String(p.targetPort);
}

export function parsePortSpec(spec: string): { local: string; remote: string } {
  const parts = spec.split(':');
  if (parts.length > 2) throw new CliError(`invalid port format '${spec}'`);
  const [a, b] = parts;
  if (parts.length === 1) return { local: a ?? '', remote: a ?? '' };
  return { local: a === '' ? '0' : (a ?? '0'), remote: b ?? '' };
}

export const command: Command = {
  name: 'port-forward',
  short: 'Relay local TCP ports to ports of a pod',
  long: 'Listen on local TCP ports and relay each connection, through the API server, to a port of a running pod.\n\n TYPE/NAME may name a pod directly (TYPE defaults to pod) or an object with a pod selector, such as deploy/web or svc/web, in which case one of its pods is chosen; for a Service, the remote port is read as a Service port and mapped to its target port. Ports may be numbers or container port names; LOCAL_PORT:REMOTE_PORT listens on a different local port, and :REMOTE_PORT on one the system picks.\n\n The command runs until interrupted or until the pod goes away; it does not follow the workload to another pod.',
  examples: [
    '  # Relay local ports 8080 and 9090 to the same ports of pod "web-0"',
    '  a-kubectl port-forward pod/web-0 8080 9090',
    '  ',
    '  # Reach port 5432 of a pod of Deployment "db" on local port 15432',
    '  a-kubectl port-forward deploy/db 15432:5432',
    '  ',
    '  # Reach Service "web" port 80 on a local port the system picks',
    '  a-kubectl port-forward svc/web :80',
    '  ',
    '  # Listen on every local interface, not only loopback',
    '  a-kubectl port-forward pod/web-0 8080 --address 0.0.0.0',
  ].join('\n'),
  usage: 'port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]',
  flags: [
    { name: 'address', kind: 'string', default: 'localhost', usage: 'Comma-separated local IP addresses to listen on; localhost means 127.0.0.1, and ::1 too where the machine has it.' },
  ],
  async run(ctx, args) {
    const [target, ...specs] = args.positionals;
    if (!target || specs.length === 0) throw new UsageError('TYPE/NAME and list of ports are required for port-forward', ctx.path);
    const { namespace } = await ctx.factory.namespace();
    const client = await ctx.factory.client();
    let service: KubeObject | undefined;
    const slash = target.indexOf('/');
    const kind = slash < 0 ? 'pod' : target.slice(0, slash).toLowerCase();
    if (['svc', 'service', 'services'].includes(kind)) service = await client.get<KubeObject>(resourcePath({ group: '', version: 'v1', resource: 'services', namespace, name: target.slice(slash + 1) }));
    const pod = await podFor(ctx, target, namespace);
    const phase = isRecord(pod.status) ? pod.status.phase : undefined;
    if (phase !== 'Running') throw new CliError(`unable to forward port because pod is not running. Current status=${String(phase ?? '')}`);
    const ports: PortPair[] = [];
    for (const spec of specs) {
      const { local, remote } = parsePortSpec(spec);
      const named = await servicePort(service, remote);
      const r = containerPort(pod, named);
      if (r === undefined || r < 1 || r > 65535) throw new CliError(`Pod '${pod.metadata.name ?? ''}' does not have a named port '${named}'`);
      const l = Number(local === remote ? String(r) : local);
      if (!Number.isInteger(l) || l < 0 || l > 65535) throw new CliError(`Error parsing local port '${local}': invalid syntax`);
      ports.push({ local: l, remote: r });
    }
    const addresses = args.flags
      .string('address')
      .split(',')
      .map((a) => a.trim())
      .flatMap((a) => (a === 'localhost' ? ['127.0.0.1', '::1'] : [a]));
    try {
      await forwardPorts({
        config: client.config,
        path: resourcePath({ group: '', version: 'v1', resource: 'pods', namespace: pod.metadata.namespace ?? namespace, name: pod.metadata.name ?? '', subresource: 'portforward' }),
        ports,
        addresses,
        out: ctx.io.stdout,
        err: ctx.io.stderr,
        signal: ctx.factory.signal,
      });
    } catch (e) {
      if (e instanceof Error && e.message === 'lost connection to pod') throw new CliError('lost connection to pod');
      throw e;
    }
  },
};
