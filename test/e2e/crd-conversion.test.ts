// CRD conversion webhooks against a real `a-kube up --runtime fake`, driven by the real kubectl (1.32, one row
// with 1.27): a CRD with two versions (v1 stored, v2 converted by an HTTPS webhook in this process, registered by
// `url` with a CA made here), objects written and read through both versions, a watch on the converted version,
// and a webhook that is down giving kube-apiserver's error text.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { hasKubectl, kubectlAsync, kubectlBinary, startCluster, type Cluster, type RunResult } from './harness.js';
import { startWebhookServer, type WebhookServer } from '../unit/admission/webhook/fixture.js';

const skip = hasKubectl ? false : 'kubectl is not installed';
let cluster: Cluster;
let server: WebhookServer;

/** v1 names the schedule `spec.cronSpec`, v2 `spec.schedule`. */
function convert(review: Record<string, any>): unknown {
  const to = String(review.request.desiredAPIVersion);
  const objs = (review.request.objects as Record<string, any>[]).map((o) => {
    const out = structuredClone(o);
    out.apiVersion = to;
    const spec = out.spec ?? {};
    if (to.endsWith('/v2') && 'cronSpec' in spec) {
      spec.schedule = spec.cronSpec;
      delete spec.cronSpec;
    } else if (to.endsWith('/v1') && 'schedule' in spec) {
      spec.cronSpec = spec.schedule;
      delete spec.schedule;
    }
    return out;
  });
  return { apiVersion: 'apiextensions.k8s.io/v1', kind: 'ConversionReview', response: { uid: review.request.uid, convertedObjects: objs, result: { status: 'Success' } } };
}

before(async () => {
  if (skip) return;
  server = await startWebhookServer();
  server.answer = (r) => ({ body: convert(r) });
  cluster = await startCluster({ args: ['--storage', 'memory', '--runtime', 'fake'], timeoutMs: 60_000 });
});

after(async () => {
  await cluster?.cleanup();
  await server?.close();
});

