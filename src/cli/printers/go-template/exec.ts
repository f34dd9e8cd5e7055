// Executes a parsed template over JSON data with text/template's semantics for fields, variables,
// pipelines and control structures; errors carry Go's "template: output:L:C: executing …" prefix.

import { getOwn } from '../../../api/own.js';
import { isRecord } from '../../../api/object.js';
import { compareBytes, goSprint } from '../go-format.js';
import { lazyFunctions, templateFunctions } from './funcs.js';
import { argText, commandText, type Arg, type Command, type ControlNode, type Pipeline, type TemplateNode } from './nodes.js';
import { ExecError, FloatLiteral, goType, MISSING, plain, truthy } from './values.js';

export class TemplateExecError extends Error {
  override name = 'TemplateExecError';
}

interface Scope {
  vars: Map<string, unknown>;
  parent?: Scope;
}

export class TemplateExecutor {
  private out = '';

  constructor(
    private readonly source: string,
    private readonly missingKeyError: boolean,
  ) {}

  run(nodes: TemplateNode[], data: unknown): string {
    this.out = '';
    this.list(nodes, data, { vars: new Map([['$', data]]) });
    return this.out;
  }

  private fail(pos: number, context: string, message: string): never {
    const before = this.source.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - (before.lastIndexOf('\n') + 1);
    throw new TemplateExecError(`template: output:${line}:${column}: executing "output" at <${context}>: ${message}`);
  }

  private list(nodes: TemplateNode[], dot: unknown, scope: Scope): void {
    for (const node of nodes) this.node(node, dot, scope);
  }

  private node(node: TemplateNode, dot: unknown, scope: Scope): void {
    switch (node.kind) {
      case 'text':
        this.out += node.text;
        return;
      case 'action': {
        const value = this.pipeline(node.pipe, dot, scope);
        if (node.pipe.decl.length === 0) this.out += printable(value);
        return;
      }
      case 'if':
      case 'with': {
        const inner: Scope = { vars: new Map(), parent: scope };
        const value = this.pipeline(node.pipe, dot, inner);
        if (truthy(value)) this.list(node.list, node.kind === 'with' ? value : dot, inner);
        else if (node.elseList) this.list(node.elseList, dot, inner);
        return;
      }
      case 'range':
        this.range(node, dot, scope);
        return;
    }
  }

  private range(node: ControlNode, dot: unknown, scope: Scope): void {
    const inner: Scope = { vars: new Map(), parent: scope };
    const decl = node.pipe.decl;
    const value = plain(this.pipeline({ ...node.pipe, decl: [] }, dot, inner));
    let entries: [unknown, unknown][] = [];
    if (Array.isArray(value)) entries = value.map((v, i) => [i, v]);
    else if (isRecord(value)) entries = Object.keys(value).sort(compareBytes).map((k) => [k, value[k]]);
    else if (typeof value === 'number' && Number.isInteger(value)) entries = Array.from({ length: Math.max(0, value) }, (_, i) => [i, i]);
    else if (value !== MISSING && value !== null && value !== undefined) {
      this.fail(node.pipe.pos, `range ${commandText(node.pipe.commands[0] ?? { pos: 0, args: [] })}`, `range can't iterate over ${goSprint(value)}`);
    }
    if (entries.length === 0) {
      if (node.elseList) this.list(node.elseList, dot, inner);
      return;
    }
    for (const [key, element] of entries) {
      const iteration: Scope = { vars: new Map(), parent: inner };
      if (decl.length === 1) iteration.vars.set(decl[0] as string, element);
      if (decl.length >= 2) {
        iteration.vars.set(decl[0] as string, key);
        iteration.vars.set(decl[1] as string, element);
      }
      this.list(node.list, element, iteration);
    }
  }

  private pipeline(pipe: Pipeline, dot: unknown, scope: Scope): unknown {
    let value: unknown = MISSING;
    let first = true;
    for (const cmd of pipe.commands) {
      value = this.command(cmd, dot, scope, first ? undefined : { value });
      first = false;
    }
    // A nil interface at the end of a pipeline becomes Go's invalid value, printed <no value>.
    if (value === null || value === undefined) value = MISSING;
    for (const name of pipe.decl) {
      if (pipe.assign) this.assign(scope, name, value, pipe.pos);
      else scope.vars.set(name, value);
    }
    return value;
  }

