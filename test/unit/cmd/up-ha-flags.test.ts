// `a-kube up --ha` refuses what it cannot do before anything starts, with the reason; `a-kube server` and plain
// `up` do not take its options; bad values of other flags are refused before anything starts too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../../src/cmd/a-kube.ts', import.meta.url));

const cases: { args: string[]; error: string }[] = [
  { args: ['server', '--ha'], error: "error: Unknown option '--ha'" },
  { args: ['up', '--api-servers', '2'], error: 'error: --api-servers applies to "a-kube up --ha" only' },
  { args: ['up', '--ha', '--runtime', 'containerd'], error: 'error: --runtime containerd does not apply to --ha' },
  { args: ['up', '--ha', '--storage', 'sqlite'], error: 'error: --ha keeps the cluster in etcd' },
  { args: ['up', '--ha', '--keep-pods'], error: 'error: --keep-pods does not apply to --ha: the local node of --ha is simulated (--runtime fake)' },
  { args: ['up', '--ha', '--container-log-max-size', '1Mi'], error: 'error: --container-log-max-size does not apply to --ha: the local node of --ha is simulated (--runtime fake) and writes no container logs' },
  { args: ['server', '--container-log-max-files', '3'], error: "error: Unknown option '--container-log-max-files'" },
  { args: ['up', '--container-log-max-files', '1'], error: 'error: invalid --container-log-max-files "1": use a whole number of 2 or more' },
  { args: ['up', '--container-log-max-size', '10Mx'], error: 'error: invalid --container-log-max-size "10Mx": use a size in bytes such as 10Mi' },
  { args: ['up', '--shutdown-grace-period', '10s', '--shutdown-grace-period-critical-pods', '20s'], error: 'error: invalid --shutdown-grace-period-critical-pods "20s": it is part of --shutdown-grace-period (10s) and may not be longer' },
  { args: ['up', '--shutdown-grace-period', '2.5s'], error: 'error: invalid --shutdown-grace-period "2.5s": use whole seconds from 0s to 24h' },
  { args: ['server', '--shutdown-grace-period', '10s'], error: "error: Unknown option '--shutdown-grace-period'" },
  { args: ['up', '--ha', '--shutdown-grace-period', '10s'], error: 'error: --shutdown-grace-period does not apply to --ha: the local node of --ha is simulated (--runtime fake) and has no processes to stop' },
  { args: ['up', '--service-account-max-token-expiration', '5s'], error: 'error: invalid --service-account-max-token-expiration "5s": use whole seconds from 10s to 2^32 seconds' },
  { args: ['server', '--service-account-max-token-expiration', 'soon'], error: 'error: invalid --service-account-max-token-expiration "soon": time: invalid duration "soon"' },
  { args: ['up', '--ha', '--audit-log-path', 'x.log'], error: 'error: --audit-log-path does not apply to --ha: each API server of --ha writes its own audit log' },
  { args: ['up', '--ha', '--api-servers', '10'], error: 'error: invalid --api-servers "10": use a number from 2 to 9' },
  { args: ['up', '--ha', '--etcd-prefix', '/x'], error: 'error: --etcd-prefix applies to an etcd given with --storage etcd://HOST:PORT' },
  { args: ['up', '--ha', '--storage', 'etcd://127.0.0.1:2379', '--etcd-binary', '/x'], error: 'error: --etcd-binary applies when --ha starts its own etcd (no --storage)' },
  { args: ['up', '--ha', '--runtime', 'none', '--nodes', '2'], error: 'error: --nodes needs --runtime fake' },
  { args: ['up', '--ha', '--port', '65535'], error: 'error: --port 65535 leaves no room for 3 API servers on the ports after it' },
];

for (const c of cases) {
  test(`a-kube ${c.args.join(' ')}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'akube-haflags-'));
    try {
      const r = spawnSync(process.execPath, ['--disable-proto=delete', '--import', 'tsx', entry, ...c.args, ...(c.args[0] === 'up' ? ['--data-dir', dir] : [])], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: dir } });
      assert.equal(r.status, 1, r.stderr);
      assert.ok(r.stderr.includes(c.error), r.stderr);
      // nothing was started: no etcd data, no certificates
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
