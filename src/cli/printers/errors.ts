// The one error printers throw. Its message is what kubectl prints after "error: "; the command
// layer writes `error: ${message}` and adds a newline only if the message lacks one.

export class PrinterError extends Error {
  override name = 'PrinterError';
}
