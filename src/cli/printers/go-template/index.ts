// Go text/template as kubectl's -o go-template uses it.

import { TemplateExecutor } from './exec.js';
import { functionNames } from './funcs.js';
import type { TemplateNode } from './nodes.js';
import { TemplateParser } from './parser.js';

export interface CompiledTemplate {
  /** Throws TemplateExecError ("template: output:L:C: executing …") on failure. */
  execute(data: unknown): string;
}

/** Throws TemplateParseError ("template: output:L: …") for a bad template. */
export function compileGoTemplate(source: string, options: { missingKeyError?: boolean } = {}): CompiledTemplate {
  const nodes: TemplateNode[] = new TemplateParser(source, functionNames).parse();
  return {
    execute(data: unknown): string {
      return new TemplateExecutor(source, options.missingKeyError ?? false).run(nodes, data);
    },
  };
}

export { TemplateExecError } from './exec.js';
export { TemplateParseError } from './parser.js';
