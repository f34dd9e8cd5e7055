// The etcd key layout against the keys kube-apiserver writes (Kubernetes' test/integration/etcd/data.go lists
// the path of every stored resource), and its coverage of every resource a-kube stores.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalog } from '../../../src/api/catalog.js';
import { KeyLayout } from '../../../src/storage/etcd/key-layout.js';
import { earlierEtcdPrefix, kubeResourcePrefixes } from '../../../src/storage/etcd/kube-prefixes.js';
import { conversionFor } from '../../../src/registry/conversion/index.js';

const ns = 'etcdstoragepathtestnamespace';

/** a-kube's store key → the etcd key kube-apiserver uses for the same object. */
const kubeKeys: [string, string][] = [
  [`/registry/core/configmaps/${ns}/cm1`, `/registry/configmaps/${ns}/cm1`],
  [`/registry/core/services/${ns}/service1`, `/registry/services/specs/${ns}/service1`],
  [`/registry/core/podtemplates/${ns}/pt1name`, `/registry/podtemplates/${ns}/pt1name`],
  [`/registry/core/pods/${ns}/pod1`, `/registry/pods/${ns}/pod1`],
  [`/registry/core/endpoints/${ns}/ep1name`, `/registry/services/endpoints/${ns}/ep1name`],
  [`/registry/core/resourcequotas/${ns}/rq1name`, `/registry/resourcequotas/${ns}/rq1name`],
  [`/registry/core/limitranges/${ns}/lr1name`, `/registry/limitranges/${ns}/lr1name`],
  ['/registry/core/namespaces/namespace1', '/registry/namespaces/namespace1'],
  ['/registry/core/nodes/node1', '/registry/minions/node1'],
  ['/registry/core/persistentvolumes/pv1name', '/registry/persistentvolumes/pv1name'],
  [`/registry/core/events/${ns}/event1`, `/registry/events/${ns}/event1`],
  [`/registry/core/persistentvolumeclaims/${ns}/pvc1`, `/registry/persistentvolumeclaims/${ns}/pvc1`],
  [`/registry/core/serviceaccounts/${ns}/sa1name`, `/registry/serviceaccounts/${ns}/sa1name`],
  [`/registry/core/secrets/${ns}/secret1`, `/registry/secrets/${ns}/secret1`],
  [`/registry/core/replicationcontrollers/${ns}/rc1`, `/registry/controllers/${ns}/rc1`],
  [`/registry/apps/daemonsets/${ns}/ds6`, `/registry/daemonsets/${ns}/ds6`],
  [`/registry/apps/deployments/${ns}/deployment4`, `/registry/deployments/${ns}/deployment4`],
  [`/registry/apps/statefulsets/${ns}/ss3`, `/registry/statefulsets/${ns}/ss3`],
  [`/registry/apps/replicasets/${ns}/rs3`, `/registry/replicasets/${ns}/rs3`],
  [`/registry/apps/controllerrevisions/${ns}/crs3`, `/registry/controllerrevisions/${ns}/crs3`],
  [`/registry/autoscaling/horizontalpodautoscalers/${ns}/hpa2`, `/registry/horizontalpodautoscalers/${ns}/hpa2`],
  [`/registry/batch/jobs/${ns}/job1`, `/registry/jobs/${ns}/job1`],
  [`/registry/batch/cronjobs/${ns}/cjv1`, `/registry/cronjobs/${ns}/cjv1`],
  ['/registry/certificates.k8s.io/certificatesigningrequests/csr2', '/registry/certificatesigningrequests/csr2'],
  [`/registry/coordination.k8s.io/leases/${ns}/leasev1`, `/registry/leases/${ns}/leasev1`],
  [`/registry/discovery.k8s.io/endpointslices/${ns}/slicev1`, `/registry/endpointslices/${ns}/slicev1`],
  [`/registry/networking.k8s.io/ingresses/${ns}/ingress3`, `/registry/ingress/${ns}/ingress3`],
  ['/registry/networking.k8s.io/ingressclasses/ingressclass3', '/registry/ingressclasses/ingressclass3'],
  [`/registry/networking.k8s.io/networkpolicies/${ns}/np2`, `/registry/networkpolicies/${ns}/np2`],
  [`/registry/policy/poddisruptionbudgets/${ns}/pdbv1`, `/registry/poddisruptionbudgets/${ns}/pdbv1`],
  ['/registry/flowcontrol.apiserver.k8s.io/flowschemas/fs-3', '/registry/flowschemas/fs-3'],
  ['/registry/flowcontrol.apiserver.k8s.io/prioritylevelconfigurations/conf5', '/registry/prioritylevelconfigurations/conf5'],
  ['/registry/storage.k8s.io/volumeattachments/va3', '/registry/volumeattachments/va3'],
  ['/registry/storage.k8s.io/storageclasses/sc2', '/registry/storageclasses/sc2'],
  [`/registry/storage.k8s.io/csistoragecapacities/${ns}/csc-12345-3`, `/registry/csistoragecapacities/${ns}/csc-12345-3`],
  ['/registry/storage.k8s.io/csinodes/csini2', '/registry/csinodes/csini2'],
  ['/registry/storage.k8s.io/csidrivers/csid2', '/registry/csidrivers/csid2'],
  [`/registry/rbac.authorization.k8s.io/roles/${ns}/role3`, `/registry/roles/${ns}/role3`],
  ['/registry/rbac.authorization.k8s.io/clusterroles/crole3', '/registry/clusterroles/crole3'],
  [`/registry/rbac.authorization.k8s.io/rolebindings/${ns}/roleb3`, `/registry/rolebindings/${ns}/roleb3`],
  ['/registry/rbac.authorization.k8s.io/clusterrolebindings/croleb3', '/registry/clusterrolebindings/croleb3'],
  ['/registry/admissionregistration.k8s.io/validatingwebhookconfigurations/hook2', '/registry/validatingwebhookconfigurations/hook2'],
  ['/registry/admissionregistration.k8s.io/mutatingwebhookconfigurations/hook2', '/registry/mutatingwebhookconfigurations/hook2'],
  ['/registry/admissionregistration.k8s.io/validatingadmissionpolicies/vap1', '/registry/validatingadmissionpolicies/vap1'],
  ['/registry/admissionregistration.k8s.io/validatingadmissionpolicybindings/pb1', '/registry/validatingadmissionpolicybindings/pb1'],
  ['/registry/scheduling.k8s.io/priorityclasses/pc3', '/registry/priorityclasses/pc3'],
  ['/registry/apiregistration.k8s.io/apiservices/as2.foo.com', '/registry/apiregistration.k8s.io/apiservices/as2.foo.com'],
  [
    '/registry/apiextensions.k8s.io/customresourcedefinitions/openshiftwebconsoleconfigs.webconsole2.operator.openshift.io',
    '/registry/apiextensions.k8s.io/customresourcedefinitions/openshiftwebconsoleconfigs.webconsole2.operator.openshift.io',
  ],
  [`/registry/cr.bar.com/foos/${ns}/cr1foo`, `/registry/cr.bar.com/foos/${ns}/cr1foo`],
  ['/registry/custom.fancy.com/pants/cr2pant', '/registry/custom.fancy.com/pants/cr2pant'],
  ['/registry/node.k8s.io/runtimeclasses/rc3', '/registry/runtimeclasses/rc3'],
];

