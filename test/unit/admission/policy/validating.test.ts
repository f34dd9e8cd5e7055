// The ValidatingAdmissionPolicy plugin over fixed policies, bindings and params: CEL validations with message and
// messageExpression, matchConstraints, params from a ConfigMap, Deny/Warn actions, failurePolicy and the
// denial Status kube-apiserver writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatingAdmissionPolicyAdmission } from '../../../../src/admission/policy/validating.js';
import { staticReader } from '../../../../src/admission/reader.js';
import type { KubeObject } from '../../../../src/api/object.js';
import { StatusError } from '../../../../src/api/status.js';
import { configMapRequest, recordingAuthorizer } from '../webhook/fixture.js';
import type { Authorizer } from '../../../../src/auth/types.js';

const policy = (name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name },
  spec: {
    failurePolicy: 'Fail',
    matchConstraints: { matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {}, resourceRules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }] },
    ...spec,
  },
});
const binding = (name: string, policyName: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicyBinding',
  metadata: { name },
  spec: { policyName, validationActions: ['Deny'], ...spec },
});

function plugin(policies: KubeObject[], bindings: KubeObject[], configmaps: KubeObject[] = [], authorizer: Authorizer = recordingAuthorizer()) {
  const reader = staticReader({
    'validatingadmissionpolicies.admissionregistration.k8s.io': policies,
    'validatingadmissionpolicybindings.admissionregistration.k8s.io': bindings,
    namespaces: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns', labels: { env: 'prod' } } }],
    configmaps,
  });
  return validatingAdmissionPolicyAdmission({
    reader,
    namespaceLabels: async (n) => (await reader.get({ group: '', resource: 'namespaces' }, '', n))?.metadata.labels,
    paramSource: (apiVersion, kind) =>
      apiVersion === 'v1' && kind === 'ConfigMap'
        ? { namespaced: true, get: (ns, name) => reader.get({ group: '', resource: 'configmaps' }, ns, name), list: (ns) => reader.list({ group: '', resource: 'configmaps' }, ns) }
        : undefined,
    authorizer,
  });
}

async function refusal(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof StatusError, String(e));
    return e;
  }
  assert.fail('expected a refusal');
}

test('a failed validation denies with kube-apiserver message, reason and code', async () => {
  const p = plugin([policy('max-keys', { validations: [{ expression: 'size(object.data) <= 0' }] })], [binding('max-keys-b', 'max-keys')]);
  const e = await refusal(p.validate!(configMapRequest()));
  assert.equal(e.status.code, 422);
  assert.equal(e.status.reason, 'Invalid');
  assert.equal(e.status.message, `configmaps "cm" is forbidden: ValidatingAdmissionPolicy 'max-keys' with binding 'max-keys-b' denied request: failed expression: size(object.data) <= 0`);
  assert.deepEqual(e.status.details?.causes, [{ message: `ValidatingAdmissionPolicy 'max-keys' with binding 'max-keys-b' denied request: failed expression: size(object.data) <= 0` }]);
});

test('message, messageExpression and reason shape the refusal', async () => {
  const p = plugin(
    [policy('named', { validations: [{ expression: 'object.metadata.name.startsWith("ok-")', messageExpression: '"name " + object.metadata.name + " must start with ok-"', reason: 'Forbidden' }] })],
    [binding('named-b', 'named')],
  );
  const e = await refusal(p.validate!(configMapRequest()));
  assert.equal(e.status.code, 403);
  assert.match(e.status.message ?? '', /denied request: name cm must start with ok-$/);
  const m = plugin([policy('m', { validations: [{ expression: 'false', message: 'never' }] })], [binding('m-b', 'm')]);
  assert.match((await refusal(m.validate!(configMapRequest()))).status.message ?? '', /denied request: never$/);
});

test('Warn turns a failure into a warning; no matching binding, no check', async () => {
  const warnings: string[] = [];
  const p = plugin([policy('w', { validations: [{ expression: 'false', message: 'only a warning' }] })], [binding('w-b', 'w', { validationActions: ['Warn'] })]);
  await p.validate!(configMapRequest({}, warnings));
  assert.deepEqual(warnings, [`Validation failed for ValidatingAdmissionPolicy 'w' with binding 'w-b': only a warning`]);
  const none = plugin([policy('x', { validations: [{ expression: 'false' }] })], [binding('x-b', 'x', { matchResources: { namespaceSelector: { matchLabels: { env: 'dev' } }, objectSelector: {}, resourceRules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }] } })]);
  await none.validate!(configMapRequest());
  const orphan = plugin([], [binding('y-b', 'missing-policy')]);
  await orphan.validate!(configMapRequest());
});