function ok(r: RunResult, what: string): string {
  assert.equal(r.status, 0, `${what}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const run = (args: string[], input?: string, binary?: string) => kubectlAsync(cluster, args, { ...(input !== undefined ? { input } : {}), ...(binary ? { binary } : {}) });

function crdYaml(group: string, url: string): string {
  const version = (name: string, storage: boolean, field: string) => `  - name: ${name}
    served: true
    storage: ${storage}
    additionalPrinterColumns:
    - name: Schedule
      type: string
      jsonPath: .spec.${field}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              ${field}: {type: string}
              image: {type: string}
`;
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: crontabs, singular: crontab, kind: CronTab}
  conversion:
    strategy: Webhook
    webhook:
      conversionReviewVersions: ["v1"]
      clientConfig:
        url: ${url}
        caBundle: ${server.caBundle}
  versions:
${version('v1', true, 'cronSpec')}${version('v2', false, 'schedule')}`;
}

async function waitServed(group: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await run(['get', `crontabs.v2.${group}`]);
    if (r.status === 0) return;
    if (Date.now() > deadline) assert.fail(`crontabs.v2.${group} not served: ${r.stderr}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

test('kubectl reads and writes both versions; the webhook converts the one not stored', { skip }, async () => {
  const group = 'conv.example.com';
  ok(await run(['apply', '-f', '-'], crdYaml(group, server.url('/convert'))), 'apply crd');
  ok(await run(['wait', '--for=condition=Established', `crd/crontabs.${group}`, '--timeout=20s']), 'established');
  await waitServed(group);
  ok(await run(['apply', '-f', '-'], `apiVersion: ${group}/v1\nkind: CronTab\nmetadata: {name: one, namespace: default}\nspec: {cronSpec: "*/5 * * * *", image: a}\n`), 'create v1');
  ok(await run(['apply', '-f', '-'], `apiVersion: ${group}/v2\nkind: CronTab\nmetadata: {name: two, namespace: default}\nspec: {schedule: "*/7 * * * *", image: b}\n`), 'create v2');

  const v1 = JSON.parse(ok(await run(['get', `crontabs.v1.${group}`, '-o', 'json']), 'get v1'));
  assert.deepEqual(v1.items.map((i: any) => [i.metadata.name, i.apiVersion, i.spec.cronSpec]), [['one', `${group}/v1`, '*/5 * * * *'], ['two', `${group}/v1`, '*/7 * * * *']]);
  const v2 = JSON.parse(ok(await run(['get', `crontabs.v2.${group}`, '-o', 'json']), 'get v2'));
  assert.deepEqual(v2.items.map((i: any) => [i.metadata.name, i.apiVersion, i.spec.schedule]), [['one', `${group}/v2`, '*/5 * * * *'], ['two', `${group}/v2`, '*/7 * * * *']]);
  const table = ok(await run(['get', `crontabs.v2.${group}`]), 'table v2');
  assert.match(table, /^NAME\s+SCHEDULE\n/);
  assert.match(table, /\none\s+\*\/5 \* \* \* \*\n/);
  const reviews = server.received.filter((r) => r.kind === 'ConversionReview');
  assert.ok(reviews.some((r) => r.request.desiredAPIVersion === `${group}/v2`), 'reads of v2 went through the webhook');
  assert.ok(reviews.some((r) => r.request.desiredAPIVersion === `${group}/v1`), 'the write of v2 was stored as v1');

  ok(await run(['patch', `crontabs.v2.${group}`, 'two', '--type=merge', '-p', '{"spec":{"schedule":"0 * * * *"}}']), 'patch v2');
  assert.equal(ok(await run(['get', `crontabs.v1.${group}`, 'two', '-o', 'jsonpath={.spec.cronSpec}']), 'get v1 after patch'), '0 * * * *');

  const k127 = kubectlBinary('1.27');
  if (k127) {
    const old = JSON.parse(ok(await run(['get', `crontabs.v2.${group}`, 'one', '-o', 'json'], undefined, k127), 'kubectl 1.27 get v2'));
    assert.equal(old.spec.schedule, '*/5 * * * *');
  }
});

test('kubectl get --watch on the converted version shows converted objects', { skip }, async () => {
  const group = 'conv.example.com';
  const child = spawn('kubectl', ['--kubeconfig', cluster.kubeconfig, 'get', `crontabs.v2.${group}`, '--watch', '--output-watch-events', '-o', 'json'], { env: { ...process.env, HOME: cluster.dataDir } });
  let out = '';
  const seen = new Promise<Record<string, any>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no watch event for "three": ${out}`)), 30_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      // kubectl prints one indented JSON document per event
      for (const doc of out.split(/\n(?=\{)/)) {
        try {
          const ev = JSON.parse(doc);
          if (ev.object?.metadata?.name === 'three') {
            clearTimeout(timer);
            resolve(ev);
          }
        } catch {
          // not complete yet
        }
      }
    });
  });
  try {
    // the watch's initial list first, then a new object
    await new Promise((res) => setTimeout(res, 1500));
    ok(await run(['apply', '-f', '-'], `apiVersion: ${group}/v1\nkind: CronTab\nmetadata: {name: three, namespace: default}\nspec: {cronSpec: "3 * * * *"}\n`), 'create three');
    const ev = await seen;
    assert.equal(ev.type, 'ADDED');
    assert.equal(ev.object.apiVersion, `${group}/v2`);
    assert.equal(ev.object.spec.schedule, '3 * * * *');
  } finally {
    child.kill();
  }
});

test('a conversion webhook that is down: kubectl prints kube-apiserver error text; the stored version still reads', { skip }, async () => {
  const dead = await startWebhookServer();
  const url = dead.url('/convert');
  await dead.close();
  const group = 'dead.example.com';
  ok(await run(['apply', '-f', '-'], crdYaml(group, url)), 'apply crd');
  ok(await run(['wait', '--for=condition=Established', `crd/crontabs.${group}`, '--timeout=20s']), 'established');
  await waitServed(group);
  ok(await run(['apply', '-f', '-'], `apiVersion: ${group}/v1\nkind: CronTab\nmetadata: {name: x, namespace: default}\nspec: {cronSpec: "1 * * * *"}\n`), 'create v1');
  const port = new URL(url).port;
  const r = await run(['get', `crontabs.v2.${group}`, 'x']);
  assert.notEqual(r.status, 0);
  assert.equal(r.stderr.trim(), `Error from server: conversion webhook for ${group}/v1, Kind=CronTab failed: Post "https://127.0.0.1:${port}/convert?timeout=30s": dial tcp 127.0.0.1:${port}: connect: connection refused`);
  assert.equal(ok(await run(['get', `crontabs.v1.${group}`, 'x', '-o', 'jsonpath={.spec.cronSpec}']), 'get v1'), '1 * * * *');
});
