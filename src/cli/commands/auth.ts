// `auth`: only groups its sub-commands.
import type { Command } from '../command.js';

export const command: Command = {
  name: 'auth',
  short: 'Inspect authorization',
  long: 'Inspect authorization.',
  usage: 'auth [flags] [options]',
  flags: [],
  subcommands: [
    { name: 'audit2rbac', short: 'Write the least RBAC that allows what a subject did, from the audit log', load: async () => (await import('./auth-audit2rbac.js')).command },
    { name: 'can-i', short: 'Ask whether you (or --as) may perform an action', load: async () => (await import('./auth-can-i.js')).command },
    { name: 'risks', short: 'List who can escalate privileges, and through which bindings', load: async () => (await import('./auth-risks.js')).command },
    { name: 'reconcile', short: 'Merge RBAC roles and bindings from files into the cluster', load: async () => (await import('./auth-reconcile.js')).command },
    { name: 'who-can', short: 'List the subjects allowed an action, with the bindings that allow it', load: async () => (await import('./auth-who-can.js')).command },
    { name: 'whoami', short: 'Show the user the API server sees you as', load: async () => (await import('./auth-whoami.js')).command },
  ],
};
