// The shared tail of `create <kind> NAME` generators: dry-run, POST with kubectl-create's query, print.
import type { KubeObject } from '../../api/object.js';
import type { ParsedCommandLine, FlagSpec } from '../args.js';
import type { CommandContext } from '../command.js';
import { ApiError } from '../../client/api-error.js';
import { CliError, UsageError } from '../errors.js';
import { dryRunFlag, dryRunOf, fieldManagerFlag, fieldValidationOf, outputFlags, validateFlag } from '../flag-sets.js';
import { printResult } from '../output.js';

export const generatorFlags: FlagSpec[] = [
  ...outputFlags(),
  dryRunFlag,
  fieldManagerFlag('kubectl-create'),
  validateFlag,
  { name: 'save-config', kind: 'bool', usage: 'Store the object as sent in the kubectl.kubernetes.io/last-applied-configuration annotation, so a later client-side apply can diff against it.' },
];

/** `create <kind>` takes exactly one NAME. */
export function requireOneName(ctx: CommandContext, args: ParsedCommandLine): string {
  const n = args.positionals.length;
  if (n !== 1) throw new UsageError(`exactly one NAME is required, got ${n}`, ctx.path);
  return args.positionals[0] ?? '';
}

export interface GeneratedCreate {
  object: KubeObject;
  /** Collection path to POST to. */
  path: string;
  /** "namespace", "deployment.apps": the type part of the printed line. */
  typeName: string;
  /** kubectl wraps some server errors: "failed to create serviceaccount: …". */
  errorPrefix?: string;
}

export async function createGenerated(ctx: CommandContext, args: ParsedCommandLine, g: GeneratedCreate): Promise<void> {
  const flags = args.flags;
  const dryRun = dryRunOf(flags, ctx.io.stderr);
  let obj = g.object;
  if (flags.bool('save-config')) {
    const annotations = { ...obj.metadata.annotations, 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(obj)}\n` };
    obj = { ...obj, metadata: { ...obj.metadata, annotations } };
  }
  if (dryRun !== 'client') {
    const client = await ctx.factory.client();
    try {
      obj = await client.create(g.path, obj, {
        query: { fieldManager: flags.string('field-manager'), fieldValidation: fieldValidationOf(flags), dryRun: dryRun === 'server' ? 'All' : undefined },
        signal: ctx.factory.signal,
      });
    } catch (e) {
      if (g.errorPrefix && e instanceof ApiError && e.reason !== 'Unauthorized') throw new CliError(`${g.errorPrefix}: ${e.message}`);
      throw e;
    }
  }
  await printResult(ctx, flags, obj, g.typeName, 'created', dryRun);
}

/** The namespace a generated object carries: only when -n was given (kubectl's EnforceNamespace). */
export async function targetNamespace(ctx: CommandContext): Promise<{ namespace: string; inObject: { namespace?: string } }> {
  const { namespace, explicit } = await ctx.factory.namespace();
  return { namespace, inObject: explicit ? { namespace } : {} };
}
