// a-kubectl's commands against the real API server, in-process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, type CliHarness } from './harness.js';

let h: CliHarness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

async function ok(...args: string[]): Promise<string> {
  const r = await h.run(args);
  assert.equal(r.code, 0, `${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

test('create namespace and serviceaccount print kubectl’s lines; duplicates fail as kubectl does', async () => {
  assert.equal(await ok('create', 'namespace', 'ns-1'), 'namespace/ns-1 created\n');
  assert.equal(await ok('create', 'serviceaccount', 'k-sa-1', '-n', 'ns-1'), 'serviceaccount/k-sa-1 created\n');
  assert.deepEqual(await h.run(['create', 'namespace', 'ns-1']), { code: 1, stdout: '', stderr: 'Error from server (AlreadyExists): namespaces "ns-1" already exists\n' });
  assert.deepEqual(await h.run(['create', 'sa', 'k-sa-1', '-n=ns-1']), {
    code: 1,
    stdout: '',
    stderr: 'error: failed to create serviceaccount: serviceaccounts "k-sa-1" already exists\n',
  });
  assert.equal(await ok('create', 'ns', 'dry', '--dry-run=client', '-o', 'name'), 'namespace/dry\n');
  assert.equal((await h.run(['get', 'ns', 'dry'])).code, 1);
});

test('create argument errors', async () => {
  assert.deepEqual(await h.run(['create', 'namespace']), {
    code: 1,
    stdout: '',
    stderr: "error: exactly one NAME is required, got 0\nSee 'a-kubectl create namespace -h' for help and examples\n",
  });
  assert.deepEqual(await h.run(['get', '--bogus']), { code: 1, stdout: '', stderr: "error: unknown flag: --bogus\nSee 'a-kubectl get --help' for usage.\n" });
  assert.equal((await h.run(['get', 'nothings'])).stderr, 'error: the server doesn\'t have a resource type "nothings"\n');
});

test('get: names, types, output formats, selectors, missing objects', async () => {
  await ok('create', 'configmap', 'c1', '--from-literal=a=b', '-n', 'ns-1');
  await ok('create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=2', '-n', 'ns-1');
  assert.equal(await ok('get', 'cm', 'c1', '-n', 'ns-1', '-o', 'jsonpath={.data.a}'), 'b');
  assert.equal(await ok('get', 'sa', '-n', 'ns-1', '-o', 'name'), 'serviceaccount/k-sa-1\n');
  assert.equal(await ok('get', 'deploy/web', '-n', 'ns-1', '-o', 'jsonpath={.spec.template.spec.containers[0].name}'), 'nginx');
  const list = JSON.parse(await ok('get', 'configmaps', '-n', 'ns-1', '-o', 'json')) as { kind: string; items: { kind: string }[] };
  assert.equal(list.kind, 'List');
  assert.equal(list.items[0]?.kind, 'ConfigMap');
  const table = await ok('get', 'cm,deploy', '-n', 'ns-1');
  assert.match(table, /^NAME\s+DATA\s+AGE\nconfigmap\/c1\s+1\s+/);
  assert.match(table, /\n\nNAME\s+.*\ndeployment\.apps\/web\s+/);
  await ok('label', 'cm', 'c1', '-n', 'ns-1', 'team=a');
  assert.equal(await ok('get', 'cm', '-n', 'ns-1', '-l', 'team=a', '-o', 'name'), 'configmap/c1\n');
  const missing = await h.run(['get', 'cm', 'c1', 'nope', '-n', 'ns-1', '-o', 'name']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error from server (NotFound): configmaps "nope" not found\n');
  assert.equal(missing.stdout, 'configmap/c1\n');
  const empty = await h.run(['get', 'secrets', '-n', 'ns-1']);
  assert.deepEqual(empty, { code: 0, stdout: '', stderr: 'No resources found in ns-1 namespace.\n' });
  assert.equal((await ok('get', '--raw', '/api/v1/namespaces/ns-1')).includes('"name":"ns-1"'), true);
});

test('get -w prints the list, then each change', async () => {
  const ac = new AbortController();
  let seenNew: () => void = () => {};
  const sawNew = new Promise<void>((resolve) => (seenNew = resolve));
  const watching = h.run(['get', 'configmaps', '-n', 'ns-1', '-w', '-o', 'name'], {
    signal: ac.signal,
    onStdout: (all) => {
      if (all.includes('configmap/w1')) seenNew();
    },
  });
  // the first line proves the list is done and the watch is about to start
  await ok('create', 'configmap', 'w1', '-n', 'ns-1');
  await sawNew;
  ac.abort();
  const r = await watching;
  assert.match(r.stdout, /configmap\/c1\n/);
  assert.match(r.stdout, /configmap\/w1\n/);
});

test('apply: created, unchanged, configured; and -f for get and delete', async () => {
  const file = join(h.dir, 'app.yaml');
  const doc = (v: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: ns-1\ndata:\n  k: ${v}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: ns-1\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers: [{name: c, image: "img:${v}"}]\n`;
  writeFileSync(file, doc('v1'));
  assert.equal(await ok('apply', '-f', file), 'configmap/applied created\ndeployment.apps/api created\n');
  assert.equal(await ok('apply', '-f', file), 'configmap/applied unchanged\ndeployment.apps/api unchanged\n');
  writeFileSync(file, doc('v2'));
  assert.equal(await ok('apply', '-f', file), 'configmap/applied configured\ndeployment.apps/api configured\n');
  assert.equal(await ok('get', '-f', file, '-o', 'jsonpath={.items[*].metadata.name}'), 'applied api');
  assert.equal(await ok('get', 'deploy', 'api', '-n', 'ns-1', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'), 'img:v2');
  assert.equal(await ok('delete', '-f', file), 'configmap "applied" deleted\ndeployment.apps "api" deleted\n');
  const again = await h.run(['delete', '-f', file]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^Error from server \(NotFound\): error when deleting ".*app\.yaml": configmaps "applied" not found\n/);
  assert.equal((await h.run(['delete', '-f', file, '--ignore-not-found'])).code, 0);
});

test('create -f reads stdin, multi-doc YAML and List kinds', async () => {
  const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'l1' } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'l2' } }] });
  const r = await h.run(['create', '-f', '-', '-n', 'ns-1'], { stdin: input });
  assert.deepEqual(r, { code: 0, stdout: 'configmap/l1 created\nconfigmap/l2 created\n', stderr: '' });
  const dup = await h.run(['create', '-f', '-', '-n', 'ns-1'], { stdin: input });
  assert.equal(dup.stderr, 'Error from server (AlreadyExists): error when creating "STDIN": configmaps "l1" already exists\nError from server (AlreadyExists): error when creating "STDIN": configmaps "l2" already exists\n');
});

