import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOW, create, strategy, update } from './helpers.js';

const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}), creationTimestamp: '2024-05-01T11:00:00Z' });
const backend = (name: string, number: number) => ({ service: { name, port: { number } } });

test('ingress: status starts as loadBalancer {}, table shows class, hosts, address and ports', () => {
  const ingresses = strategy('networking.k8s.io', 'v1', 'ingresses');
  const { obj, errors } = create(ingresses, {
    metadata: meta('web', 'ns'),
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['a.example.com'], secretName: 'tls' }],
      rules: [
        { host: 'a.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: backend('web', 80) }] } },
        { host: 'b.example.com', http: { paths: [{ path: '/api', pathType: 'Exact', backend: backend('api', 8080) }] } },
      ],
    },
    status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
  });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.status, { loadBalancer: {} });
  assert.equal(obj.metadata.generation, 1);
  assert.deepEqual(ingresses.table?.cells(obj, NOW), ['web', 'nginx', 'a.example.com,b.example.com', '', '80, 443', '60m']);

  const withStatus = { ...structuredClone(obj), status: { loadBalancer: { ingress: [{ ip: '10.0.0.9' }, { hostname: 'lb.example.com' }, { ip: '10.0.0.1' }] } } };
  assert.deepEqual(ingresses.table?.cells(withStatus, NOW).slice(1, 5), ['nginx', 'a.example.com,b.example.com', '10.0.0.1,10.0...', '80, 443']);
  const bare = create(ingresses, { metadata: meta('d', 'ns'), spec: { defaultBackend: backend('web', 80) } }).obj;
  assert.deepEqual(ingresses.table?.cells(bare, NOW), ['d', '<none>', '*', '', '80', '60m']);
  const many = create(ingresses, {
    metadata: meta('m', 'ns'),
    spec: { rules: ['a', 'b', 'c', 'd', 'e'].map((h) => ({ host: `${h}.io` })) },
  }).obj;
  assert.equal(ingresses.table?.cells(many, NOW)[2], 'a.io,b.io,c.io + 2 more...');

  // The main resource keeps the stored status; the status subresource validates addresses.
  const edited = update(ingresses, { ...structuredClone(obj), status: { loadBalancer: { ingress: [{ ip: '9.9.9.9' }] } } }, obj);
  assert.deepEqual(edited.obj.status, { loadBalancer: {} });
  const bad = { ...structuredClone(obj), status: { loadBalancer: { ingress: [{ ip: 'nope' }, { hostname: '1.2.3.4' }] } } };
  assert.deepEqual(ingresses.validateStatusUpdate?.(bad, obj).map((e) => `${e.field}: ${e.detail ?? ''}`), [
    'status.loadBalancer.ingress[0].ip: must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    'status.loadBalancer.ingress[1].hostname: must be a DNS name, not an IP address',
  ]);
});

test('ingress: validation texts as Kubernetes writes them', () => {
  const ingresses = strategy('networking.k8s.io', 'v1', 'ingresses');
  const errorsOf = (spec: Record<string, unknown>, annotations?: Record<string, string>) =>
    create(ingresses, { metadata: { ...meta('x', 'ns'), ...(annotations ? { annotations } : {}) }, spec }).errors;
  assert.deepEqual(errorsOf({}), ['spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified']);
  assert.deepEqual(errorsOf({ rules: [{ host: '1.2.3.4', http: { paths: [] } }] }), [
    'spec.rules[0].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address',
    'spec.rules[0].http.paths: Required value',
  ]);
  assert.deepEqual(errorsOf({ rules: [{ host: '*.Example.com' }] }), [
    `spec.rules[0].host: Invalid value: "*.Example.com": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  ]);
  const paths = (p: Record<string, unknown>) => errorsOf({ rules: [{ http: { paths: [p] } }] });
  assert.deepEqual(paths({ path: '/', backend: backend('web', 80) }), ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']);
  assert.deepEqual(paths({ path: 'rel', pathType: 'Prefix', backend: backend('web', 80) }), ['spec.rules[0].http.paths[0].path: Invalid value: "rel": must be an absolute path']);
  assert.deepEqual(paths({ path: '/a//b/..', pathType: 'Exact', backend: backend('web', 80) }), [
    `spec.rules[0].http.paths[0].path: Invalid value: "/a//b/..": must not contain '//'`,
    `spec.rules[0].http.paths[0].path: Invalid value: "/a//b/..": cannot end with '/..'`,
  ]);
  assert.deepEqual(paths({ path: '/', pathType: 'Regex', backend: backend('web', 80) }), [
    'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
  ]);
  assert.deepEqual(paths({ path: '/', pathType: 'Prefix', backend: {} }), ['spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required']);
  assert.deepEqual(errorsOf({ defaultBackend: { service: { name: '1web', port: {} } } }), [
    `spec.defaultBackend.service.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    'spec.defaultBackend: Required value: port name or number is required',
  ]);
  assert.deepEqual(errorsOf({ defaultBackend: { service: { name: 'web', port: { name: 'http', number: 80 } } } }), [
    'spec.defaultBackend: Invalid value: "": cannot set both port name & port number',
  ]);
  assert.deepEqual(errorsOf({ defaultBackend: { service: { name: 'web', port: { number: 70000 } } } }), [
    'spec.defaultBackend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive',
  ]);
  assert.deepEqual(errorsOf({ defaultBackend: { resource: { kind: 'Bucket', name: 'a/b' } } }), ["spec.defaultBackend.resource.name: Invalid value: \"a/b\": may not contain '/'"]);
  assert.deepEqual(errorsOf({ defaultBackend: backend('web', 80), ingressClassName: 'a' }, { 'kubernetes.io/ingress.class': 'b' }), [
    'annotations.kubernetes.io/ingress.class: Invalid value: "b": must match `ingressClassName` when both are specified',
  ]);
});

