import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRuntimeDeps } from '../../../../src/kubelet/containerd/deps.js';

test('missing runtime pieces and a non-root process are reported with how to fix them', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-deps-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  const cni = join(dir, 'cni');
  mkdirSync(bin);
  mkdirSync(cni);
  const exe = (d: string, n: string) => {
    writeFileSync(join(d, n), '#!/bin/sh\n');
    chmodSync(join(d, n), 0o755);
  };
  assert.equal(checkRuntimeDeps(cni, bin, 0).problem, 'containerd, runc, ctr (containerd), CNI plugins (' + cni + '/bridge) not found: run scripts/install-deps.sh, or: apt-get install containerd runc containernetworking-plugins');
  for (const n of ['containerd', 'ctr', 'runc']) exe(bin, n);
  exe(cni, 'bridge');
  const ok = checkRuntimeDeps(cni, bin, 0);
  assert.equal(ok.problem, undefined);
  assert.equal(ok.containerd, join(bin, 'containerd'));
  assert.match(checkRuntimeDeps(cni, bin, 1000).problem ?? '', /^running containers needs root/);
});
