import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attributes } from '../../../src/auth/types.js';
import { forbiddenError } from '../../../src/apiserver/forbidden.js';

function attrs(a: Partial<Attributes>): Attributes {
  return { user: { name: 'alice', groups: [] }, verb: 'get', resourceRequest: true, namespace: '', apiGroup: '', apiVersion: 'v1', resource: '', subresource: '', name: '', path: '', ...a };
}

const cases: { name: string; attrs: Attributes; reason?: string; message: string; details: Record<string, unknown> }[] = [
  {
    name: 'list pods in a namespace (anonymous)',
    attrs: attrs({ user: { name: 'system:anonymous', groups: ['system:unauthenticated'] }, verb: 'list', namespace: 'ns-1', resource: 'pods' }),
    message: 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "ns-1"',
    details: { kind: 'pods' },
  },
  {
    name: 'named pod',
    attrs: attrs({ namespace: 'ns-1', resource: 'pods', name: 'web-0' }),
    message: 'pods "web-0" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "ns-1"',
    details: { name: 'web-0', kind: 'pods' },
  },
  {
    name: 'cluster scope',
    attrs: attrs({ verb: 'list', resource: 'nodes' }),
    message: 'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
    details: { kind: 'nodes' },
  },
  {
    name: 'group resource',
    attrs: attrs({ user: { name: 'system:serviceaccount:ns-1:k-sa-1', groups: [] }, verb: 'list', apiGroup: 'apps', namespace: 'ns-1', resource: 'deployments' }),
    message: 'deployments.apps is forbidden: User "system:serviceaccount:ns-1:k-sa-1" cannot list resource "deployments" in API group "apps" in the namespace "ns-1"',
    details: { group: 'apps', kind: 'deployments' },
  },
  {
    name: 'subresource',
    attrs: attrs({ verb: 'create', namespace: 'ns-1', resource: 'pods', subresource: 'exec', name: 'web-0' }),
    message: 'pods "web-0" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" in the namespace "ns-1"',
    details: { name: 'web-0', kind: 'pods' },
  },
  {
    name: 'non-resource',
    attrs: attrs({ user: { name: 'system:anonymous', groups: [] }, resourceRequest: false, path: '/foo' }),
    message: 'forbidden: User "system:anonymous" cannot get path "/foo"',
    details: {},
  },
  {
    name: 'reason appended and HTML-escaped',
    attrs: attrs({ resource: 'nodes', verb: 'list' }),
    reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "<x>&" not found',
    message: 'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope: RBAC: clusterrole.rbac.authorization.k8s.io "&lt;x&gt;&amp;" not found',
    details: { kind: 'nodes' },
  },
];

for (const c of cases) {
  test(`forbidden: ${c.name}`, () => {
    const e = forbiddenError(c.attrs, c.reason ?? '');
    assert.equal(e.code, 403);
    assert.equal(e.status.reason, 'Forbidden');
    assert.equal(e.status.message, c.message);
    assert.deepEqual(e.status.details, c.details);
  });
}
