// --encryption-provider-config-automatic-reload: a changed file is put in use once it loads whole; a file that
// does not load (unreadable, invalid, refused by apply) leaves the configuration in use, is logged once per reason
// and counted, and is tried again at the next check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResourceEncryption } from '../../../src/storage/encryption/config.js';
import { watchEncryptionConfig } from '../../../src/storage/encryption/reload.js';
import { reloadMetrics } from '../../../src/storage/encryption/reload-metrics.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const configText = (name: string, secret: string) => `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - aesgcm:
          keys: [{name: ${name}, secret: ${secret}}]
      - identity: {}
`;

function setup(apply: (c: ResourceEncryption[]) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'a-kube-enc-reload-'));
  const file = join(dir, 'enc.yaml');
  const first = configText('key1', key(1));
  writeFileSync(file, first);
  const logs: string[] = [];
  const reloader = watchEncryptionConfig({ file, loadedText: first, intervalMs: 3_600_000, apply, log: (l) => logs.push(l), now: () => 1_700_000_000_000 });
  return { file, logs, reloader, [Symbol.dispose]: () => (reloader.stop(), rmSync(dir, { recursive: true, force: true })) };
}

test('an unchanged file is not applied again; a changed one is, once', async () => {
  const applied: ResourceEncryption[][] = [];
  using s = setup(async (c) => void applied.push(c));
  await s.reloader.check();
  assert.equal(applied.length, 0);
  writeFileSync(s.file, configText('key2', key(2)));
  await s.reloader.check();
  await s.reloader.check();
  assert.equal(applied.length, 1);
  const first = applied[0]![0]!.providers[0]!;
  assert.ok(first.kind === 'aesgcm' && first.keys[0]!.name === 'key2');
  assert.deepEqual(s.reloader.counts(), { success: 1, failure: 0, lastSuccessSeconds: 1_700_000_000, lastFailureSeconds: 0 });
  assert.deepEqual(s.logs, [`encryption config reloaded from ${s.file}`]);
});

test('an invalid file leaves the configuration in use, is logged once with its reason, and a fixed file then loads', async () => {
  const applied: ResourceEncryption[][] = [];
  using s = setup(async (c) => void applied.push(c));
  writeFileSync(s.file, configText('key2', 'c2hvcnQ='));
  await s.reloader.check();
  await s.reloader.check();
  assert.equal(applied.length, 0);
  assert.equal(s.reloader.counts().failure, 2);
  assert.equal(s.logs.length, 1);
  assert.match(s.logs[0]!, /^encryption config reload failed, the configuration in use stays: .*enc\.yaml: resources\[0\]\.providers\[0\]\.aesgcm\.keys\[0\]\.secret: Invalid value: "REDACTED": secret is not of the expected length, got 5, expected one of \[16 24 32\]$/);
  writeFileSync(s.file, 'kind: [');
  await s.reloader.check();
  assert.match(s.logs[1]!, /is not YAML or JSON/);
  rmSync(s.file);
  await s.reloader.check();
  assert.match(s.logs[2]!, /cannot read .*enc\.yaml/);
  writeFileSync(s.file, configText('key3', key(3)));
  await s.reloader.check();
  assert.equal(applied.length, 1);
  assert.equal(s.reloader.counts().success, 1);
});

test('a configuration apply refuses (a KMS plugin that does not answer) is tried again at the next check', async () => {
  let answering = false;
  let applied = 0;
  using s = setup(async () => {
    if (!answering) throw new Error('KMS provider my-kms: Status: connect ENOENT /run/kms.sock');
    applied++;
  });
  writeFileSync(s.file, configText('key2', key(2)));
  await s.reloader.check();
  assert.equal(applied, 0);
  assert.match(s.logs[0]!, /reload failed, the configuration in use stays: KMS provider my-kms: Status: connect ENOENT/);
  answering = true;
  await s.reloader.check();
  assert.equal(applied, 1);
  assert.deepEqual(s.reloader.counts(), { success: 1, failure: 1, lastSuccessSeconds: 1_700_000_000, lastFailureSeconds: 1_700_000_000 });
});

test('checks that overlap share one attempt', async () => {
  let calls = 0;
  using s = setup(async () => {
    calls++;
    await new Promise((r) => setTimeout(r, 10));
  });
  writeFileSync(s.file, configText('key2', key(2)));
  await Promise.all([s.reloader.check(), s.reloader.check(), s.reloader.check()]);
  assert.equal(calls, 1);
});

test('/metrics names the reloads as kube-apiserver does', async () => {
  using s = setup(async () => {});
  writeFileSync(s.file, configText('key2', key(2)));
  await s.reloader.check();
  const r = new MetricsRegistry();
  for (const c of reloadMetrics(s.reloader)) r.collect(c);
  const text = r.render();
  assert.match(text, /^apiserver_encryption_config_controller_automatic_reloads_total\{status="success"\} 1$/m);
  assert.match(text, /^apiserver_encryption_config_controller_automatic_reloads_total\{status="failure"\} 0$/m);
  assert.match(text, /^apiserver_encryption_config_controller_automatic_reload_last_timestamp_seconds\{status="success"\} 1700000000$/m);
  assert.doesNotMatch(text, /last_timestamp_seconds\{status="failure"\}/);
});
