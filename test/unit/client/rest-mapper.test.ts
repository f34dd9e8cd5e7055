import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRestMapper, NoKindMatchError, UnknownResourceError, singularQualified } from '../../../src/client/rest-mapper.js';
import type { DiscoveredResource, Discovery } from '../../../src/client/discovery.js';

function r(group: string, version: string, resource: string, kind: string, extra: Partial<DiscoveredResource> = {}): DiscoveredResource {
  return { group, version, resource, singularName: kind.toLowerCase(), kind, namespaced: true, verbs: ['get', 'list'], shortNames: [], categories: [], preferred: true, ...extra };
}

const discovery: Discovery = {
  groups: [],
  failed: [],
  resources: [
    r('', 'v1', 'pods', 'Pod', { shortNames: ['po'], categories: ['all'] }),
    r('', 'v1', 'services', 'Service', { shortNames: ['svc'], categories: ['all'] }),
    r('', 'v1', 'events', 'Event', { shortNames: ['ev'] }),
    r('', 'v1', 'namespaces', 'Namespace', { shortNames: ['ns'], namespaced: false }),
    r('apps', 'v1', 'deployments', 'Deployment', { shortNames: ['deploy'], categories: ['all'] }),
    r('apps', 'v1beta1', 'deployments', 'Deployment', { preferred: false }),
    r('events.k8s.io', 'v1', 'events', 'Event', { shortNames: ['ev'] }),
    r('rbac.authorization.k8s.io', 'v1', 'roles', 'Role'),
  ],
};

const mapper = createRestMapper(discovery);

const cases: [string, string, string, string][] = [
  ['pods', '', 'v1', 'pods'],
  ['pod', '', 'v1', 'pods'],
  ['po', '', 'v1', 'pods'],
  ['Pod', '', 'v1', 'pods'],
  ['PODS', '', 'v1', 'pods'],
  ['deploy', 'apps', 'v1', 'deployments'],
  ['deployments.apps', 'apps', 'v1', 'deployments'],
  ['deployment.apps', 'apps', 'v1', 'deployments'],
  ['deployment.v1.apps', 'apps', 'v1', 'deployments'],
  ['deployments.v1beta1.apps', 'apps', 'v1beta1', 'deployments'],
  ['events', '', 'v1', 'events'],
  ['events.events.k8s.io', 'events.k8s.io', 'v1', 'events'],
  ['roles.rbac', 'rbac.authorization.k8s.io', 'v1', 'roles'],
  ['ns', '', 'v1', 'namespaces'],
];

for (const [word, group, version, resource] of cases) {
  test(`resourceFor(${word})`, () => {
    const m = mapper.resourceFor(word);
    assert.deepEqual([m.group, m.version, m.resource], [group, version, resource]);
  });
}

test('unknown words fail with kubectl’s message', () => {
  assert.throws(() => mapper.resourceFor('foo'), (e: unknown) => e instanceof UnknownResourceError && e.message === 'the server doesn\'t have a resource type "foo"');
  assert.throws(() => mapper.resourceFor('deployments.batch'), UnknownResourceError);
});

test('categories expand in discovery order', () => {
  assert.deepEqual(mapper.expand('all').map((m) => m.resource), ['pods', 'services', 'deployments']);
  assert.deepEqual(mapper.expand('po').map((m) => m.resource), ['pods']);
});

test('kindFor maps manifests, including non-preferred versions', () => {
  assert.equal(mapper.kindFor('apps/v1beta1', 'Deployment').version, 'v1beta1');
  assert.equal(mapper.kindFor('v1', 'Namespace').namespaced, false);
  assert.throws(() => mapper.kindFor('v1', 'Foo'), (e: unknown) => e instanceof NoKindMatchError && e.message === 'no matches for kind "Foo" in version "v1"');
});

test('singularQualified names types as kubectl prints them', () => {
  assert.equal(singularQualified(mapper.resourceFor('deploy')), 'deployment.apps');
  assert.equal(singularQualified(mapper.resourceFor('po')), 'pod');
});
