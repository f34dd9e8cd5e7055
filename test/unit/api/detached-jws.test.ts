import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { computeDetachedSignature, detachedSignatureValid } from '../../../src/api/detached-jws.js';

const content = 'apiVersion: v1\nclusters:\n- cluster:\n    server: https://10.0.0.1:6443\n  name: ""\n';

test('the detached JWS is header..signature with HS256 over header.payload keyed by the token secret', () => {
  const jws = computeDetachedSignature(content, 'abcdef', '0123456789abcdef');
  const [header, payload, signature] = jws.split('.');
  assert.equal(payload, '');
  assert.equal(Buffer.from(header!, 'base64url').toString(), '{"alg":"HS256","kid":"abcdef"}');
  const expected = createHmac('sha256', '0123456789abcdef').update(`${header}.${Buffer.from(content).toString('base64url')}`).digest('base64url');
  assert.equal(signature, expected);
});

test('verification fails for another token, another secret or changed content', () => {
  const jws = computeDetachedSignature(content, 'abcdef', '0123456789abcdef');
  assert.equal(detachedSignatureValid(jws, content, 'abcdef', '0123456789abcdef'), true);
  assert.equal(detachedSignatureValid(jws, content, 'abcdeg', '0123456789abcdef'), false);
  assert.equal(detachedSignatureValid(jws, content, 'abcdef', '0123456789abcdee'), false);
  assert.equal(detachedSignatureValid(jws, content.replace('10.0.0.1', '10.6.6.6'), 'abcdef', '0123456789abcdef'), false);
  assert.equal(detachedSignatureValid('', content, 'abcdef', '0123456789abcdef'), false);
});
