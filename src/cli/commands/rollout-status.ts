// `rollout status (TYPE NAME | TYPE/NAME)`: print each observed state of the rollout until it is done.
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { filenameFlags, selectorFlag } from '../flag-sets.js';
import { durationFlag } from './go-duration.js';
import { statusViewer } from './rollout-status-viewers.js';
import { resolveTargets } from './targets.js';
import { untilObject } from './watch-object.js';

export const command: Command = {
  name: 'status',
  short: 'Follow a rollout until it finishes',
  long: 'Follow the rollout of a workload and return when it is complete.\n\n With --watch=false the current state is printed once. When a newer rollout starts meanwhile, the newer one is followed; with --revision=N, a-kubectl stops with an error instead.',
  examples: '  # Wait for Deployment "api" to finish rolling out, at most five minutes\n  a-kubectl rollout status deployment/api --timeout=5m',
  usage: 'rollout status (TYPE NAME | TYPE/NAME) [flags] [options]',
  flags: [
    ...filenameFlags('with the objects to act on'),
    selectorFlag,
    { name: 'revision', kind: 'int', usage: 'Follow the rollout of this revision only; 0 (default) means the newest.' },
    { name: 'timeout', kind: 'string', default: '0s', usage: 'Give up after this long (with a unit, e.g. 90s or 5m); 0 waits without limit.' },
    { name: 'watch', short: 'w', kind: 'bool', default: true, usage: "Keep following until the rollout is done; false prints the state once." },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const timeoutMs = durationFlag(f.string('timeout'), 'timeout');
    const revision = f.int('revision');
    if (revision < 0) throw new CliError('revision must be a positive integer: ' + String(revision));
    const targets = await resolveTargets(ctx, f, args.positionals, 'status', { selectorAllowed: true });
    if (targets.length !== 1 && !f.has('selector')) throw new CliError('rollout status is only supported on individual resources and resource collections, but 0 resources were found');
    const client = await ctx.factory.client();
    for (const t of targets) {
      const viewer = statusViewer(t.mapping.group, t.mapping.kind);
      if (!viewer) throw new CliError(`no status viewer has been implemented for ${t.mapping.group ? `${t.mapping.kind}.${t.mapping.group}` : t.mapping.kind}`);
      await untilObject(
        client,
        t,
        (obj) => {
          if (!obj) throw new CliError('object has been deleted');
          const s = viewer(obj, revision);
          ctx.io.stdout.write(s.message);
          return s.done;
        },
        { signal: ctx.factory.signal, timeoutMs, watch: f.bool('watch') },
      );
    }
  },
};
