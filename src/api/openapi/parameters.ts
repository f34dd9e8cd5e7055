// The query and path parameters a-kube's REST endpoints accept, described once for both OpenAPI versions.
// Descriptions are a-kube's own short texts.

export interface ParamSpec {
  name: string;
  in: 'query' | 'path';
  type: 'string' | 'boolean' | 'integer';
  required?: true;
  description: string;
}

const q = (name: string, type: ParamSpec['type'], description: string): ParamSpec => ({ name, in: 'query', type, description });

export const param = {
  name: (kind: string): ParamSpec => ({ name: 'name', in: 'path', type: 'string', required: true, description: `name of the ${kind}` }),
  namespace: { name: 'namespace', in: 'path', type: 'string', required: true, description: 'object name and auth scope, such as for teams and projects' } satisfies ParamSpec,
  path: { name: 'path', in: 'path', type: 'string', required: true, description: 'path to the resource' } satisfies ParamSpec,
  pretty: q('pretty', 'string', "If 'true', the output is pretty printed."),
  dryRun: q('dryRun', 'string', 'When present, the request is checked but nothing is persisted. Valid values: All.'),
  fieldManager: q('fieldManager', 'string', 'Name of the actor making these changes, recorded in managedFields.'),
  fieldValidation: q('fieldValidation', 'string', 'How the server treats unknown or duplicate fields in the body: Ignore, Warn (the default) or Strict.'),
  force: q('force', 'boolean', 'Take ownership of conflicting fields in an apply request.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'Seconds to wait before the object is deleted; zero deletes immediately.'),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy.'),
  propagationPolicy: q('propagationPolicy', 'string', 'How dependents are garbage collected: Orphan, Background or Foreground.'),
};

/** Parameters of list, watch and deletecollection requests. */
export const listParams: ParamSpec[] = [
  q('allowWatchBookmarks', 'boolean', 'Ask for BOOKMARK watch events.'),
  q('continue', 'string', 'The continue token of a previous paged list response.'),
  q('fieldSelector', 'string', 'Restrict the objects returned by their fields.'),
  q('labelSelector', 'string', 'Restrict the objects returned by their labels.'),
  q('limit', 'integer', 'The most objects to return in one response; more are reachable with continue.'),
  q('resourceVersion', 'string', 'The resourceVersion the list or watch should reflect or start from.'),
  q('resourceVersionMatch', 'string', 'How resourceVersion is applied to a list: Exact or NotOlderThan.'),
  q('sendInitialEvents', 'boolean', 'Start a watch with synthetic events for the current state.'),
  q('timeoutSeconds', 'integer', 'Timeout for the list or watch call.'),
];

export const watchParam = q('watch', 'boolean', 'Watch for changes to the described resources instead of listing them.');

export const writeParams: ParamSpec[] = [param.dryRun, param.fieldManager, param.fieldValidation];

export const deleteParams: ParamSpec[] = [param.dryRun, param.gracePeriodSeconds, param.orphanDependents, param.propagationPolicy];

/** Query parameters of the connect and log subresources, by subresource name. */
export const subresourceParams: Record<string, ParamSpec[]> = {
  exec: [
    q('command', 'string', 'The command to run, one argument per parameter.'),
    q('container', 'string', 'The container to run it in; defaults to the only container.'),
    q('stderr', 'boolean', 'Redirect standard error.'),
    q('stdin', 'boolean', 'Redirect standard input.'),
    q('stdout', 'boolean', 'Redirect standard output.'),
    q('tty', 'boolean', 'Allocate a terminal.'),
  ],
  attach: [
    q('container', 'string', 'The container to attach to; defaults to the only container.'),
    q('stderr', 'boolean', 'Redirect standard error.'),
    q('stdin', 'boolean', 'Redirect standard input.'),
    q('stdout', 'boolean', 'Redirect standard output.'),
    q('tty', 'boolean', 'Allocate a terminal.'),
  ],
  portforward: [q('ports', 'integer', 'The ports to forward.')],
  proxy: [q('path', 'string', 'The path of the request to proxy.')],
  log: [
    q('container', 'string', 'The container whose log to read; defaults to the only container.'),
    q('follow', 'boolean', 'Stream the log.'),
    q('insecureSkipTLSVerifyBackend', 'boolean', 'Do not verify the serving certificate of the node agent.'),
    q('limitBytes', 'integer', 'The most bytes of log to return.'),
    q('previous', 'boolean', 'Read the log of the previous, terminated container.'),
    q('sinceSeconds', 'integer', 'Only the log of the last N seconds.'),
    q('stream', 'string', 'Which stream to read: All, Stdout or Stderr.'),
    q('tailLines', 'integer', 'Only the last N lines.'),
    q('timestamps', 'boolean', 'Prefix every line with its timestamp.'),
  ],
};