test('params come from a ConfigMap named by the binding; a missing param follows parameterNotFoundAction', async () => {
  const limits: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', namespace: 'ns' }, data: { maxKeys: '0' } };
  const pol = policy('p', { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: 'size(object.data) <= int(params.data.maxKeys)', messageExpression: '"at most " + params.data.maxKeys + " keys"' }] });
  const p = plugin([pol], [binding('p-b', 'p', { paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' } })], [limits]);
  assert.match((await refusal(p.validate!(configMapRequest()))).status.message ?? '', /denied request: at most 0 keys$/);
  const missingDeny = plugin([pol], [binding('p-b', 'p', { paramRef: { name: 'gone', parameterNotFoundAction: 'Deny' } })]);
  assert.match((await refusal(missingDeny.validate!(configMapRequest()))).status.message ?? '', /denied request: no params found for policy binding with `Deny` parameterNotFoundAction$/);
  await plugin([pol], [binding('p-b', 'p', { paramRef: { name: 'gone', parameterNotFoundAction: 'Allow' } })]).validate!(configMapRequest());
});

test('evaluation errors refuse under failurePolicy Fail and are skipped under Ignore', async () => {
  const bad = (failurePolicy: string) => policy('e', { failurePolicy, validations: [{ expression: 'object.spec.replicas > 1' }] });
  const e = await refusal(plugin([bad('Fail')], [binding('e-b', 'e')]).validate!(configMapRequest()));
  assert.match(e.status.message ?? '', /denied request: expression 'object.spec.replicas > 1' resulted in error: /);
  await plugin([bad('Ignore')], [binding('e-b', 'e')]).validate!(configMapRequest());
});

test('variables are computed in order and read by validations', async () => {
  const p = plugin(
    [policy('v', { variables: [{ name: 'keys', expression: 'size(object.data)' }, { name: 'tooMany', expression: 'variables.keys > 0' }], validations: [{ expression: '!variables.tooMany', messageExpression: '"has " + string(variables.keys) + " keys"' }] })],
    [binding('v-b', 'v')],
  );
  assert.match((await refusal(p.validate!(configMapRequest()))).status.message ?? '', /denied request: has 1 keys$/);
});

function annotated() {
  const annotations: Record<string, string> = {};
  const warnings: string[] = [];
  const req = { ...configMapRequest({}, warnings), annotate: (k: string, v: string) => void (k in annotations || Object.defineProperty(annotations, k, { value: v, enumerable: true })) };
  return { req, annotations, warnings };
}

test('Audit records the failed validation as the validation_failure audit annotation (kube-apiserver JSON) and admits', async () => {
  const p = plugin(
    [policy('audited', { validations: [{ expression: 'true' }, { expression: "has(object.data.missing)", message: 'missing is required' }] })],
    [binding('audited-b', 'audited', { validationActions: ['Audit', 'Warn'] })],
  );
  const { req, annotations, warnings } = annotated();
  await p.validate!(req);
  assert.deepEqual({ ...annotations }, {
    'validation.policy.admission.k8s.io/validation_failure': '[{"message":"missing is required","policy":"audited","binding":"audited-b","expressionIndex":1,"validationActions":["Audit","Warn"]}]',
  });
  assert.deepEqual(warnings, ["Validation failed for ValidatingAdmissionPolicy 'audited' with binding 'audited-b': missing is required"]);
});

test('Deny with Audit refuses and still records the annotation', async () => {
  const p = plugin([policy('both', { validations: [{ expression: 'false', message: 'no' }] })], [binding('both-b', 'both', { validationActions: ['Deny', 'Audit'] })]);
  const { req, annotations } = annotated();
  const e = await refusal(p.validate!(req));
  assert.equal(e.status.message, "configmaps \"cm\" is forbidden: ValidatingAdmissionPolicy 'both' with binding 'both-b' denied request: no");
  assert.match(annotations['validation.policy.admission.k8s.io/validation_failure'] ?? '', /"expressionIndex":0,"validationActions":\["Deny","Audit"\]/);
});

test('auditAnnotations publish <policy>/<key> once per distinct value; null leaves the key out; errors deny under Fail', async () => {
  const cms = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p1', namespace: 'ns', labels: { param: 'yes' } }, data: { tier: 'gold' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p2', namespace: 'ns', labels: { param: 'yes' } }, data: { tier: 'silver' } },
  ] as KubeObject[];
  const spec = {
    paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
    auditAnnotations: [
      { key: 'tier', valueExpression: "'tier ' + params.data.tier" },
      { key: 'name', valueExpression: 'object.metadata.name' },
      { key: 'skipped', valueExpression: 'null' },
    ],
  };
  const p = plugin([policy('annotated', spec)], [binding('annotated-b', 'annotated', { paramRef: { selector: { matchLabels: { param: 'yes' } }, namespace: 'ns' } })], cms);
  const { req, annotations } = annotated();
  await p.validate!({ ...req, namespace: 'ns' });
  assert.deepEqual({ ...annotations }, { 'annotated/tier': 'tier gold, tier silver', 'annotated/name': 'cm' });

  const broken = plugin([policy('broken', { auditAnnotations: [{ key: 'k', valueExpression: '1' }] })], [binding('broken-b', 'broken')]);
  const e = await refusal(broken.validate!(annotated().req));
  assert.equal(e.status.message, "configmaps \"cm\" is forbidden: ValidatingAdmissionPolicy 'broken' with binding 'broken-b' denied request: valueExpression '1' resulted in unsupported return type: int. Return type must be either string or null.");
  const ignored = plugin([policy('broken', { failurePolicy: 'Ignore', auditAnnotations: [{ key: 'k', valueExpression: '1' }] })], [binding('broken-b', 'broken')]);
  await ignored.validate!(annotated().req);
});

