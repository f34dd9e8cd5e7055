// Syntax tree for the Go text/template subset kubectl users write.

export type Arg =
  | { kind: 'field'; pos: number; names: string[] } // .a.b (names empty for `.`)
  | { kind: 'variable'; pos: number; name: string; names: string[] } // $x.a.b
  | { kind: 'string'; pos: number; value: string; text: string }
  | { kind: 'number'; pos: number; value: number; isFloat: boolean; text: string }
  | { kind: 'bool'; pos: number; value: boolean }
  | { kind: 'nil'; pos: number }
  | { kind: 'identifier'; pos: number; name: string }
  | { kind: 'pipe'; pos: number; pipe: Pipeline; names: string[] }; // (pipeline).a.b

export interface Command {
  pos: number;
  args: Arg[];
}

export interface Pipeline {
  pos: number;
  decl: string[];
  /** `=` assigns existing variables; `:=` declares new ones. */
  assign: boolean;
  commands: Command[];
}

export type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pos: number; pipe: Pipeline }
  | ControlNode;

export interface ControlNode {
  kind: 'if' | 'with' | 'range';
  pos: number;
  pipe: Pipeline;
  list: TemplateNode[];
  elseList?: TemplateNode[];
}

function fieldText(names: string[]): string {
  return names.map((n) => `.${n}`).join('');
}

export function argText(arg: Arg): string {
  switch (arg.kind) {
    case 'field':
      return arg.names.length === 0 ? '.' : fieldText(arg.names);
    case 'variable':
      return arg.name + fieldText(arg.names);
    case 'string':
      return arg.text;
    case 'number':
      return arg.text;
    case 'bool':
      return String(arg.value);
    case 'nil':
      return 'nil';
    case 'identifier':
      return arg.name;
    case 'pipe':
      return `(${pipelineText(arg.pipe)})${fieldText(arg.names)}`;
  }
}

export function commandText(cmd: Command): string {
  return cmd.args.map(argText).join(' ');
}

export function pipelineText(pipe: Pipeline): string {
  const decl = pipe.decl.length > 0 ? `${pipe.decl.join(', ')} ${pipe.assign ? '=' : ':='} ` : '';
  return decl + pipe.commands.map(commandText).join(' | ');
}