test('label, annotate and patch follow kubectl’s messages and overwrite rules', async () => {
  assert.equal(await ok('label', 'cm/c1', '-n', 'ns-1', 'team=a'), 'configmap/c1 not labeled\n');
  assert.deepEqual(await h.run(['label', 'cm', 'c1', '-n', 'ns-1', 'team=b']), {
    code: 1,
    stdout: '',
    stderr: "error: 'team' already has a value (a), and --overwrite is false\n",
  });
  assert.equal(await ok('label', 'cm', 'c1', '-n', 'ns-1', 'team=b', '--overwrite'), 'configmap/c1 labeled\n');
  assert.equal(await ok('label', 'cm', 'c1', '-n', 'ns-1', 'team-'), 'configmap/c1 unlabeled\n');
  assert.equal(await ok('annotate', 'cm', 'c1', '-n', 'ns-1', 'note=hi'), 'configmap/c1 annotated\n');
  assert.equal((await h.run(['annotate', 'cm', 'c1', '-n', 'ns-1', 'note=ho'])).stderr, "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (hi)\n");
  assert.equal(await ok('patch', 'cm', 'c1', '-n', 'ns-1', '-p', '{"data":{"x":"y"}}'), 'configmap/c1 patched\n');
  assert.equal(await ok('patch', 'cm', 'c1', '-n', 'ns-1', '--type=merge', '-p', '{"data":{"x":"y"}}'), 'configmap/c1 patched (no change)\n');
  assert.equal(await ok('patch', 'cm', 'c1', '-n', 'ns-1', '--type', 'json', '-p', '[{"op":"remove","path":"/data/x"}]'), 'configmap/c1 patched\n');
  assert.equal(await ok('get', 'cm', 'c1', '-n', 'ns-1', '-o', 'jsonpath={.data}'), '{"a":"b"}');
});

test('describe lays out fields and events', async () => {
  const out = await ok('describe', 'cm', 'c1', '-n', 'ns-1');
  assert.match(out, /^Name:         c1\nNamespace:    ns-1\nLabels:       <none>\nAnnotations:  note: hi\n\nData\n====\na:\n----\nb\n/);
  assert.match(out, /Events:  <none>\n$/);
  assert.match(await ok('describe', 'ns', 'ns-1'), /^Name:         ns-1\nLabels:       kubernetes\.io\/metadata\.name=ns-1\nAnnotations:  <none>\nStatus:       Active\n/);
  assert.equal((await h.run(['describe', 'cm', 'zzz', '-n', 'ns-1'])).stderr, 'Error from server (NotFound): configmaps "zzz" not found\n');
});