const layout = new KeyLayout('/registry');

for (const [storeKey, etcdKey] of kubeKeys) {
  test(`${etcdKey} is where kube-apiserver keeps it, both ways`, () => {
    assert.equal(layout.toEtcd(storeKey), etcdKey);
    assert.equal(layout.fromEtcd(etcdKey), storeKey);
  });
}

test('every resource a-kube stores has its kube-apiserver prefix, and the table names nothing else', () => {
  // a resource served as another's objects (events.k8s.io Events are core Events) is stored as that one
  const storedAs = (r: { group: string; resource: string }) => `${conversionFor(r)?.storage.group ?? r.group}`;
  const stored = new Set(catalog.filter((r) => r.verbs.includes('watch')).map((r) => `${storedAs(r) || 'core'}/${r.resource}`));
  assert.deepEqual([...stored].filter((r) => !Object.hasOwn(kubeResourcePrefixes, r)), []);
  assert.deepEqual(Object.keys(kubeResourcePrefixes).filter((r) => !stored.has(r)), []);
});

test('the etcd prefixes do not overlap, so the layout is one-to-one and each resource is one etcd range', () => {
  const prefixes = Object.values(kubeResourcePrefixes);
  assert.equal(new Set(prefixes).size, prefixes.length);
  for (const a of prefixes) {
    for (const b of prefixes) if (a !== b) assert.ok(!b.startsWith(`${a}/`), `${b} is inside ${a}`);
  }
});

test('keys of the earlier layout, of other programs and outside the root have no store key', () => {
  for (const resource of Object.keys(kubeResourcePrefixes)) {
    const earlier = `/registry/${earlierEtcdPrefix(resource)}/ns/x`;
    if (earlierEtcdPrefix(resource) !== kubeResourcePrefixes[resource]) {
      assert.equal(layout.fromEtcd(earlier), undefined, earlier);
    }
  }
  for (const other of ['/registry/events.k8s.io/events/ns/e', '/registry/ranges/serviceips', '/registry/masterleases/10.0.0.1', '/registry/apps/deployments/ns/d', '/other/pods/ns/p', '/registry']) {
    assert.equal(layout.fromEtcd(other), undefined, other);
  }
});

test('keys outside the scheme are escaped below <prefix>/-/, custom resources keep their group, the prefix is configurable', () => {
  const cases: [string, string][] = [
    ['/registry/nodots/things/x', '/registry/-/registry/nodots/things/x'],
    ['/registry/core/unknown/x', '/registry/-/registry/core/unknown/x'],
    ['/r/a', '/registry/-/r/a'],
    ['/registry/example.com/widgets/ns/w', '/registry/example.com/widgets/ns/w'],
    // events.k8s.io Events are stored as core Events: their own resource has no range (its earlier one is moved)
    ['/registry/events.k8s.io/events/ns/e', '/registry/-/registry/events.k8s.io/events/ns/e'],
  ];
  for (const [key, etcdKey] of cases) {
    assert.equal(layout.toEtcd(key), etcdKey);
    assert.equal(layout.fromEtcd(etcdKey), key);
  }
  assert.equal(new KeyLayout('/cluster-a/').toEtcd('/registry/apps/deployments/ns/d'), '/cluster-a/deployments/ns/d');
  assert.equal(layout.prefixToEtcd('/registry/core/services/'), '/registry/services/specs/');
  assert.equal(layout.prefixToEtcd('/registry/core/events/ns/'), '/registry/events/ns/');
  for (const bad of ['/registry/', '/registry/core/', '/registry/core/po', '/registry/apps/', '/', '']) {
    assert.throws(() => layout.prefixToEtcd(bad), /does not name one resource/, bad);
  }
  assert.throws(() => new KeyLayout('registry'), /must start with/);
});
