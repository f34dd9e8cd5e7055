// Classification: which FlowSchema (and so which priority level) a request lands in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mandatoryFlowSchemas, suggestedFlowSchemas } from '../../../../src/api/flowcontrol/bootstrap.js';
import type { FlowSchema } from '../../../../src/api/flowcontrol/types.js';
import { compileFlowSchema, flowDistinguisher, flowSchemaMatches, orderFlowSchemas } from '../../../../src/apiserver/flowcontrol/classify.js';
import { parseRequestInfo } from '../../../../src/apiserver/request-info.js';
import type { UserInfo } from '../../../../src/auth/types.js';

const shipped = orderFlowSchemas([...mandatoryFlowSchemas, ...suggestedFlowSchemas].map(compileFlowSchema));

function classify(schemas: typeof shipped, method: string, url: string, user: UserInfo): string {
  const info = parseRequestInfo(method, url);
  return schemas.find((fs) => flowSchemaMatches(fs, info, user))?.name ?? '<none>';
}

const authed = (name: string, ...groups: string[]): UserInfo => ({ name, groups: [...groups, 'system:authenticated'] });

test('the shipped schemas route requests as kube-apiserver does', () => {
  assert.equal(classify(shipped, 'GET', '/api/v1/pods', authed('admin', 'system:masters')), 'exempt');
  assert.equal(classify(shipped, 'GET', '/healthz', { name: 'system:anonymous', groups: ['system:unauthenticated'] }), 'probes');
  assert.equal(classify(shipped, 'GET', '/readyz', authed('alice')), 'probes');
  assert.equal(classify(shipped, 'GET', '/api/v1/namespaces/default/pods', authed('alice')), 'global-default');
  assert.equal(classify(shipped, 'GET', '/version', { name: 'system:anonymous', groups: ['system:unauthenticated'] }), 'global-default');
  assert.equal(classify(shipped, 'PUT', '/api/v1/nodes/n1/status', authed('system:node:n1', 'system:nodes')), 'system-node-high');
  assert.equal(classify(shipped, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1', authed('system:node:n1', 'system:nodes')), 'system-node-high');
  assert.equal(classify(shipped, 'GET', '/api/v1/namespaces/default/pods', authed('system:node:n1', 'system:nodes')), 'system-nodes');
  assert.equal(classify(shipped, 'PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler', authed('system:kube-scheduler')), 'system-leader-election');
  assert.equal(classify(shipped, 'GET', '/api/v1/pods', authed('system:kube-scheduler')), 'kube-scheduler');
  assert.equal(classify(shipped, 'PUT', '/api/v1/namespaces/default/endpoints/web', authed('system:serviceaccount:kube-system:endpoint-controller', 'system:serviceaccounts')), 'endpoint-controller');
  assert.equal(classify(shipped, 'GET', '/api/v1/namespaces/default/configmaps/x', authed('system:serviceaccount:kube-system:replicaset-controller', 'system:serviceaccounts')), 'workload-leader-election');
  assert.equal(classify(shipped, 'DELETE', '/api/v1/namespaces/default/pods/x', authed('system:serviceaccount:kube-system:replicaset-controller', 'system:serviceaccounts')), 'kube-system-service-accounts');
  assert.equal(classify(shipped, 'GET', '/api/v1/namespaces/default/pods', authed('system:serviceaccount:default:app', 'system:serviceaccounts')), 'service-accounts');
  // without the usual groups, catch-all still does not match: nothing does
  assert.equal(classify(shipped, 'GET', '/api/v1/pods', { name: 'odd', groups: [] }), '<none>');
});

test('resource rules: verbs, groups, subresources, namespaces and cluster scope', () => {
  const fs: FlowSchema = {
    metadata: { name: 'narrow', uid: 'u1' },
    spec: {
      priorityLevelConfiguration: { name: 'slow' },
      matchingPrecedence: 50,
      distinguisherMethod: { type: 'ByNamespace' },
      rules: [{
        subjects: [{ kind: 'ServiceAccount', serviceAccount: { namespace: 'ci', name: '*' } }, { kind: 'User', user: { name: 'bob' } }],
        resourceRules: [
          { verbs: ['list', 'get'], apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], namespaces: ['team-a'] },
          { verbs: ['*'], apiGroups: [''], resources: ['nodes'], clusterScope: true },
        ],
        nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/metrics', '/debug/*'] }],
      }],
    },
  };
  const c = [compileFlowSchema(fs)];
  const bob = authed('bob');
  const ciBot = authed('system:serviceaccount:ci:builder', 'system:serviceaccounts');
  assert.equal(classify(c, 'GET', '/apis/apps/v1/namespaces/team-a/deployments', bob), 'narrow');
  assert.equal(classify(c, 'GET', '/apis/apps/v1/namespaces/team-a/deployments/web/scale', ciBot), 'narrow');
  assert.equal(classify(c, 'GET', '/apis/apps/v1/namespaces/team-a/deployments/web/status', bob), '<none>', 'subresource not listed');
  assert.equal(classify(c, 'GET', '/apis/apps/v1/namespaces/team-b/deployments', bob), '<none>', 'other namespace');
  assert.equal(classify(c, 'GET', '/apis/apps/v1/deployments', bob), '<none>', 'all namespaces is cluster scope');
  assert.equal(classify(c, 'DELETE', '/apis/apps/v1/namespaces/team-a/deployments/web', bob), '<none>', 'verb');
  assert.equal(classify(c, 'GET', '/api/v1/namespaces/team-a/deployments', bob), '<none>', 'group');
  assert.equal(classify(c, 'DELETE', '/api/v1/nodes/n1', bob), 'narrow');
  assert.equal(classify(c, 'GET', '/metrics', bob), 'narrow');
  assert.equal(classify(c, 'GET', '/metrics/extra', bob), 'narrow', 'a plain URL also covers what lies below it');
  assert.equal(classify(c, 'GET', '/debug/pprof', bob), 'narrow');
  assert.equal(classify(c, 'GET', '/debugging', bob), '<none>');
  assert.equal(classify(c, 'GET', '/api/v1/nodes', authed('system:serviceaccount:prod:builder', 'system:serviceaccounts')), '<none>', 'service account of another namespace');
  assert.equal(classify(c, 'GET', '/api/v1/nodes', authed('alice')), '<none>');
  assert.equal(flowDistinguisher(c[0]!, parseRequestInfo('GET', '/apis/apps/v1/namespaces/team-a/deployments'), bob), 'team-a');
});

test('order: lowest matchingPrecedence first, then name', () => {
  const mk = (name: string, p: number): FlowSchema => ({ metadata: { name }, spec: { priorityLevelConfiguration: { name: 'x' }, matchingPrecedence: p, rules: [] } });
  assert.deepEqual(orderFlowSchemas([mk('b', 10), mk('a', 10), mk('c', 5)].map(compileFlowSchema)).map((f) => f.name), ['c', 'a', 'b']);
});
