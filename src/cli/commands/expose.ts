// `expose (TYPE NAME | TYPE/NAME) [--port] [--target-port] …`: a Service selecting what a deployment, replica set,
// replication controller, pod or service selects, on its ports (kubectl/pkg/cmd/expose, generate/versioned/service).
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { resourcePath } from '../../client/paths.js';
import type { FlagValues } from '../args.js';
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { dryRunFlag, dryRunOf, fieldManagerFlag, filenameFlags, outputFlags } from '../flag-sets.js';
import { printResult } from '../output.js';
import { containersOf, podSpecOf } from './pod-templates.js';
import { applyOverrides, parseLabelSpec } from './run-objects.js';
import { resolveTargets, targetPath } from './targets.js';

interface ServicePort {
  name?: string;
  port: number;
  protocol: string;
  targetPort: number | string;
}

/** The selector a Service can use: matchLabels only (a plain map for pods' labels and services). */
export function selectorFor(obj: KubeObject): Record<string, string> {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const strings = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]));
  switch (obj.kind) {
    case 'Pod':
      return strings(obj.metadata.labels ?? {});
    case 'Service':
    case 'ReplicationController':
      return isRecord(spec.selector) ? strings(spec.selector) : {};
    default: {
      const sel = isRecord(spec.selector) ? spec.selector : {};
      if (Array.isArray(sel.matchExpressions) && sel.matchExpressions.length > 0) throw new CliError(`couldn't convert expressions - ${JSON.stringify(sel.matchExpressions)} to map selector`);
      return isRecord(sel.matchLabels) ? strings(sel.matchLabels) : {};
    }
  }
}

/** The ports the exposed object declares: a service's ports, or its pods' container ports. */
export function portsOf(obj: KubeObject): { port: number; protocol: string }[] {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  if (obj.kind === 'Service') {
    return (Array.isArray(spec.ports) ? spec.ports.filter(isRecord) : []).map((p) => ({ port: Number(p.port), protocol: typeof p.protocol === 'string' ? p.protocol : 'TCP' }));
  }
  const podSpec = podSpecOf(obj);
  if (!podSpec) return [];
  return containersOf(podSpec, 'containers').flatMap((c) =>
    (Array.isArray(c.ports) ? c.ports.filter(isRecord) : []).map((p) => ({ port: Number(p.containerPort), protocol: typeof p.protocol === 'string' ? p.protocol : 'TCP' })),
  );
}

function parsePortNumber(text: string): number {
  if (!/^\d+$/.test(text)) throw new CliError(`invalid port: ${text}`);
  return Number(text);
}

export function generateService(obj: KubeObject, f: FlagValues): KubeObject {
  const selector = f.string('selector') ? parseLabelSpec(f.string('selector')) : selectorFor(obj);
  if (Object.keys(selector).length === 0) throw new CliError("couldn't retrieve selectors via --selector flag or introspection");
  const protocolFlag = f.string('protocol');
  const targetPortFlag = f.string('target-port');
  const target = (port: number): number | string => (targetPortFlag ? (/^\d+$/.test(targetPortFlag) ? Number(targetPortFlag) : targetPortFlag) : port);
  let ports: ServicePort[];
  if (f.string('port')) {
    ports = f.string('port').split(',').map((p) => ({ port: parsePortNumber(p), protocol: protocolFlag || 'TCP', targetPort: 0 }));
  } else {
    ports = portsOf(obj).map((p) => ({ port: p.port, protocol: protocolFlag || p.protocol, targetPort: 0 }));
    if (ports.length === 0) throw new CliError("couldn't find port via --port flag or introspection");
  }
  ports = ports.map((p, i) => ({ ...(ports.length > 1 ? { name: `port-${i + 1}` } : {}), port: p.port, protocol: p.protocol, targetPort: target(p.port) }));
  const labels = f.string('labels') ? parseLabelSpec(f.string('labels')) : obj.metadata.labels;
  const spec: Record<string, unknown> = { ports, selector };
  if (f.string('cluster-ip')) spec.clusterIP = f.string('cluster-ip');
  if (f.string('type')) spec.type = f.string('type');
  if (f.string('external-ip')) spec.externalIPs = [f.string('external-ip')];
  if (f.string('load-balancer-ip')) spec.loadBalancerIP = f.string('load-balancer-ip');
  if (f.string('session-affinity')) spec.sessionAffinity = f.string('session-affinity');
  return {
    kind: 'Service',
    apiVersion: 'v1',
    metadata: { name: f.string('name') || (obj.metadata.name ?? ''), ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}), creationTimestamp: null, ...(labels && Object.keys(labels).length > 0 ? { labels } : {}) },
    spec,
    status: { loadBalancer: {} },
  };
}

