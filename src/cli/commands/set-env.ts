// `set env RESOURCE/NAME KEY=VAL … KEY-` (and `-e`, `--list`, `-c`, `--overwrite`) on pod templates.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import type { FlagValues } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { CliError } from '../errors.js';
import { containersOf, podSpecOf } from './pod-templates.js';
import { runSetCommand, setFlags } from './set-common.js';
import { resolveTargets, targetPath } from './targets.js';

const envName = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const isRemoval = (a: string) => !a.includes('=') && a.endsWith('-') && a.length > 1;

export interface EnvChanges {
  set: { name: string; value: string }[];
  remove: string[];
}

export function parseEnvArgs(items: readonly string[]): EnvChanges {
  const changes: EnvChanges = { set: [], remove: [] };
  for (const item of items) {
    if (isRemoval(item)) {
      changes.remove.push(item.slice(0, -1));
      continue;
    }
    const eq = item.indexOf('=');
    if (eq < 0) throw new CliError(`environment variables must be of the form key=value and can only contain letters, numbers, and underscores`);
    const name = item.slice(0, eq);
    if (!envName.test(name)) {
      throw new CliError(
        `${JSON.stringify(name)} is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`,
      );
    }
    changes.set.push({ name, value: item.slice(eq + 1) });
  }
  return changes;
}

/** Go's filepath.Match for container names: `*` and `?`. */
export function globMatches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}

function selectedContainers(obj: KubeObject, pattern: string): Record<string, unknown>[] {
  const spec = podSpecOf(obj);
  if (!spec) return [];
  return [...containersOf(spec, 'initContainers'), ...containersOf(spec, 'containers')].filter((c) => globMatches(pattern, String(c.name ?? '')));
}

function envOf(c: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(c.env) ? c.env.filter(isRecord) : [];
}

/** Applies the changes to the selected containers of `obj`; `where` names it in the overwrite error. */
export function applyEnv(obj: KubeObject, pattern: string, changes: EnvChanges, overwrite: boolean, where: string): Record<string, unknown>[] {
  const containers = selectedContainers(obj, pattern);
  for (const c of containers) {
    let env = envOf(c).filter((e) => !changes.remove.includes(String(e.name)));
    for (const s of changes.set) {
      const existing = env.find((e) => e.name === s.name);
      if (existing) {
        if (!overwrite && existing.value !== s.value) throw new CliError(`${where} '${s.name}' already has a value (${String(existing.value ?? '')}), and --overwrite is false`);
        existing.value = s.value;
        delete existing.valueFrom;
      } else env = [...env, { name: s.name, value: s.value }];
    }
    if (env.length > 0) c.env = env;
    else delete c.env;
  }
  return containers;
}

function describeEnv(e: Record<string, unknown>): string {
  const name = String(e.name ?? '');
  if (!isRecord(e.valueFrom)) return `${name}=${String(e.value ?? '')}`;
  const from = e.valueFrom;
  if (isRecord(from.secretKeyRef)) return `# ${name} from secret ${String(from.secretKeyRef.name ?? '')}, key ${String(from.secretKeyRef.key ?? '')}`;
  if (isRecord(from.configMapKeyRef)) return `# ${name} from configmap ${String(from.configMapKeyRef.name ?? '')}, key ${String(from.configMapKeyRef.key ?? '')}`;
  if (isRecord(from.fieldRef)) return `# ${name} from field path ${String(from.fieldRef.fieldPath ?? '')}`;
  if (isRecord(from.resourceFieldRef)) return `# ${name} from resource ${String(from.resourceFieldRef.resource ?? '')}`;
  return `# ${name} from an unknown source`;
}

async function listEnv(ctx: CommandContext, flags: FlagValues, resourceArgs: string[], pattern: string): Promise<void> {
  const client = await ctx.factory.client();
  for (const t of await resolveTargets(ctx, flags, resourceArgs, 'set', { selectorAllowed: true })) {
    const obj = await client.get(targetPath(t), { signal: ctx.factory.signal });
    for (const c of selectedContainers(obj, pattern)) {
      ctx.io.stdout.write(`# ${obj.kind ?? t.mapping.kind} ${t.name}, container ${String(c.name ?? '')}\n`);
      for (const e of envOf(c)) ctx.io.stdout.write(`${describeEnv(e)}\n`);
    }
  }
}

export const command: Command = {
  name: 'env',
  short: 'Add, change or remove environment variables in pod templates',
  long: 'Add, change, remove or list environment variables of containers in pods and pod templates.\n\n --containers narrows the change to matching container names (wildcards allowed); NAME=value sets a variable, NAME- removes it, --list prints them.\n\n Types accepted (any case):\n\n        pod (po), replicationcontroller (rc), deployment (deploy), daemonset (ds), statefulset (sts), cronjob (cj), replicaset (rs)',
  examples: [
    '  # Set LOG_LEVEL=debug in the containers of Deployment "api"',
    '  a-kubectl set env deployment/api LOG_LEVEL=debug',
    '  ',
    '  # Show the variables its containers have',
    '  a-kubectl set env deployment/api --list',
    '  ',
    '  # Remove LOG_LEVEL from the "proxy" container of every Deployment',
    '  a-kubectl set env deployments --all --containers=proxy LOG_LEVEL-',
    '  ',
    '  # Print the changed object as YAML without storing it',
    '  a-kubectl set env deployment/api LOG_LEVEL=info --dry-run=client -o yaml',
  ].join('\n'),
  usage: 'set env RESOURCE/NAME KEY_1=VAL_1 ... KEY_N=VAL_N [options]',
  flags: [
    ...setFlags(),
    { name: 'containers', short: 'c', kind: 'string', default: '*', usage: 'Containers to change, by name; * and other shell-style wildcards are allowed' },
    { name: 'env', short: 'e', kind: 'stringArray', usage: 'Variable to set in each chosen container, as NAME=value (repeatable).' },
    { name: 'list', kind: 'bool', usage: 'Print the containers\' environment instead of changing it.' },
    { name: 'overwrite', kind: 'bool', default: true, usage: 'Allow changing variables that are already set; false refuses such changes.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const isEnvArg = (a: string) => a.includes('=') || isRemoval(a);
    const resourceArgs = args.positionals.filter((a) => !isEnvArg(a));
    const changes = parseEnvArgs([...args.positionals.filter(isEnvArg), ...f.list('env')]);
    const pattern = f.string('containers');
    if (f.bool('list')) {
      await listEnv(ctx, f, resourceArgs, pattern);
      return;
    }
    await runSetCommand(
      ctx,
      args,
      resourceArgs,
      (copy, t) => {
        const touched = applyEnv(copy, pattern, changes, f.bool('overwrite'), `${t.mapping.resource}/${t.name}`);
        if (touched.length === 0) ctx.io.stderr.write(`Warning: ${copy.kind ?? t.mapping.kind}/${t.name} does not have any containers matching ${JSON.stringify(pattern)}\n`);
      },
      'env updated',
    );
  },
};
