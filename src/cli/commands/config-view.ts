// `config view [--minify] [--raw] [-o …]`: the merged kubeconfig, secrets redacted unless --raw.
import { setOwn } from '../../api/own.js';
import type { Kubeconfig, NamedEntry } from '../../client/kubeconfig.js';
import type { KubeObject } from '../../api/object.js';
import type { Command } from '../command.js';
import type { FlagSpec } from '../args.js';
import { CliError } from '../errors.js';
import { outputFlags } from '../flag-sets.js';
import { printObjects } from '../output.js';

const dataSuffix = '-data';
const secretFields = new Set(['token', 'password']);

function redact(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.endsWith(dataSuffix) && typeof v === 'string' && v !== '') setOwn(out, k, 'DATA+OMITTED');
    else if (secretFields.has(k) && typeof v === 'string' && v !== '') setOwn(out, k, 'REDACTED');
    else setOwn(out, k, v);
  }
  return out;
}

export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeysDeep((v as Record<string, unknown>)[k])]));
  }
  return v;
}

export function viewConfig(kc: Kubeconfig, opts: { minify: boolean; raw: boolean; context?: string }): Record<string, unknown> {
  let contexts = [...kc.contexts.values()];
  let clusters = [...kc.clusters.values()];
  let users = [...kc.users.values()];
  let current = kc.currentContext;
  if (opts.minify) {
    current = opts.context ?? kc.currentContext;
    if (!current) throw new CliError('current-context must exist in order to minify');
    const ctx = kc.contexts.get(current);
    if (!ctx) throw new CliError(`cannot locate context ${current}`);
    contexts = [ctx];
    clusters = clusters.filter((c) => c.name === ctx.value.cluster);
    users = users.filter((u) => u.name === ctx.value.user);
  }
  const entry = (key: string) => (e: NamedEntry) => ({ name: e.name, [key]: opts.raw ? e.value : redact(e.value) });
  return {
    kind: 'Config',
    apiVersion: 'v1',
    preferences: kc.preferences,
    clusters: clusters.map(entry('cluster')),
    users: users.map(entry('user')),
    contexts: contexts.map(entry('context')),
    'current-context': current,
  };
}

export const command: Command = {
  name: 'view',
  short: 'Print the kubeconfig in effect (merged from all sources) or one given file',
  long: 'Print the kubeconfig a-kubectl uses (all sources merged) or, with --kubeconfig, one file. Certificate data, keys and tokens are hidden unless --raw is given.\n\n Use -o jsonpath=... to pick single values.',
  examples: [
    '  # Print the kubeconfig a-kubectl is using, secrets hidden',
    '  a-kubectl config view',
    '  ',
    '  # Print only the current context and what it uses, with its keys and tokens',
    '  a-kubectl config view --minify --raw',
    '  ',
    '  # Print the server URL of the current cluster',
    '  a-kubectl config view --minify -o jsonpath=\'{.clusters[0].cluster.server}\'',
  ].join('\n'),
  usage: 'config view [flags] [options]',
  flags: ([
    ...outputFlags(),
    { name: 'flatten', kind: 'bool', usage: 'Show certificate and key data in full, so the output can be used on its own.' },
    { name: 'merge', kind: 'bool', default: true, usage: 'Merge every kubeconfig on the search path into one view.' },
    { name: 'minify', kind: 'bool', usage: 'Keep only the current context and the cluster and user it uses.' },
    { name: 'raw', kind: 'bool', usage: 'Show certificate data, keys and tokens instead of hiding them.' },
  ] satisfies FlagSpec[]).map((f): FlagSpec => (f.name === 'output' ? { ...f, default: 'yaml' } : f)),
  async run(ctx, args) {
    const f = args.flags;
    const kc = await ctx.factory.kubeconfig();
    const view = viewConfig(kc, { minify: f.bool('minify'), raw: f.bool('raw') || f.bool('flatten'), ...(f.has('context') ? { context: f.string('context') } : {}) });
    const yaml = f.string('output') === 'yaml';
    await printObjects(ctx, f, [(yaml ? sortKeysDeep(view) : view) as KubeObject]);
  },
};
