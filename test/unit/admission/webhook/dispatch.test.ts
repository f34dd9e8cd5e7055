// The MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins against a real HTTPS webhook server in
// this process (CA made here): denials, JSON patches, warnings, failure policies, timeouts, dry run, selectors,
// match conditions, reinvocation and hostile answers.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mutatingWebhookAdmission, validatingWebhookAdmission } from '../../../../src/admission/webhook/dispatch.js';
import { StatusError } from '../../../../src/api/status.js';
import { allow, configMapRequest, configuration, deny, deps, hook, jsonPatch, recordingAuthorizer, startWebhookServer, type WebhookServer } from './fixture.js';

let server: WebhookServer;
before(async () => {
  server = await startWebhookServer();
});
after(async () => {
  await server.close();
});
beforeEach(() => {
  server.received.length = 0;
  server.answer = (r) => ({ body: allow(r) });
});

async function refusal(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e;
  }
  assert.fail('expected a refusal');
}

const validating = (...hooks: unknown[]) => validatingWebhookAdmission(deps({ validating: [configuration('ValidatingWebhookConfiguration', 'cfg', hooks)] }));
const mutating = (...hooks: unknown[]) => mutatingWebhookAdmission(deps({ mutating: [configuration('MutatingWebhookConfiguration', 'cfg', hooks)] }));

test('a validating webhook receives an AdmissionReview v1 and its denial carries its Status and message', async () => {
  server.answer = (r) => ({ body: deny(r, { code: 403, reason: 'Forbidden', message: 'configmaps need an owner label' }) });
  const p = validating(hook('deny.example.com', server.url('/validate'), server.caBundle));
  const e = await refusal(p.validate!(configMapRequest()));
  assert.equal(e.status.message, 'admission webhook "deny.example.com" denied the request: configmaps need an owner label');
  assert.equal(e.status.code, 403);
  assert.equal(e.status.reason, 'Forbidden');
  const review = server.received[0]!;
  assert.equal(review.apiVersion, 'admission.k8s.io/v1');
  assert.equal(review.kind, 'AdmissionReview');
  assert.equal(review.request.operation, 'CREATE');
  assert.deepEqual(review.request.resource, { group: '', version: 'v1', resource: 'configmaps' });
  assert.deepEqual(review.request.kind, { group: '', version: 'v1', kind: 'ConfigMap' });
  assert.equal(review.request.userInfo.username, 'alice');
  assert.equal(review.request.object.metadata.name, 'cm');
  assert.equal(review.request.oldObject, null);
  assert.equal(review.request.options.kind, 'CreateOptions');
  assert.equal(review.request.dryRun, false);
});

test('denials without a message, or without a code, read as kube-apiserver writes them', async () => {
  server.answer = (r) => ({ body: deny(r, {}) });
  let e = await refusal(validating(hook('a.example.com', server.url(), server.caBundle)).validate!(configMapRequest()));
  assert.equal(e.status.message, 'admission webhook "a.example.com" denied the request without explanation');
  assert.equal(e.status.code, 500);
  server.answer = (r) => ({ body: deny(r, { reason: 'NotAllowed' }) });
  e = await refusal(validating(hook('a.example.com', server.url(), server.caBundle)).validate!(configMapRequest()));
  assert.equal(e.status.message, 'admission webhook "a.example.com" denied the request: NotAllowed');
});

test('a mutating webhook JSON patch is applied, its warnings reach the client', async () => {
  server.answer = (r) => ({ body: jsonPatch(r, [{ op: 'add', path: '/metadata/labels/added-by', value: 'webhook' }], { warnings: ['labels were added'] }) });
  const warnings: string[] = [];
  const req = configMapRequest({}, warnings);
  await mutating(hook('label.example.com', server.url('/mutate'), server.caBundle)).admit!(req);
  assert.deepEqual(req.object.metadata.labels, { app: 'x', 'added-by': 'webhook' });
  assert.deepEqual(warnings, ['labels were added']);
});

test("a webhook's audit annotations reach the audit log keyed by the webhook's name", async () => {
  server.answer = (r) => ({ body: allow(r, { auditAnnotations: { decision: 'checked' } }) });
  const annotations: Record<string, string> = {};
  const req = { ...configMapRequest(), annotate: (k: string, v: string) => void Object.defineProperty(annotations, k, { value: v, enumerable: true }) };
  await validating(hook('audit.example.com', server.url(), server.caBundle)).validate!(req);
  assert.deepEqual({ ...annotations }, { 'audit.example.com/decision': 'checked' });
});