export const command: Command = {
  name: 'expose',
  short: 'Create a Service that sends traffic to the pods of a workload, service or pod',
  long: 'Create a Service for an existing Deployment, ReplicaSet, ReplicationController, Service or Pod.\n\n The new Service selects the same pods as the exposed object (its selector must be plain matchLabels) and takes its ports unless --port is given; without --labels it copies the object\'s labels.\n\n Types accepted (any case): pod (po), service (svc), replicationcontroller (rc), deployment (deploy), replicaset (rs)',
  examples: [
    '  # Give Deployment "shop" a Service on port 80 that sends to its pods\' port 8080',
    '  a-kubectl expose deployment shop --port=80 --target-port=8080',
    '  ',
    '  # Expose pod debug-0 on port 9000 under the name debug-svc',
    '  a-kubectl expose pod debug-0 --port=9000 --name=debug-svc',
    '  ',
    '  # Make a UDP Service reachable on every node',
    '  a-kubectl expose deployment dns-cache --port=53 --protocol=UDP --type=NodePort',
  ].join('\n'),
  usage: 'expose (-f FILENAME | TYPE NAME) [--port=port] [--protocol=TCP|UDP|SCTP] [--target-port=number-or-name] [--name=name] [--external-ip=external-ip-of-service] [--type=type] [options]',
  flags: [
    ...outputFlags(),
    ...filenameFlags('with the object to expose'),
    dryRunFlag,
    fieldManagerFlag('kubectl-expose'),
    { name: 'cluster-ip', kind: 'string', usage: "Cluster IP for the Service: empty lets the cluster pick one, None makes a headless Service." },
    { name: 'external-ip', kind: 'string', usage: 'An extra address the Service also answers on, when traffic for it reaches a node.' },
    { name: 'labels', short: 'l', kind: 'string', usage: 'Labels to set on the new Service.' },
    { name: 'load-balancer-ip', kind: 'string', usage: 'Address to ask for when the type is LoadBalancer; empty lets the provider choose.' },
    { name: 'name', kind: 'string', usage: 'Name of the new object (default: the exposed object\'s name).' },
    { name: 'override-type', kind: 'string', default: 'merge', usage: 'The method used to override the generated object: json, merge, or strategic.' },
    { name: 'overrides', kind: 'string', usage: 'JSON merged over the generated object before it is sent; it must carry a valid apiVersion.' },
    { name: 'port', kind: 'string', usage: 'Port the Service listens on; without it, taken from the exposed object\'s ports.' },
    { name: 'protocol', kind: 'string', usage: "TCP (default), UDP or SCTP." },
    { name: 'selector', kind: 'string', usage: 'Pod selector of the Service (key=value pairs only); without it, taken from the exposed object.' },
    { name: 'session-affinity', kind: 'string', usage: "Session affinity of the Service: None or ClientIP (keeps each client on one pod)." },
    { name: 'target-port', kind: 'string', usage: 'Container port (number or name) traffic is sent to; defaults to --port.' },
    { name: 'type', kind: 'string', usage: "Service type: ClusterIP (default), NodePort, LoadBalancer or ExternalName." },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const dryRun = dryRunOf(f, ctx.io.stderr);
    const targets = await resolveTargets(ctx, f, args.positionals, 'expose');
    const client = await ctx.factory.client();
    const signal = ctx.factory.signal;
    for (const t of targets) {
      const obj = await client.get(targetPath(t), { signal });
      if (!['Pod', 'Service', 'ReplicationController', 'Deployment', 'ReplicaSet'].includes(obj.kind ?? t.mapping.kind)) {
        throw new CliError(`cannot expose a ${t.mapping.kind}${t.mapping.group ? `.${t.mapping.group}` : ''}`);
      }
      let service = generateService(obj, f);
      if (f.string('overrides')) service = applyOverrides(service, f.string('overrides'), f.string('override-type'), await import('../../api/patch/index.js'));
      if (dryRun !== 'client') {
        const namespace = service.metadata.namespace ?? t.namespace ?? (await ctx.factory.namespace()).namespace;
        service = await client.create(resourcePath({ group: '', version: 'v1', resource: 'services', namespace }), service, {
          query: { fieldManager: f.string('field-manager'), dryRun: dryRun === 'server' ? 'All' : undefined },
          signal,
        });
      }
      await printResult(ctx, f, service, 'service', 'exposed', dryRun);
    }
  },
};
