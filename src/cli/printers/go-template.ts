// `-o go-template=…` / `-o template=…` printer, with kubectl's error texts (the debugging block is
// written to the output stream before the error is raised, as kubectl does).

import { PrinterError } from './errors.js';
import { goJson, goQuote, goSprint } from './go-format.js';
import { compileGoTemplate, type CompiledTemplate } from './go-template/index.js';
import type { Output } from './types.js';

export interface GoTemplatePrinter {
  print(data: Record<string, unknown>, out: Output): void;
}

export function createGoTemplatePrinter(source: string, allowMissingKeys = true): GoTemplatePrinter {
  let template: CompiledTemplate;
  try {
    template = compileGoTemplate(source, { missingKeyError: !allowMissingKeys });
  } catch (err) {
    throw new PrinterError(`error parsing template ${source}, ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    print(data, out) {
      let text: string;
      try {
        text = template.execute(data);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        out.write(
          `Error executing template: ${reason}. Printing more information for debugging the template:\n` +
            `\ttemplate was:\n\t\t${source}\n` +
            `\traw data was:\n\t\t${goJson(data)}\n` +
            `\tobject given to template engine was:\n\t\t${goSprint(data)}\n\n`,
        );
        throw new PrinterError(`error executing template ${goQuote(source)}: ${reason}`);
      }
      out.write(text);
    },
  };
}
