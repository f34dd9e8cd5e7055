import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { dockerArchive } from '../../../../src/kubelet/images/archive.js';

test('a docker archive that tar reads: manifest names the tag, config names the layer digest and entrypoint', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-archive-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'img.tar');
  writeFileSync(file, dockerArchive({ tag: 'localhost/test/x:1', files: [{ name: 'bin' }, { name: 'bin/hello', data: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 }], entrypoint: ['/bin/hello'] }));
  const r = spawnSync('tar', ['-xf', file, '-C', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [m] = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { Config: string; RepoTags: string[]; Layers: string[] }[];
  assert.deepEqual(m?.RepoTags, ['localhost/test/x:1']);
  const layer = readFileSync(join(dir, m?.Layers[0] ?? ''));
  const config = JSON.parse(readFileSync(join(dir, m?.Config ?? ''), 'utf8')) as { rootfs: { diff_ids: string[] }; config: { Entrypoint: string[] }; os: string };
  assert.deepEqual(config.rootfs.diff_ids, [`sha256:${createHash('sha256').update(layer).digest('hex')}`]);
  assert.deepEqual(config.config.Entrypoint, ['/bin/hello']);
  assert.equal(config.os, 'linux');
  const list = spawnSync('tar', ['-tvf', join(dir, m?.Layers[0] ?? '')], { encoding: 'utf8' });
  assert.match(list.stdout, /^-rwxr-xr-x .* bin\/hello$/m);
});