test('patches cannot reach prototype keys', async () => {
  server.answer = (r) => ({ body: jsonPatch(r, [{ op: 'add', path: '/metadata/labels/__proto__', value: { polluted: 'yes' } }]) });
  const req = configMapRequest();
  try {
    await mutating(hook('proto.example.com', server.url(), server.caBundle)).admit!(req);
  } catch (e) {
    assert.ok(e instanceof StatusError);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal((req.object.metadata.labels as Record<string, unknown>).polluted, undefined);
});

test('failurePolicy: Ignore admits when the webhook is unreachable; Fail refuses with the call error', async () => {
  const dead = 'https://127.0.0.1:1/never';
  await validating(hook('ignore.example.com', dead, server.caBundle, { failurePolicy: 'Ignore' })).validate!(configMapRequest());
  const e = await refusal(validating(hook('fail.example.com', dead, server.caBundle)).validate!(configMapRequest()));
  assert.equal(e.status.code, 500);
  assert.equal(e.status.reason, 'InternalError');
  assert.equal(
    e.status.message,
    'Internal error occurred: failed calling webhook "fail.example.com": failed to call webhook: Post "https://127.0.0.1:1/never?timeout=2s": dial tcp 127.0.0.1:1: connect: connection refused',
  );
  const m = await refusal(mutating(hook('fail.example.com', dead, server.caBundle)).admit!(configMapRequest()));
  assert.match(m.status.message ?? '', /^Internal error occurred: failed calling webhook "fail.example.com": failed to call webhook: /);
});

test('a webhook slower than timeoutSeconds fails with a deadline, and the call does not wait longer', async () => {
  server.answer = (r) => ({ body: allow(r), delayMs: 20_000 });
  const started = Date.now();
  const e = await refusal(validating(hook('slow.example.com', server.url('/slow'), server.caBundle, { timeoutSeconds: 1 })).validate!(configMapRequest()));
  assert.ok(Date.now() - started < 10_000, 'the call ended at its timeout, long before the answer');
  assert.equal(e.status.message, `Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "${server.url('/slow')}?timeout=1s": context deadline exceeded`);
  // A webhook that never answers at all, with Ignore, admits after its timeout.
  server.answer = () => undefined;
  await validating(hook('mute.example.com', server.url(), server.caBundle, { timeoutSeconds: 1, failurePolicy: 'Ignore' })).validate!(configMapRequest());
});

test('a CA that did not sign the serving certificate is a call failure', async () => {
  const otherCa = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n').toString('base64');
  const e = await refusal(validating(hook('tls.example.com', server.url(), otherCa)).validate!(configMapRequest()));
  assert.match(e.status.message ?? '', /failed calling webhook "tls.example.com": failed to call webhook: Post/);
  const noCa = await refusal(validating(hook('tls.example.com', server.url(), '')).validate!(configMapRequest()));
  assert.match(noCa.status.message ?? '', /x509: certificate signed by unknown authority/);
});

test('dry run is refused for webhooks with side effects, sent with dryRun for the others', async () => {
  const e = await refusal(validating(hook('effects.example.com', server.url(), server.caBundle, { sideEffects: 'Some' })).validate!(configMapRequest({ dryRun: true })));
  assert.equal(e.status.code, 400);
  assert.equal(e.status.message, 'admission webhook "effects.example.com" does not support dry run');
  await validating(hook('clean.example.com', server.url(), server.caBundle, { sideEffects: 'NoneOnDryRun' })).validate!(configMapRequest({ dryRun: true }));
  assert.equal(server.received.at(-1)?.request.dryRun, true);
});

test('rules, scope, object and namespace selectors and match conditions decide who is called', async () => {
  const calls = async (h: Record<string, unknown>, req = configMapRequest()) => {
    server.received.length = 0;
    await validating(h).validate!(req);
    return server.received.length;
  };
  const base = (extra: Record<string, unknown>) => hook('sel.example.com', server.url(), server.caBundle, extra);
  assert.equal(await calls(base({})), 1);
  assert.equal(await calls(base({ rules: [{ operations: ['DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }] })), 0);
  assert.equal(await calls(base({ rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'], scope: 'Cluster' }] })), 0);
  assert.equal(await calls(base({ rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'], scope: 'Namespaced' }] })), 1);
  assert.equal(await calls(base({ rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['configmaps/status'] }] })), 0);
  assert.equal(await calls(base({ objectSelector: { matchLabels: { app: 'y' } } })), 0);
  assert.equal(await calls(base({ objectSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['x'] }] } })), 1);
  assert.equal(await calls(base({ namespaceSelector: { matchLabels: { team: 'b' } } })), 0);
  assert.equal(await calls(base({ namespaceSelector: { matchLabels: { team: 'a' } } })), 1);
  assert.equal(await calls(base({ matchConditions: [{ name: 'only-x', expression: 'object.metadata.labels["app"] == "y"' }] })), 0);
  assert.equal(await calls(base({ matchConditions: [{ name: 'user', expression: 'request.userInfo.username == "alice"' }] })), 1);
  // An evaluation error with failurePolicy Fail refuses without calling; with Ignore the webhook is skipped.
  const e = await refusal(validating(base({ matchConditions: [{ name: 'bad', expression: 'object.spec.missing == 1' }] })).validate!(configMapRequest()));
  assert.match(e.status.message ?? '', /failed calling webhook "sel.example.com": failed to evaluate match conditions/);
  assert.equal(await calls(base({ failurePolicy: 'Ignore', matchConditions: [{ name: 'bad', expression: 'object.spec.missing == 1' }] })), 0);
});

test('match conditions share a cost budget of 2.5e6 per webhook; past it the failure policy decides', async () => {
  const base = (extra: Record<string, unknown>) => hook('cost.example.com', server.url(), server.caBundle, extra);
  const data = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, 'v']));
  const req = () => configMapRequest({ object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' }, data } });
  // each condition costs about 9e5, under the per-call limit; three of them pass the budget
  const square = 'object.data.all(a, object.data.all(b, a + b != ""))';
  const conditions = ['a', 'b', 'c'].map((name) => ({ name, expression: square }));
  const e = await refusal(validating(base({ matchConditions: conditions })).validate!(req()));
  assert.match(e.status.message ?? '', /failed calling webhook "cost.example.com": failed to evaluate match conditions: validation failed due to running out of cost budget, no further validation rules will be run$/);
  server.received.length = 0;
  await validating(base({ failurePolicy: 'Ignore', matchConditions: conditions })).validate!(req());
  assert.equal(server.received.length, 0);
  await validating(base({ matchConditions: conditions.slice(0, 2) })).validate!(req());
  assert.equal(server.received.length, 1);
});

test('match conditions ask the authorizer for the request user; requestResource is the resource in the called version', async () => {
  const authz = recordingAuthorizer((a) => a.user.name === 'alice' && a.verb === 'get' && a.resource === 'secrets');
  const validatingAs = (expression: string) => validatingWebhookAdmission({ ...deps({ validating: [configuration('ValidatingWebhookConfiguration', 'cfg', [hook('authz.example.com', server.url(), server.caBundle, { matchConditions: [{ name: 'authz', expression }] })])] }), authorizer: authz });
  const calls = async (expression: string, req = configMapRequest()) => {
    server.received.length = 0;
    await validatingAs(expression).validate!(req);
    return server.received.length;
  };
  const mayReadSecrets = '!authorizer.group("").resource("secrets").namespace(request.namespace).check("get").allowed()';
  assert.equal(await calls(mayReadSecrets), 0);
  assert.deepEqual(authz.asked.at(-1), { user: { name: 'alice', groups: ['system:authenticated'] }, verb: 'get', resourceRequest: true, namespace: 'ns', apiGroup: '', apiVersion: '*', resource: 'secrets', subresource: '', name: '', path: '' });
  assert.equal(await calls(mayReadSecrets, configMapRequest({ user: { name: 'bob', groups: ['system:authenticated'] } })), 1);
  assert.equal(await calls('authorizer.requestResource.check("update").reason() == "alice may not update"'), 1);
  assert.deepEqual(authz.asked.at(-1), { user: { name: 'alice', groups: ['system:authenticated'] }, verb: 'update', resourceRequest: true, namespace: 'ns', apiGroup: '', apiVersion: 'v1', resource: 'configmaps', subresource: '', name: 'cm', path: '' });
  assert.equal(await calls('authorizer.path("/metrics").check("get").allowed()'), 0);
  assert.equal(authz.asked.at(-1)?.path, '/metrics');
  assert.equal(authz.asked.at(-1)?.resourceRequest, false);
});

test('webhook configuration objects are never sent to webhooks', async () => {
  const p = validating(hook('all.example.com', server.url(), server.caBundle, { rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }] }));
  for (const resource of ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings']) {
    assert.equal(p.handles(configMapRequest({ resource: { group: 'admissionregistration.k8s.io', version: 'v1', resource, kind: 'X' } })), false);
  }
  assert.equal(p.handles(configMapRequest()), true);
});

test('DELETE sends the stored object as oldObject and no object', async () => {
  const req = configMapRequest({ operation: 'DELETE' });
  req.oldObject = structuredClone(req.object);
  await validating(hook('del.example.com', server.url(), server.caBundle, { rules: [{ operations: ['DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }] })).validate!(req);
  const r = server.received[0]!.request;
  assert.equal(r.object, null);
  assert.equal(r.oldObject.metadata.name, 'cm');
  assert.equal(r.options.kind, 'DeleteOptions');
});

test('answers that break the protocol are call failures with kube-apiserver texts', async () => {
  const cases: [string, (r: Record<string, any>) => unknown, string | RegExp][] = [
    ['uid', (r) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'other', allowed: true } }), /received invalid webhook response: expected response.uid=".*", got "other"/],
    ['kind', (r) => ({ apiVersion: 'v1', kind: 'Nope', response: { uid: r.request.uid, allowed: true } }), 'received invalid webhook response: expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got v1, Kind=Nope'],
    ['absent', () => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), 'received invalid webhook response: webhook response was absent'],
    ['patch', (r) => allow(r, { patch: 'W10=' }), 'received invalid webhook response: validating webhook may not return response.patch'],
    ['not json', () => 'not json', /received invalid webhook response: /],
  ];
  for (const [name, body, want] of cases) {
    server.answer = (r) => ({ body: body(r) });
    const e = await refusal(validating(hook('proto.example.com', server.url(), server.caBundle)).validate!(configMapRequest()));
    if (typeof want === 'string') assert.equal(e.status.message, `Internal error occurred: failed calling webhook "proto.example.com": ${want}`, name);
    else assert.match(e.status.message ?? '', want, name);
  }
  server.answer = () => ({ status: 500, body: 'boom' });
  const e = await refusal(validating(hook('http.example.com', server.url(), server.caBundle)).validate!(configMapRequest()));
  assert.equal(e.status.message, 'Internal error occurred: failed calling webhook "http.example.com": failed to call webhook: an error on the server ("boom") has prevented the request from succeeding');
});

test('a response past the size bound is refused, not buffered', async () => {
  server.answer = (r) => ({ body: allow(r, { warnings: ['x'.repeat(9 * 1024 * 1024)] }) });
  // A generous timeout: the bound, not the clock, must end this call.
  const e = await refusal(validating(hook('big.example.com', server.url(), server.caBundle, { timeoutSeconds: 30 })).validate!(configMapRequest()));
  assert.match(e.status.message ?? '', /response body larger than 8388608 bytes/);
});

test('reinvocationPolicy IfNeeded calls an earlier webhook again after a later one changed the object', async () => {
  server.answer = (r) => {
    const path = r.request.object.metadata.labels;
    if (r.__path === undefined && !('second' in path) && r.request.object.metadata.annotations?.round === undefined && server.received.length === 2) {
      return { body: jsonPatch(r, [{ op: 'add', path: '/metadata/labels/second', value: 'yes' }]) };
    }
    return { body: allow(r) };
  };
  const first = hook('first.example.com', server.url('/first'), server.caBundle, { reinvocationPolicy: 'IfNeeded' });
  const second = hook('second.example.com', server.url('/second'), server.caBundle, { reinvocationPolicy: 'Never' });
  const req = configMapRequest();
  await mutating(first, second).admit!(req);
  assert.equal(req.object.metadata.labels?.second, 'yes');
  // first, second (changes the object), first again
  assert.equal(server.received.length, 3);
  assert.equal(server.received[2]!.request.object.metadata.labels.second, 'yes');
});

test('a Service reference resolves to a ready endpoint and the certificate must name the Service', async () => {
  const port = Number(new URL(server.url()).port);
  const objects = {
    services: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'hook', namespace: 'webhooks' }, spec: { type: 'ClusterIP', clusterIP: '10.0.0.9', ports: [{ name: 'https', port: 443, targetPort: port }] } }],
    slices: [
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'hook-abc', namespace: 'webhooks', labels: { 'kubernetes.io/service-name': 'hook' } },
        ports: [{ name: 'https', port }],
        endpoints: [{ addresses: ['127.0.0.2'], conditions: { ready: false } }, { addresses: ['127.0.0.1'], conditions: { ready: true } }],
      },
    ],
  };
  const h = hook('svc.example.com', '', server.caBundle, { clientConfig: { service: { namespace: 'webhooks', name: 'hook', path: '/validate', port: 443 }, caBundle: server.caBundle } });
  server.answer = (r) => ({ body: deny(r, { message: 'via service' }) });
  const p = validatingWebhookAdmission(deps({ ...objects, validating: [configuration('ValidatingWebhookConfiguration', 'cfg', [h])] }));
  const e = await refusal(p.validate!(configMapRequest()));
  assert.equal(e.status.message, 'admission webhook "svc.example.com" denied the request: via service');
  const missing = validatingWebhookAdmission(deps({ validating: [configuration('ValidatingWebhookConfiguration', 'cfg', [h])] }));
  const m = await refusal(missing.validate!(configMapRequest()));
  assert.equal(m.status.message, 'Internal error occurred: failed calling webhook "svc.example.com": failed to call webhook: Post "https://hook.webhooks.svc:443/validate?timeout=2s": service "hook" not found');
});