test('discovery commands and version', async () => {
  assert.match(await ok('api-resources'), /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND\n/);
  assert.match(await ok('api-resources', '--api-group=apps', '-o', 'name'), /^controllerrevisions\.apps\n/);
  const versions = (await ok('api-versions')).split('\n');
  assert.ok(versions.includes('v1') && versions.includes('apps/v1'));
  assert.match(await ok('version', '--client'), /^Client Version: v1\.\d+/);
  assert.match(await ok('version'), /\nServer Version: v1\.\d+/);
  assert.match(await ok('cluster-info'), /^Kubernetes control plane is running at https:\/\/127\.0\.0\.1:\d+\n/);
});

test('config commands read and write the kubeconfig', async () => {
  assert.equal(await ok('config', 'current-context'), 'admin\n');
  assert.equal(await ok('config', 'set-context', '--current', '--namespace=ns-1'), 'Context "admin" modified.\n');
  assert.equal(await ok('get', 'sa', '-o', 'name'), 'serviceaccount/k-sa-1\n');
  assert.match(await ok('config', 'get-contexts'), /^CURRENT\s+NAME\s+CLUSTER\s+AUTHINFO\s+NAMESPACE\n\*\s+admin\s+local\s+admin\s+ns-1\n/);
  const view = await ok('config', 'view');
  assert.match(view, /token: REDACTED/);
  assert.equal(await ok('config', 'view', '--raw', '--minify', '-o', 'jsonpath={.users[0].user.token}'), 'test-token');
  assert.equal((await h.run(['config', 'use-context', 'nope'])).stderr, 'error: no context exists with the name: "nope"\n');
});

test('server and connection errors print as kubectl prints them', async () => {
  assert.deepEqual(await h.run(['get', 'ns', '--token', 'wrong']), { code: 1, stdout: '', stderr: 'error: You must be logged in to the server (Unauthorized)\n' });
  const refused = await h.run(['get', 'ns', '--server', 'https://127.0.0.1:1']);
  assert.equal(refused.stderr, 'The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n');
  assert.equal((await h.run(['get', 'ns', '--context', 'nope'])).stderr, 'Error in configuration: context was not found for specified context: nope\n');
});

test('delete waits for the object and reports each deletion', async () => {
  assert.equal(await ok('delete', 'deploy', 'web', '-n', 'ns-1'), 'deployment.apps "web" deleted\n');
  assert.equal((await h.run(['delete', 'cm', '-l', 'a=b', '--all', '-n', 'ns-1'])).stderr, 'error: cannot set --all and --selector at the same time\n');
  assert.equal(await ok('delete', 'cm', '--all', '-n', 'ns-1'), 'configmap "c1" deleted\nconfigmap "l1" deleted\nconfigmap "l2" deleted\nconfigmap "w1" deleted\n');
  assert.deepEqual(await h.run(['delete', 'cm', '--all', '-n', 'ns-1']), { code: 0, stdout: '', stderr: 'No resources found\n' });
});

test('edit sends back what the editor changed; an untouched file cancels', async () => {
  // The value has letters no UID or timestamp can hold, so the editor changes nothing else ("bee" once matched a UID).
  await ok('create', 'configmap', 'e1', '--from-literal=a=bumblebee', '-n', 'ns-1');
  assert.equal((await h.run(['edit', 'cm', 'e1', '-n', 'ns-1'], { env: { KUBE_EDITOR: 'sed -i s/bumblebee/honeybee/' } })).stdout, 'configmap/e1 edited\n');
  assert.equal(await ok('get', 'cm', 'e1', '-n', 'ns-1', '-o', 'jsonpath={.data.a}'), 'honeybee');
  assert.deepEqual(await h.run(['edit', 'cm/e1', '-n', 'ns-1'], { env: { KUBE_EDITOR: 'true' } }), { code: 0, stdout: '', stderr: 'Edit cancelled, no changes made.\n' });
});

test('help and unknown commands', async () => {
  const root = await ok('--help');
  assert.match(root, /^a-kubectl controls the Kubernetes cluster manager\./);
  assert.match(root, /Basic Commands \(Beginner\):\n  create /);
  assert.match(await ok('create', 'namespace', '--help'), /Usage:\n  a-kubectl create namespace NAME \[--dry-run=server\|client\|none\] \[options\]/);
  assert.deepEqual(await h.run(['frobnicate']), { code: 1, stdout: '', stderr: 'error: unknown command "frobnicate" for "a-kubectl"\n' });
});
