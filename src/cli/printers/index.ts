// a-kubectl's output printers, chosen by the -o value as kubectl's PrintFlags choose them.

import { readFileSync } from 'node:fs';
import { parseCustomColumnsSpec, parseCustomColumnsTemplate, printCustomColumns, type CustomColumn } from './custom-columns.js';
import { PrinterError } from './errors.js';
import { createGoTemplatePrinter } from './go-template.js';
import { compileJsonPath } from './jsonpath/index.js';
import { toJson } from './json.js';
import { listItems, listOf } from './list.js';
import { printNames } from './name.js';
import { sortByJsonPath } from './sort.js';
import { noResourcesFound, printTables, type TableOptions } from './table.js';
import type { ObjectPrintOptions, Output, PrintOptions, Printer, TableInput } from './types.js';
import { toYaml } from './yaml.js';

/** The formats `kubectl get` accepts. */
export const allowedFormats =
  'custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml';
/** The formats other commands (create, label, apply…) accept. */
export const genericFormats = 'go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml';
const getOnlyFormats = new Set(['custom-columns', 'custom-columns-file', 'wide']);

const templateFormats = new Set([
  'go-template', 'go-template-file', 'template', 'templatefile', 'jsonpath', 'jsonpath-as-json', 'jsonpath-file',
  'custom-columns', 'custom-columns-file',
]);

function readTemplateFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error && 'code' in err && err.code === 'ENOENT' ? `open ${path}: no such file or directory` : String(err);
    throw new PrinterError(`error reading --template ${path}, ${reason}\n`);
  }
}

type ObjectRenderer = (data: Record<string, unknown>, items: Record<string, unknown>[], isList: boolean, out: Output) => void;

function objectRenderer(format: string, argument: string, opts: PrintOptions): ObjectRenderer | undefined {
  const allowMissing = opts.allowMissingTemplateKeys ?? true;
  switch (format) {
    case 'json':
      return (data, items, isList, out) => (isList ? out.write(toJson(data)) : items.forEach((o) => out.write(toJson(o))));
    case 'yaml':
      return (data, items, isList, out) =>
        out.write(isList ? toYaml(data) : items.map((o) => toYaml(o)).join('---\n'));
    case 'name':
      return (_data, items, _isList, out) => out.write(printNames(items));
    case 'jsonpath':
    case 'jsonpath-file':
    case 'jsonpath-as-json': {
      const template = format === 'jsonpath-file' ? readTemplateFile(argument) : argument;
      const compiled = compileJsonPath(template, { allowMissingKeys: allowMissing, outputJson: format === 'jsonpath-as-json' });
      return (data, items, isList, out) => (isList ? [data] : items).forEach((o) => out.write(compiled.execute(o)));
    }
    case 'go-template':
    case 'template':
    case 'go-template-file':
    case 'templatefile': {
      const isFile = format === 'go-template-file' || format === 'templatefile';
      const printer = createGoTemplatePrinter(isFile ? readTemplateFile(argument) : argument, allowMissing);
      return (data, items, isList, out) => (isList ? [data] : items).forEach((o) => printer.print(o, out));
    }
    case 'custom-columns':
    case 'custom-columns-file': {
      const columns: CustomColumn[] =
        format === 'custom-columns' ? parseCustomColumnsSpec(argument) : parseCustomColumnsTemplate(readTemplateFile(argument));
      const noHeaders = format === 'custom-columns' ? (opts.noHeaders ?? false) : false;
      return (_data, items, _isList, out) => printCustomColumns(columns, items, noHeaders, out);
    }
    default:
      return undefined;
  }
}

function splitOutput(output: string): { format: string; argument: string; hasArgument: boolean } {
  const eq = output.indexOf('=');
  if (eq < 0) return { format: output, argument: '', hasArgument: false };
  return { format: output.slice(0, eq), argument: output.slice(eq + 1), hasArgument: true };
}

/**
 * Build the printer for a `-o` value. Throws PrinterError with kubectl's message for an unknown
 * format, a missing template or an unparsable template.
 */
export function createPrinter(opts: PrintOptions): Printer {
  const output = opts.output ?? '';
  const { format, argument } = splitOutput(output);
  const isTable = format === '' || format === 'wide';
  const generic = opts.genericOnly ?? false;
  if (generic && getOnlyFormats.has(format)) {
    throw new PrinterError(`unable to match a printer suitable for the output format "${output}", allowed formats are: ${genericFormats}`);
  }
  if (!isTable && templateFormats.has(format) && argument === '') {
    if (format === 'custom-columns') throw new PrinterError('custom-columns format specified but no custom columns given');
    throw new PrinterError('template format specified but no template given');
  }
  const render = isTable ? undefined : objectRenderer(format, argument, opts);
  if (!isTable && render === undefined) {
    throw new PrinterError(
      `unable to match a printer suitable for the output format "${output}", allowed formats are: ${generic ? genericFormats : allowedFormats}`,
    );
  }
  const tableOptions: TableOptions = {
    wide: format === 'wide',
    noHeaders: opts.noHeaders ?? false,
    showLabels: opts.showLabels ?? false,
    labelColumns: (opts.labelColumns ?? []).flatMap((l) => l.split(',')).filter((l) => l !== ''),
    allNamespaces: opts.allNamespaces ?? false,
    showKind: opts.showKind ?? false,
  };

  return {
    needsTable: isTable,
    printObjects(objs: Record<string, unknown>[], out: Output, options: ObjectPrintOptions = {}): void {
      let items = objs;
      let isList = options.asList ?? objs.length !== 1;
      const only = objs.length === 1 ? objs[0] : undefined;
      const inner = only ? listItems(only) : undefined;
      if (inner) {
        items = inner;
        isList = true;
      }
      if (opts.sortBy) items = sortByJsonPath(items, opts.sortBy);
      const data = isList ? listOf(items) : (items[0] ?? {});
      if (render) {
        render(data, items, isList, out);
        return;
      }
      // Table forms without a server Table: kubectl's fallback of names only.
      printTables(
        [{ resourceKind: '', table: namesTable(items) }],
        tableOptions,
        out,
      );
    },
    printTable(tables: TableInput[], out: Output, errOut?: Output): void {
      if (!isTable) throw new PrinterError(`output format "${output}" does not print tables`);
      const sorted = opts.sortBy
        ? tables.map((t) => ({ ...t, table: { ...t.table, rows: sortByJsonPath(t.table.rows, opts.sortBy ?? '', (row) => row.object) } }))
        : tables;
      if (sorted.every((t) => t.table.rows.length === 0)) {
        errOut?.write(noResourcesFound(opts.namespace, tableOptions.allNamespaces));
        return;
      }
      printTables(sorted, tableOptions, out);
    },
  };
}

function namesTable(items: Record<string, unknown>[]): TableInput['table'] {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {},
    columnDefinitions: [{ name: 'Name', type: 'string', format: 'name', description: '', priority: 0 }],
    rows: items.map((object) => {
      const meta = object.metadata;
      const name = typeof meta === 'object' && meta !== null ? (meta as { name?: unknown }).name : undefined;
      return { cells: [typeof name === 'string' ? name : ''], object };
    }),
  };
}

export { PrinterError } from './errors.js';
export { compileJsonPath, jsonPathResults } from './jsonpath/index.js';
export { createWatchTablePrinter, formatLabels, noResourcesFound } from './table.js';
export { toJson } from './json.js';
export { toYaml } from './yaml.js';
export { resourceName } from './name.js';
export type { ObjectPrintOptions, Output, PrintOptions, Printer, Table, TableColumnDefinition, TableInput, TableRow } from './types.js';