  private assign(scope: Scope, name: string, value: unknown, pos: number): void {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      if (s.vars.has(name)) {
        s.vars.set(name, value);
        return;
      }
    }
    this.fail(pos, name, `undefined variable: ${name}`);
  }

  private lookup(scope: Scope, name: string, pos: number): unknown {
    for (let s: Scope | undefined = scope; s; s = s.parent) if (s.vars.has(name)) return s.vars.get(name);
    return this.fail(pos, name, `undefined variable: ${name}`);
  }

  private command(cmd: Command, dot: unknown, scope: Scope, piped?: { value: unknown }): unknown {
    const [head, ...rest] = cmd.args;
    if (head === undefined) return MISSING;
    if (head.kind === 'identifier') {
      const name = head.name;
      const context = commandText(cmd);
      const argValues = () => [...rest.map((a) => this.arg(a, dot, scope)), ...(piped ? [piped.value] : [])];
      try {
        if (lazyFunctions.has(name)) {
          const thunks = [...rest.map((a) => () => this.arg(a, dot, scope)), ...(piped ? [() => piped.value] : [])];
          if (thunks.length === 0) throw new ExecError(`wrong number of args for ${name}: want at least 1 got 0`);
          let value: unknown = MISSING;
          for (const thunk of thunks) {
            value = thunk();
            if (name === 'and' ? !truthy(value) : truthy(value)) return value;
          }
          return value;
        }
        const fn = getOwn(templateFunctions, name);
        if (!fn) return this.fail(head.pos, context, `"${name}" is not a defined function`);
        return fn(...argValues());
      } catch (err) {
        if (err instanceof ExecError) this.fail(cmd.pos, context, `error calling ${name}: ${err.message}`);
        throw err;
      }
    }
    if (rest.length > 0 || piped) {
      return this.fail(head.pos, argText(head), `can't give argument to non-function ${argText(head)}`);
    }
    return this.arg(head, dot, scope);
  }

  private arg(arg: Arg, dot: unknown, scope: Scope): unknown {
    switch (arg.kind) {
      case 'field':
        return this.fields(dot, arg.names, arg);
      case 'variable':
        return this.fields(this.lookup(scope, arg.name, arg.pos), arg.names, arg);
      case 'string':
        return arg.value;
      case 'number':
        return arg.isFloat ? new FloatLiteral(arg.value) : arg.value;
      case 'bool':
        return arg.value;
      case 'nil':
        return this.fail(arg.pos, 'nil', 'nil is not a command');
      case 'identifier':
        return this.command({ pos: arg.pos, args: [arg] }, dot, scope);
      case 'pipe':
        return this.fields(this.pipeline(arg.pipe, dot, scope), arg.names, arg);
    }
  }

  private fields(receiver: unknown, names: string[], node: Arg): unknown {
    let value = receiver;
    const context = argText(node);
    for (const name of names) {
      const v = plain(value);
      if (v === MISSING || v === undefined) {
        if (this.missingKeyError) this.fail(node.pos, context, `nil data; no entry for key "${name}"`);
        return MISSING;
      }
      if (v === null) this.fail(node.pos, context, `nil pointer evaluating interface {}.${name}`);
      // Values below the root sit in map[string]interface{}, so Go names their static type.
      if (!isRecord(v)) this.fail(node.pos, context, `can't evaluate field ${name} in type interface {}`);
      if (!Object.hasOwn(v, name)) {
        if (this.missingKeyError) this.fail(node.pos, context, `map has no entry for key "${name}"`);
        value = MISSING;
        continue;
      }
      value = v[name];
    }
    return value;
  }
}

function printable(v: unknown): string {
  const p = plain(v);
  if (p === MISSING || p === null || p === undefined) return '<no value>';
  return goSprint(p);
}
