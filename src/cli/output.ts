// Printing results: `-o` through the printers, otherwise kubectl's "<type>/<name> <operation>" lines.
import type { KubeObject } from '../api/object.js';
import type { FlagValues } from './args.js';
import type { CommandContext } from './command.js';
import type { DryRun } from './flag-sets.js';
import { dryRunSuffix } from './flag-sets.js';
import type { PrintOptions } from './printing.js';

export function printOptionsFrom(flags: FlagValues): PrintOptions {
  const o: PrintOptions = {};
  let output = flags.string('output');
  // -o go-template with --template=…: the printers take the template inline in the -o value
  if ((output === 'go-template' || output === 'jsonpath' || output === 'template') && flags.has('template')) output = `${output}=${flags.string('template')}`;
  if (output) o.output = output;
  if (flags.has('allow-missing-template-keys')) o.allowMissingTemplateKeys = flags.bool('allow-missing-template-keys');
  return o;
}

/** Drops metadata.managedFields as kubectl does unless --show-managed-fields. */
export function withoutManagedFields<T extends Record<string, unknown>>(obj: T, flags: FlagValues): T {
  if (flags.bool('show-managed-fields')) return obj;
  const meta = obj.metadata;
  if (typeof meta !== 'object' || meta === null || !('managedFields' in meta)) return obj;
  const { managedFields: _dropped, ...rest } = meta as Record<string, unknown>;
  return { ...obj, metadata: rest };
}

export async function printObjects(ctx: CommandContext, flags: FlagValues, objs: KubeObject[], extra: PrintOptions = {}): Promise<void> {
  const { createPrinter } = await ctx.factory.printers();
  const printer = createPrinter({ ...printOptionsFrom(flags), ...extra });
  printer.printObjects(objs.map((o) => withoutManagedFields(o, flags)), ctx.io.stdout);
}

/** "deployment.apps/web created (dry run)" */
export function operationLine(typeName: string, name: string, operation: string, dryRun: DryRun = 'none'): string {
  return `${typeName}/${name} ${operation}${dryRunSuffix(dryRun)}\n`;
}

/** Either prints the object with -o, or the operation line. */
export async function printResult(ctx: CommandContext, flags: FlagValues, obj: KubeObject, typeName: string, operation: string, dryRun: DryRun): Promise<void> {
  if (flags.string('output') && flags.string('output') !== 'name') {
    await printObjects(ctx, flags, [obj]);
    return;
  }
  if (flags.string('output') === 'name') {
    ctx.io.stdout.write(`${typeName}/${obj.metadata.name ?? ''}\n`);
    return;
  }
  ctx.io.stdout.write(operationLine(typeName, obj.metadata.name ?? '', operation, dryRun));
}
