// `logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]`: GET pods/NAME/log, streamed as it arrives.
import { StringDecoder } from 'node:string_decoder';
import type { KubeObject } from '../../api/object.js';
import { resourcePath } from '../../client/paths.js';
import type { Query } from '../../client/paths.js';
import type { FlagValues } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { openStream } from '../streaming/http-stream.js';
import { durationFlag } from './go-duration.js';
import { chooseContainer, containerNamesOf, podFor } from './pod-for.js';

export function logQuery(f: FlagValues, container: string, selectorGiven: boolean): Record<string, string | number | boolean | undefined> {
  const sinceMs = durationFlag(f.string('since'), 'since');
  if (sinceMs !== 0 && f.string('since-time')) throw new CliError('at most one of `sinceTime` or `sinceSeconds` may be specified');
  const tail = f.int('tail');
  const tailLines = tail !== -1 ? tail : selectorGiven ? 10 : undefined;
  return {
    container,
    follow: f.bool('follow') || undefined,
    previous: f.bool('previous') || undefined,
    sinceSeconds: sinceMs > 0 ? Math.ceil(sinceMs / 1000) : undefined,
    sinceTime: f.string('since-time') || undefined,
    timestamps: f.bool('timestamps') || undefined,
    tailLines,
    limitBytes: f.int('limit-bytes') > 0 ? f.int('limit-bytes') : undefined,
    insecureSkipTLSVerifyBackend: f.bool('insecure-skip-tls-verify-backend') || undefined,
  };
}

/** Copies one container's log to stdout, each line prefixed when asked. */
async function streamLog(ctx: CommandContext, pod: KubeObject, query: Query, prefix: string): Promise<void> {
  const client = await ctx.factory.client();
  const path = resourcePath({ group: '', version: 'v1', resource: 'pods', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', subresource: 'log' });
  const res = await openStream(client.config, path, query, ctx.factory.signal);
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const emit = (text: string) => {
    if (!prefix) {
      ctx.io.stdout.write(text);
      return;
    }
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) ctx.io.stdout.write(`${prefix}${l}\n`);
  };
  try {
    for await (const chunk of res) emit(decoder.write(chunk as Buffer));
  } catch (e) {
    if (!ctx.factory.signal.aborted) throw e;
  }
  emit(decoder.end());
  if (prefix && pending) ctx.io.stdout.write(`${prefix}${pending}\n`);
}

export const command: Command = {
  name: 'logs',
  short: 'Show the output a container has written',
  long: 'Print what a container has written to stdout and stderr. Name a pod, or TYPE/NAME of a workload to read one of its pods; -c chooses the container when the pod has several.',
  examples: [
    '  # Print what pod api-0 has written so far',
    '  a-kubectl logs api-0',
    '  ',
    '  # The same from every container of the pod, each line marked with its source',
    '  a-kubectl logs api-0 --all-containers --prefix',
    '  ',
    '  # The last 50 lines of container "proxy", then follow new ones',
    '  a-kubectl logs api-0 -c proxy --tail=50 -f',
    '  ',
    '  # What the container wrote before its last restart',
    '  a-kubectl logs api-0 --previous',
    '  ',
    '  # Lines of the past 15 minutes, with their times',
    '  a-kubectl logs api-0 --since=15m --timestamps',
    '  ',
    '  # All pods labelled app=api (10 lines each unless --tail is given)',
    '  a-kubectl logs -l app=api',
    '  ',
    '  # A pod of Deployment "api"',
    '  a-kubectl logs deployment/api',
  ].join('\n'),
  usage: 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [options]',
  flags: [
    { name: 'all-containers', kind: 'bool', usage: "Show the logs of every container (init containers included) of each pod." },
    { name: 'container', short: 'c', kind: 'string', usage: 'Container whose logs to show' },
    { name: 'follow', short: 'f', kind: 'bool', usage: 'Keep the stream open and print new lines as they are written.' },
    { name: 'insecure-skip-tls-verify-backend', kind: 'bool', usage: 'Let the API server accept the node agent\'s serving certificate without checking it (for expired node certificates; the logs could then be forged).' },
    { name: 'limit-bytes', kind: 'int', usage: 'Stop after this many bytes (no limit by default).' },
    { name: 'prefix', kind: 'bool', usage: 'Start each line with [pod/NAME/CONTAINER] to show where it came from' },
    { name: 'previous', short: 'p', kind: 'bool', usage: 'Show the logs of the container\'s previous run (before its last restart).' },
    { name: 'selector', short: 'l', kind: 'string', usage: "Label selector choosing the pods, e.g. -l app=api,tier!=canary (=, == and !=; all parts must match)." },
    { name: 'since', kind: 'string', default: '0s', usage: 'Only lines written within this long ago (e.g. 30s, 5m, 2h); not together with --since-time.' },
    { name: 'since-time', kind: 'string', usage: 'Only lines written after this RFC 3339 time; not together with --since.' },
    { name: 'tail', kind: 'int', default: -1, usage: 'Show only the last N lines; -1 (default) means all lines, or 10 per container when a selector is used.' },
    { name: 'timestamps', kind: 'bool', usage: 'Start each line with the time it was written' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const selector = f.string('selector');
    const [target, legacyContainer, ...extra] = args.positionals;
    if (extra.length > 0 || (selector && target)) throw new UsageError("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command", ctx.path);
    if (!target && !selector) throw new UsageError("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command", ctx.path);
    if (legacyContainer && f.string('container')) throw new CliError('only one of -c or an inline [CONTAINER] arg is allowed');
    const requested = f.string('container') || legacyContainer || '';
    const { namespace } = await ctx.factory.namespace();
    let pods: KubeObject[];
    if (target) pods = [await podFor(ctx, target, namespace, (n, p) => ctx.io.stderr.write(`Found ${n} pods, using pod/${p.metadata.name ?? ''}\n`))];
    else {
      const client = await ctx.factory.client();
      pods = (await client.list(resourcePath({ group: '', version: 'v1', resource: 'pods', namespace }), { query: { labelSelector: selector }, signal: ctx.factory.signal })).items;
      if (pods.length === 0) {
        ctx.io.stderr.write(`No resources found in ${namespace} namespace.\n`);
        return;
      }
    }
    const jobs: Promise<void>[] = [];
    for (const pod of pods) {
      let containers: string[];
      if (f.bool('all-containers')) containers = [...containerNamesOf(pod, 'initContainers'), ...containerNamesOf(pod, 'containers')];
      else {
        const choice = chooseContainer(pod, requested);
        // kubectl looks the container up in the pod before asking the server
        const known = [...containerNamesOf(pod), ...containerNamesOf(pod, 'initContainers'), ...containerNamesOf(pod, 'ephemeralContainers')];
        if (!known.includes(choice.name)) throw new CliError(`container ${choice.name} is not valid for pod ${pod.metadata.name ?? ''}`);
        if (choice.notice && !selector) ctx.io.stderr.write(choice.notice);
        containers = [choice.name];
      }
      for (const c of containers) {
        const prefix = f.bool('prefix') ? `[pod/${pod.metadata.name ?? ''}/${c}] ` : '';
        const job = streamLog(ctx, pod, logQuery(f, c, selector !== ''), prefix);
        // followed logs run side by side; snapshots one after another, in order
        if (f.bool('follow')) jobs.push(job);
        else await job;
      }
    }
    await Promise.all(jobs);
  },
};
