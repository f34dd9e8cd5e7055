// CONNECT admission (pods/exec, pods/attach, pods/portforward): the API server builds the connect options as the
// object and runs the dynamic plugins; a webhook registered for CONNECT on pods/exec receives an AdmissionReview
// with operation CONNECT, kind PodExecOptions, the options without metadata and no operation options, and can
// refuse the exec; a VAP can refuse by the command; built-in plugins are not run.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { validatingWebhookAdmission } from '../../../../src/admission/webhook/dispatch.js';
import { validatingAdmissionPolicyAdmission } from '../../../../src/admission/policy/validating.js';
import { staticReader } from '../../../../src/admission/reader.js';
import { admitConnect } from '../../../../src/apiserver/admission.js';
import { findResource } from '../../../../src/api/catalog.js';
import { StatusError } from '../../../../src/api/status.js';
import type { AdmissionPlugin } from '../../../../src/admission/types.js';
import { allow, configuration, deny, deps, hook, recordingAuthorizer, startWebhookServer, type WebhookServer } from './fixture.js';

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

function scope(plugins: AdmissionPlugin[], subresource = 'exec') {
  const pods = findResource('', 'v1', 'pods')!;
  return {
    ctx: { user: { name: 'alice', groups: ['system:authenticated'] }, warnings: [] as string[] } as never,
    info: { namespace: 'ns', urlName: 'web', subresource } as never,
    resource: pods,
    admission: plugins,
  };
}

const execHook = () => hook('exec.example.com', server.url('/exec'), server.caBundle, {
  rules: [{ operations: ['CONNECT'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/exec'], scope: '*' }],
});

test('a webhook for CONNECT on pods/exec receives PodExecOptions and can refuse the exec', async () => {
  const plugin = validatingWebhookAdmission(deps({ validating: [configuration('ValidatingWebhookConfiguration', 'cfg', [execHook()])] }));
  const options = { kind: 'PodExecOptions', apiVersion: 'v1', stdin: true, stdout: true, tty: true, container: 'app', command: ['sh'] };
  await admitConnect(scope([plugin]), 'exec', options);
  const review = server.received[0]!;
  assert.equal(review.request.operation, 'CONNECT');
  assert.deepEqual(review.request.kind, { group: '', version: 'v1', kind: 'PodExecOptions' });
  assert.deepEqual(review.request.resource, { group: '', version: 'v1', resource: 'pods' });
  assert.equal(review.request.subResource, 'exec');
  assert.equal(review.request.name, 'web');
  assert.equal(review.request.namespace, 'ns');
  assert.deepEqual(review.request.object, options);
  assert.equal(review.request.oldObject, null);
  assert.equal(review.request.options, null);

  server.answer = (r) => ({ body: deny(r, { code: 403, reason: 'Forbidden', message: 'no shells here' }) });
  await assert.rejects(admitConnect(scope([plugin]), 'exec', options), (e: unknown) => e instanceof StatusError && e.status.message === 'admission webhook "exec.example.com" denied the request: no shells here');
  // attach is another subresource: the exec rule does not match it
  server.received.length = 0;
  await admitConnect(scope([plugin], 'attach'), 'attach', { kind: 'PodAttachOptions', apiVersion: 'v1', stdin: true });
  assert.equal(server.received.length, 0);
});

test('a ValidatingAdmissionPolicy on CONNECT reads the exec command; built-in plugins are not run on CONNECT', async () => {
  const reader = staticReader({
    'validatingadmissionpolicies.admissionregistration.k8s.io': [{
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'no-rm' },
      spec: { failurePolicy: 'Fail', matchConstraints: { resourceRules: [{ operations: ['CONNECT'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/exec'] }] }, validations: [{ expression: "!object.command.exists(c, c == 'rm')", message: 'rm is not allowed' }] },
    }],
    'validatingadmissionpolicybindings.admissionregistration.k8s.io': [{ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'no-rm-b' }, spec: { policyName: 'no-rm', validationActions: ['Deny'] } }],
    namespaces: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } }],
  });
  const vap = validatingAdmissionPolicyAdmission({ reader, namespaceLabels: async () => ({}), paramSource: () => undefined, authorizer: recordingAuthorizer() });
  let builtinCalled = false;
  const builtin: AdmissionPlugin = { name: 'LimitRanger', handles: () => true, validate: async () => void (builtinCalled = true) };
  await admitConnect(scope([vap, builtin]), 'exec', { kind: 'PodExecOptions', apiVersion: 'v1', command: ['ls'] });
  await assert.rejects(admitConnect(scope([vap]), 'exec', { kind: 'PodExecOptions', apiVersion: 'v1', command: ['rm', '-rf', '/'] }), (e: unknown) => e instanceof StatusError && /ValidatingAdmissionPolicy 'no-rm' with binding 'no-rm-b' denied request: rm is not allowed/.test(e.status.message ?? ''));
  assert.equal(builtinCalled, false);
});
