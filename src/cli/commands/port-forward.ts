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
  short: 'Forward one or more local ports to a pod',
  long: 'Forward one or more local ports to a pod.\n\n Use resource type/name such as deployment/mydeployment to select a pod. Resource type defaults to \'pod\' if omitted.\n\n If there are multiple pods matching the criteria, a pod will be selected automatically. The forwarding session ends when the selected pod terminates, and a rerun of the command is needed to resume forwarding.',
  examples: [
    '  # Listen on ports 5000 and 6000 locally, forwarding data to/from ports 5000 and 6000 in the pod',
    '  kubectl port-forward pod/mypod 5000 6000',
    '  ',
    '  # Listen on port 8888 locally, forwarding to 5000 in the pod',
    '  kubectl port-forward pod/mypod 8888:5000',
    '  ',
    '  # Listen on a random port locally, forwarding to 5000 in the pod',
    '  kubectl port-forward pod/mypod :5000',
  ].join('\n'),
  usage: 'port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]',
  flags: [
    { name: 'address', kind: 'string', default: 'localhost', usage: 'Addresses to listen on (comma separated). Only accepts IP addresses or localhost as a value. When localhost is supplied, kubectl will try to bind on both 127.0.0.1 and ::1 and will fail if neither of these addresses are available to bind.' },
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
