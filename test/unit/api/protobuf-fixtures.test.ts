// Real kubectl bodies: what kubectl 1.33 sends as protobuf must decode to what kubectl 1.31 sends as JSON
// for the same command (fixtures captured by test/fixtures/protobuf/capture.mjs).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeKubernetesProtobuf } from '../../../src/api/protobuf/index.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/protobuf');
const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { name: string; command: string }[];

/**
 * The differences that are legitimate, all of them Go JSON writing a zero that protobuf decoding treats
 * as absent: `null` (nil pointers and slices without omitempty, e.g. TokenRequest `spec.audiences`, and the
 * zero metav1.Time `creationTimestamp`), `""` and `false` (non-pointer fields without omitempty:
 * TokenRequest `status.token`, SelfSubjectAccessReview `status.allowed`, SelfSubjectRulesReview
 * `status.incomplete`). Numbers are not normalised, so a kept `replicas: 0` is checked.
 */
function withoutGoZeroes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutGoZeroes);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === '' || v === false) continue;
    out[k] = withoutGoZeroes(v);
  }
  return out;
}

test('the fixture set covers every command of the brief', () => {
  assert.equal(index.length, 18);
});

for (const { name, command } of index) {
  test(`${command} decodes to the JSON body of kubectl 1.31`, () => {
    const body = readFileSync(join(dir, `${name}.pb`));
    const expected = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Record<string, unknown>;
    const decoded = decodeKubernetesProtobuf(body);
    assert.equal(decoded.apiVersion, expected['apiVersion']);
    assert.equal(decoded.kind, expected['kind']);
    assert.deepEqual(decoded.object, withoutGoZeroes(expected));
  });
}

test('create deployment --replicas=0 keeps the explicit zero of a Go pointer field', () => {
  const { object } = decodeKubernetesProtobuf(readFileSync(join(dir, 'deployment-replicas0.pb')));
  assert.deepEqual((object['spec'] as Record<string, unknown>)['replicas'], 0);
});

test('the empty strings kubectl writes for non-pointer fields are gone (ObjectMeta, imagePullPolicy, status)', () => {
  const { object } = decodeKubernetesProtobuf(readFileSync(join(dir, 'can-i-pods.pb')));
  assert.deepEqual(object, {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    metadata: {},
    spec: { resourceAttributes: { namespace: 'x', verb: 'list', resource: 'pods' } },
    status: {},
  });
});