test('validations ask the authorizer for the request user: resources, the request resource, service accounts, errors', async () => {
  const authz = recordingAuthorizer((a) => {
    if (a.verb === 'explode') throw new Error('authorizer unavailable');
    return (a.user.name === 'alice' && a.verb === 'approve' && a.resource === 'configmaps' && a.apiGroup === 'example.com') || a.user.name === 'system:serviceaccount:ns:builder';
  });
  const check = (validations: unknown[], req = configMapRequest()) =>
    plugin([policy('authz', { validations })], [binding('authz-b', 'authz')], [], authz).validate!(req);
  const approve = { expression: 'authorizer.group("example.com").resource("configmaps").namespace(object.metadata.namespace).name(object.metadata.name).check("approve").allowed()', messageExpression: '"user " + request.userInfo.username + " may not approve: " + authorizer.group("example.com").resource("configmaps").namespace(object.metadata.namespace).name(object.metadata.name).check("approve").reason()', reason: 'Forbidden' };
  await check([approve]);
  assert.deepEqual(authz.asked.at(-1), { user: { name: 'alice', groups: ['system:authenticated'] }, verb: 'approve', resourceRequest: true, namespace: 'ns', apiGroup: 'example.com', apiVersion: '*', resource: 'configmaps', subresource: '', name: 'cm', path: '' });
  // the message expression repeats the validation's check: asked once per request
  const before = authz.asked.length;
  const e = await refusal(check([approve], configMapRequest({ user: { name: 'bob', groups: [] } })));
  assert.equal(authz.asked.length, before + 1);
  assert.equal(e.status.code, 403);
  assert.equal(e.status.message, `configmaps "cm" is forbidden: ValidatingAdmissionPolicy 'authz' with binding 'authz-b' denied request: user bob may not approve: bob may not approve`);
  await check([{ expression: 'authorizer.serviceAccount("ns", "builder").group("").resource("pods").subresource("exec").check("create").allowed()' }]);
  assert.equal(authz.asked.at(-1)?.subresource, 'exec');
  assert.deepEqual(authz.asked.at(-1)?.user.groups, ['system:serviceaccounts', 'system:serviceaccounts:ns']);
  await refusal(check([{ expression: 'authorizer.requestResource.check("create").allowed()' }]));
  assert.equal(authz.asked.at(-1)?.apiVersion, 'v1');
  assert.equal(authz.asked.at(-1)?.name, 'cm');
  await check([{ expression: 'authorizer.requestResource.check("explode").errored() && authorizer.requestResource.check("explode").error() == "authorizer unavailable" && !authorizer.requestResource.check("explode").allowed()' }]);
  // variables and match conditions see the authorizer too
  const withVariable = plugin([policy('authz-v', { variables: [{ name: 'mayApprove', expression: 'authorizer.group("example.com").resource("configmaps").check("approve").allowed()' }], matchConditions: [{ name: 'not-system', expression: '!authorizer.path("/healthz").check("get").allowed()' }], validations: [{ expression: 'variables.mayApprove' }] })], [binding('authz-v-b', 'authz-v')], [], authz);
  await withVariable.validate!(configMapRequest());
  await refusal(withVariable.validate!(configMapRequest({ user: { name: 'bob', groups: [] } })));
});

test('runtime cost: an expression past the per-call limit errors; validations past the binding budget stop', async () => {
  const keys = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, 'v']));
  const big = configMapRequest({ object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' }, data: keys } });
  // 300³ steps: far past the per-call limit of 1e6
  const cubic = 'object.data.all(a, object.data.all(b, object.data.all(c, a + b + c != "")))';
  const e = await refusal(plugin([policy('cubic', { validations: [{ expression: cubic }] })], [binding('cubic-b', 'cubic')]).validate!(big));
  assert.equal(e.status.message, `configmaps "cm" is forbidden: ValidatingAdmissionPolicy 'cubic' with binding 'cubic-b' denied request: expression '${cubic}' resulted in error: operation cancelled: actual cost limit exceeded`);
  // each validation costs about 9e5 (under the per-call limit); twelve of them pass the budget of 1e7
  const square = 'object.data.all(a, object.data.all(b, a + b != ""))';
  const many = Array.from({ length: 12 }, () => ({ expression: square }));
  const b = await refusal(plugin([policy('many', { validations: many })], [binding('many-b', 'many')]).validate!(big));
  assert.equal(b.status.message, `configmaps "cm" is forbidden: ValidatingAdmissionPolicy 'many' with binding 'many-b' denied request: validation failed due to running out of cost budget, no further validation rules will be run`);
  await plugin([policy('many', { failurePolicy: 'Ignore', validations: many })], [binding('many-b', 'many')]).validate!(big);
  // one at a time they pass
  await plugin([policy('one', { validations: [{ expression: square }] })], [binding('one-b', 'one')]).validate!(big);
});