test('ingressclass: scope defaults to Cluster, controller rules, immutable controller, table', () => {
  const classes = strategy('networking.k8s.io', 'v1', 'ingressclasses');
  const { obj, errors } = create(classes, {
    metadata: meta('nginx'),
    spec: { controller: 'k8s.io/ingress-nginx', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } },
  });
  assert.deepEqual(errors, []);
  assert.equal((obj.spec as { parameters: { scope: string } }).parameters.scope, 'Cluster');
  assert.deepEqual(classes.table?.cells(obj, NOW), ['nginx', 'k8s.io/ingress-nginx', 'IngressParameters.k8s.example.com/external-lb', '60m']);
  assert.deepEqual(classes.table?.cells(create(classes, { metadata: meta('p'), spec: { controller: 'a.io/b' } }).obj, NOW), ['p', 'a.io/b', '<none>', '60m']);

  assert.deepEqual(create(classes, { metadata: meta('c'), spec: {} }).errors, ['spec.controller: Required value']);
  assert.deepEqual(create(classes, { metadata: meta('c'), spec: { controller: 'nginx' } }).errors, [
    'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")',
  ]);
  assert.deepEqual(create(classes, { metadata: meta('c'), spec: { controller: 'a.io/b', parameters: { kind: 'K', name: 'n', scope: 'Namespace' } } }).errors, [
    "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
  ]);
  assert.deepEqual(create(classes, { metadata: meta('c'), spec: { controller: 'a.io/b', parameters: { kind: 'K', name: 'n', scope: 'Cluster', namespace: 'x' } } }).errors, [
    "spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'",
  ]);
  assert.deepEqual(update(classes, { ...structuredClone(obj), spec: { controller: 'other.io/x' } }, obj).errors, [
    'spec.controller: Invalid value: "other.io/x": field is immutable',
  ]);
});

test('networkpolicy: defaults, validation texts, table', () => {
  const policies = strategy('networking.k8s.io', 'v1', 'networkpolicies');
  const { obj, errors } = create(policies, {
    metadata: meta('db', 'ns'),
    spec: { podSelector: { matchLabels: { role: 'db' } }, egress: [{ ports: [{ port: 5432 }] }], ingress: [{ from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }] }] },
  });
  assert.deepEqual(errors, []);
  const spec = obj.spec as { policyTypes: string[]; egress: { ports: { protocol: string }[] }[] };
  assert.deepEqual(spec.policyTypes, ['Ingress', 'Egress']);
  assert.equal(spec.egress[0]?.ports[0]?.protocol, 'TCP');
  assert.deepEqual(policies.table?.cells(obj, NOW), ['db', 'role=db', '60m']);
  const allPods = create(policies, { metadata: meta('deny', 'ns'), spec: { podSelector: {} } }).obj;
  assert.deepEqual((allPods.spec as { policyTypes: string[] }).policyTypes, ['Ingress']);
  assert.deepEqual(policies.table?.cells(allPods, NOW), ['deny', '<none>', '60m']);

  const errorsOf = (s: Record<string, unknown>) => create(policies, { metadata: meta('x', 'ns'), spec: { podSelector: {}, ...s } }).errors;
  assert.deepEqual(errorsOf({ ingress: [{ from: [{}] }] }), ['spec.ingress[0].from[0]: Required value: must specify a peer']);
  assert.deepEqual(errorsOf({ ingress: [{ from: [{ podSelector: {}, ipBlock: { cidr: '10.0.0.0/8' } }] }] }), [
    'spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer',
  ]);
  assert.deepEqual(errorsOf({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/33', except: ['x'] } }] }] }), [
    'spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
  ]);
  assert.deepEqual(errorsOf({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/16', '10.0.0.0/8', 'bad'] } }] }] }), [
    'spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "11.0.0.0/16": must be a strict subset of `cidr`',
    'spec.egress[0].to[0].ipBlock.except[1]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`',
    'spec.egress[0].to[0].ipBlock.except[2]: Invalid value: "bad": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
  ]);
  assert.deepEqual(errorsOf({ ingress: [{ from: [{ ipBlock: { cidr: 'fd00::/8', except: ['fd00:1::/32'] } }] }] }), []);
  assert.deepEqual(errorsOf({ ingress: [{ from: [{ ipBlock: {} }] }] }), ['spec.ingress[0].from[0].ipBlock.cidr: Required value']);
  assert.deepEqual(errorsOf({ ingress: [{ ports: [{ protocol: 'ICMP', port: 80, endPort: 70 }] }] }), [
    'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
    'spec.ingress[0].ports[0].endPort: Invalid value: 70: must be greater than or equal to `port`',
  ]);
  assert.deepEqual(errorsOf({ ingress: [{ ports: [{ port: 'http', endPort: 90 }, { endPort: 90 }] }] }), [
    'spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
    'spec.ingress[0].ports[1].endPort: Invalid value: 90: may not be specified when `port` is not specified',
  ]);
  assert.deepEqual(errorsOf({ policyTypes: ['Ingress', 'Sideways'] }), ['spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"']);
  assert.deepEqual(errorsOf({ policyTypes: ['Ingress', 'Egress', 'Ingress'] }), [
    'spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes',
  ]);
});
