// The ephemeral container a-kubectl debug sends: command or arguments, env, pull policy, target, profiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ephemeralContainer, profileSecurityContext } from '../../../src/cli/commands/debug.js';

const base = { name: 'dbg', image: 'busybox', target: '', command: [], argumentsOnly: false, env: [], pullPolicy: '', stdin: false, tty: false, profile: 'legacy' };

test('the words after -- are the command, or the arguments with --arguments-only', () => {
  assert.deepEqual(ephemeralContainer({ ...base, command: ['sh', '-c', 'id'] }), { name: 'dbg', image: 'busybox', command: ['sh', '-c', 'id'], terminationMessagePolicy: 'File' });
  assert.deepEqual(ephemeralContainer({ ...base, command: ['-c', 'id'], argumentsOnly: true })['args'], ['-c', 'id']);
});

test('env, pull policy, streams and the target', () => {
  const c = ephemeralContainer({ ...base, env: ['A=1', 'B=x=y'], pullPolicy: 'Never', stdin: true, tty: true, target: 'app' });
  assert.deepEqual(c['env'], [{ name: 'A', value: '1' }, { name: 'B', value: 'x=y' }]);
  assert.equal(c['imagePullPolicy'], 'Never');
  assert.equal(c['stdin'], true);
  assert.equal(c['tty'], true);
  assert.equal(c['targetContainerName'], 'app');
  assert.throws(() => ephemeralContainer({ ...base, env: ['novalue'] }), /invalid env: novalue/);
});

test('profiles: legacy adds nothing, general SYS_PTRACE, sysadmin privileged, netadmin NET_ADMIN and NET_RAW', () => {
  assert.equal(profileSecurityContext('legacy'), undefined);
  assert.equal(ephemeralContainer(base)['securityContext'], undefined);
  assert.deepEqual(ephemeralContainer({ ...base, profile: 'general' })['securityContext'], { capabilities: { add: ['SYS_PTRACE'] } });
  assert.deepEqual(profileSecurityContext('sysadmin'), { privileged: true });
  assert.deepEqual(profileSecurityContext('netadmin'), { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } });
});
