// `wait --for=condition=X[=value] | --for=delete | --for=create | --for=jsonpath='{…}'[=value] TYPE/NAME …`
// (kubectl/pkg/cmd/wait): watch each object until the condition holds or --timeout passes.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { isNotFound } from '../../client/api-error.js';
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { filenameFlags, selectorFlag } from '../flag-sets.js';
import { operationLine } from '../output.js';
import { durationFlag } from './go-duration.js';
import { resolveTargets, targetPath } from './targets.js';
import { untilObject } from './watch-object.js';

export type WaitFor =
  | { kind: 'delete' }
  | { kind: 'create' }
  | { kind: 'condition'; type: string; value: string }
  | { kind: 'jsonpath'; expression: string; value: string | undefined };

export function parseWaitFor(text: string): WaitFor {
  const lower = text.toLowerCase();
  if (lower === 'delete') return { kind: 'delete' };
  if (lower === 'create') return { kind: 'create' };
  if (lower.startsWith('condition=')) {
    const rest = text.slice('condition='.length);
    const eq = rest.indexOf('=');
    return eq < 0 ? { kind: 'condition', type: rest, value: 'true' } : { kind: 'condition', type: rest.slice(0, eq), value: rest.slice(eq + 1) };
  }
  if (lower.startsWith('jsonpath=')) {
    const rest = text.slice('jsonpath='.length);
    const close = rest.startsWith('{') ? rest.lastIndexOf('}') : -1;
    if (close < 0) throw new CliError(`unrecognized condition: ${JSON.stringify(text)}`);
    const expression = rest.slice(0, close + 1);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith('=')) throw new CliError(`unrecognized condition: ${JSON.stringify(text)}`);
    return { kind: 'jsonpath', expression, value: after === '' ? undefined : after.slice(1) };
  }
  throw new CliError(`unrecognized condition: ${JSON.stringify(text)}`);
}

/** A status condition of that type with that status (case-folded), observed at the object's generation. */
export function conditionMet(obj: KubeObject, type: string, value: string): boolean {
  const status = isRecord(obj.status) ? obj.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isRecord) : [];
  const generation = obj.metadata.generation;
  for (const c of conditions) {
    if (String(c.type ?? '').toLowerCase() !== type.toLowerCase()) continue;
    if (String(c.status ?? '').toLowerCase() !== value.toLowerCase()) continue;
    if (generation !== undefined && typeof c.observedGeneration === 'number' && c.observedGeneration !== generation) return false;
    if (generation !== undefined && typeof status.observedGeneration === 'number' && status.observedGeneration < generation) return false;
    return true;
  }
  return false;
}

export const command: Command = {
  name: 'wait',
  short: 'Experimental: block until resources meet a condition, are deleted or are created',
  long: 'Experimental: wait until every given object meets a condition.\n\n --for=condition=NAME waits for a condition in .status.conditions, --for=jsonpath=... for a field value, --for=create and --for=delete for the objects to appear or disappear.\n\n A line is printed for each object once it is done; -o changes that output.',
  examples: [
    '  # Block until pod api-0 reports Ready',
    '  a-kubectl wait --for=condition=Ready pod/api-0',
    '  ',
    '  # Give Deployment "api" two minutes to become Available',
    '  a-kubectl wait --for=condition=Available deployment/api --timeout=2m',
    '  ',
    '  # Until a field has a value',
    '  a-kubectl wait --for=jsonpath=\'{.status.phase}\'=Succeeded pod/migrate',
    '  ',
    '  # Until the pods of Job "migrate" are gone',
    '  a-kubectl wait --for=delete pod -l job-name=migrate --timeout=90s',
  ].join('\n'),
  usage: "wait ([-f FILENAME] | resource.group/resource.name | resource.group [(-l label | --all)]) [--for=create|--for=delete|--for condition=available|--for=jsonpath='{}'[=value]] [options]",
  flags: [
    ...filenameFlags('with the objects to act on'),
    selectorFlag,
    { name: 'all', kind: 'bool', usage: 'Act on every object of the given types in the namespace' },
    { name: 'for', kind: 'string', usage: "What to wait for: create, delete, condition=NAME[=VALUE] (VALUE defaults to true, compared ignoring case) or jsonpath='{PATH}'[=VALUE]." },
    { name: 'timeout', kind: 'string', default: '30s', usage: "Give up after this long; 0 checks once without waiting, a negative value waits up to a week." },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const waitFor = parseWaitFor(f.string('for'));
    let timeoutMs = durationFlag(f.string('timeout'), 'timeout');
    if (timeoutMs < 0) timeoutMs = 7 * 24 * 3_600_000;
    const targets = await resolveTargets(ctx, f, args.positionals, 'wait', { selectorAllowed: true });
    const client = await ctx.factory.client();
    const signal = ctx.factory.signal;
    const jsonpath = waitFor.kind === 'jsonpath' ? (await import('../printers/jsonpath/index.js')).compileJsonPath(waitFor.expression, { allowMissingKeys: true }) : undefined;
    for (const t of targets) {
      if (waitFor.kind !== 'delete' && waitFor.kind !== 'create') {
        try {
          await client.get(targetPath(t), { signal });
        } catch (e) {
          if (isNotFound(e)) throw e;
        }
      }
      let seen = false;
      let message = '';
      const timeoutMessage = `timed out waiting for the condition on ${t.mapping.resource}/${t.name}`;
      const met = await untilObject(
        client,
        t,
        (obj) => {
          switch (waitFor.kind) {
            case 'delete':
              if (obj) seen = true;
              else if (seen) message = 'deleted';
              return !obj;
            case 'create':
              message = 'condition met';
              return obj !== undefined;
            case 'condition':
              message = 'condition met';
              return obj !== undefined && conditionMet(obj, waitFor.type, waitFor.value);
            case 'jsonpath': {
              if (!obj || !jsonpath) return false;
              const result = jsonpath.execute(obj);
              message = 'condition met';
              return waitFor.value === undefined ? result !== '' : result === waitFor.value;
            }
            default: {
              const no: never = waitFor;
              throw new Error(String(no));
            }
          }
        },
        { signal, timeoutMs, watch: timeoutMs > 0, timeoutMessage },
      );
      if (!met) throw new CliError(timeoutMessage);
      if (message) ctx.io.stdout.write(operationLine(t.typeName, t.name, message));
    }
  },
};
