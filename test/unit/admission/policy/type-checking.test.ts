// status.typeChecking of ValidatingAdmissionPolicies: expressions are checked against the OpenAPI schemas of the
// kinds matchConstraints names (wildcards skipped); a field the schema lacks is reported in cel-go's words, per
// kind; the API server's status loop writes observedGeneration and typeChecking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { policyTypeChecking } from '../../../../src/admission/policy/type-checking.js';
import { findResource } from '../../../../src/api/catalog.js';
import type { KubeObject } from '../../../../src/api/object.js';
import { testServer } from '../../apiserver/helpers.js';

const resolve = (g: string, v: string, r: string) => {
  const i = findResource(g, v, r);
  return i ? { kind: i.kind, definition: i.definition } : undefined;
};

const policy = (rules: unknown[], validations: unknown[]): KubeObject => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingAdmissionPolicy',
  metadata: { name: 'p', generation: 1 },
  spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules: rules }, validations },
});

const deployments = { apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments', 'replicasets'], operations: ['CREATE', 'UPDATE'] };

test('a field the matched kinds lack is reported per kind, sorted, with the expression and a caret at the selection', () => {
  const warnings = policyTypeChecking(policy([deployments], [
    { expression: 'object.spec.replica > 1' },
    { expression: 'object.spec.replicas <= 5 && object.metadata.name != "" && object.spec.template.spec.containers.all(c, c.image != "")', messageExpression: "'bad ' + object.spec.selector.matchLabelz" },
  ]), resolve);
  assert.deepEqual(warnings, [
    {
      fieldRef: 'spec.validations[0].expression',
      warning: "apps/v1, Kind=Deployment: ERROR: <input>:1:12: undefined field 'replica'\n | object.spec.replica > 1\n | ...........^\n" +
        "apps/v1, Kind=ReplicaSet: ERROR: <input>:1:12: undefined field 'replica'\n | object.spec.replica > 1\n | ...........^",
    },
    {
      fieldRef: 'spec.validations[1].messageExpression',
      warning: "apps/v1, Kind=Deployment: ERROR: <input>:1:30: undefined field 'matchLabelz'\n | 'bad ' + object.spec.selector.matchLabelz\n | .............................^\n" +
        "apps/v1, Kind=ReplicaSet: ERROR: <input>:1:30: undefined field 'matchLabelz'\n | 'bad ' + object.spec.selector.matchLabelz\n | .............................^",
    },
  ]);
});

test('core kinds read as "/v1"; wildcard rules and maps of free keys give no warnings', () => {
  const core = policyTypeChecking(policy([{ apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], operations: ['*'] }], [
    { expression: "object.data.anything == 'x' && object.metadata.labels.app == 'y'" },
    { expression: 'object.dta.size() > 0' },
  ]), resolve);
  assert.equal(core.length, 1);
  assert.equal(core[0]!.fieldRef, 'spec.validations[1].expression');
  assert.match(core[0]!.warning, /^\/v1, Kind=ConfigMap: ERROR: <input>:1:7: undefined field 'dta'\n/);
  assert.deepEqual(policyTypeChecking(policy([{ apiGroups: ['*'], apiVersions: ['v1'], resources: ['deployments'], operations: ['*'] }], [{ expression: 'object.nothing' }]), resolve), []);
});

test('the API server writes observedGeneration and typeChecking on the status of each new generation', async () => {
  const s = await testServer();
  try {
    const body = policy([deployments], [{ expression: 'object.spec.replica > 1' }]);
    delete (body.metadata as Record<string, unknown>)['generation'];
    const r = await s.call('POST', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', body);
    assert.equal(r.status, 201, r.text);
    const read = async (gen: number) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const got = (await s.call('GET', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/p')).json() as Record<string, any>;
        if (got.status?.observedGeneration === gen) return got.status;
        assert.ok(Date.now() < deadline, `no status for generation ${gen}: ${JSON.stringify(got)}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    };
    const first = await read(1);
    assert.equal(first.typeChecking.expressionWarnings.length, 1);
    assert.equal(first.typeChecking.expressionWarnings[0].fieldRef, 'spec.validations[0].expression');
    const fixed = await s.call('PATCH', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/p', { spec: { validations: [{ expression: 'object.spec.replicas > 1' }] } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(fixed.status, 200, fixed.text);
    assert.deepEqual(await read(2), { observedGeneration: 2, typeChecking: {} });
  } finally {
    await s.close();
  }
});
