// `exec` against a fake WebSocket server speaking v5.channel.k8s.io.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { exitCodeOf } from '../../../src/cli/streaming/remote-command.js';
import { runA, startFakeCluster, status, type FakeCluster } from './fake-cluster.js';

interface Session {
  url: URL;
  protocol: string;
  headers: IncomingMessage['headers'];
  stdin: string;
  stdinClosed: boolean;
}

let cluster: FakeCluster;
const sessions: Session[] = [];
/** What the fake container does with a session: by the command it was asked to run. */
function behave(ws: WebSocket, s: Session): void {
  const command = s.url.searchParams.getAll('command');
  const send = (channel: number, text: string) => ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(text)]));
  const finish = (st: unknown) => {
    send(3, JSON.stringify(st));
    ws.close(1000);
  };
  if (command[0] === 'cat') {
    ws.on('message', (data: Buffer) => {
      if (data[0] === 0) {
        s.stdin += data.subarray(1).toString();
        send(1, data.subarray(1).toString());
      }
      if (data[0] === 255 && data[1] === 0) {
        s.stdinClosed = true;
        finish({ metadata: {}, status: 'Success' });
      }
    });
    return;
  }
  if (command[0] === 'false') {
    send(2, 'failing\n');
    finish({ metadata: {}, status: 'Failure', message: 'command terminated with non-zero exit code: error executing command [false], exit code 3', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    return;
  }
  send(1, `ran ${command.join(' ')} in ${s.url.searchParams.get('container') ?? ''}\n`);
  send(2, 'héllo'.slice(0, 2));
  send(2, 'héllo'.slice(2) + '\n');
  finish({ metadata: {}, status: 'Success' });
}

before(async () => {
  cluster = await startFakeCluster();
  const pod = (name: string, containers: string[], phase = 'Running') => ({
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name, namespace: 'ns-1', labels: { run: 'nginx-1' }, creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { containers: containers.map((c) => ({ name: c, image: 'x' })) },
    status: { phase, conditions: [{ type: 'Ready', status: 'True' }] },
  });
  cluster.on('GET', '/api/v1/namespaces/ns-1/pods/web', { body: pod('web', ['nginx']) });
  cluster.on('GET', '/api/v1/namespaces/ns-1/pods/two', { body: pod('two', ['app', 'sidecar']) });
  cluster.on('GET', '/api/v1/namespaces/ns-1/pods/done', { body: pod('done', ['app'], 'Succeeded') });
  cluster.on('GET', '/apis/apps/v1/namespaces/ns-1/deployments/nginx-1', { body: { kind: 'Deployment', metadata: { name: 'nginx-1' }, spec: { selector: { matchLabels: { run: 'nginx-1' } } } } });
  cluster.on('GET', '/api/v1/namespaces/ns-1/pods', (req) => ({ body: { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: req.query.get('labelSelector') === 'run=nginx-1' ? [pod('nginx-1-abc', ['nginx-1'])] : [] } }));
  cluster.on('GET', '/api/v1/namespaces/ns-1/pods/forbidden', { body: pod('forbidden', ['c']) });
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
  cluster.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.endsWith('/forbidden/exec')) {
      const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "forbidden" is forbidden: User "u" cannot create resource "pods/exec" in API group "" in the namespace "ns-1"', reason: 'Forbidden', code: 403 });
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s: Session = { url, protocol: ws.protocol, headers: req.headers, stdin: '', stdinClosed: false };
      sessions.push(s);
      behave(ws, s);
    });
  });
});
after(() => cluster.close());

test('exec POD -- CMD: query, protocol, stdout and stderr (split UTF-8 kept whole)', async () => {
  const r = await runA(cluster, ['exec', 'web', '-n', 'ns-1', '--', 'ls', '-la']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ran ls -la in nginx\n');
  assert.equal(r.stderr, 'héllo\n');
  const s = sessions.at(-1);
  assert.equal(s?.protocol, 'v5.channel.k8s.io');
  assert.equal(s?.url.pathname, '/api/v1/namespaces/ns-1/pods/web/exec');
  assert.deepEqual(s?.url.searchParams.getAll('command'), ['ls', '-la']);
  assert.equal(s?.url.searchParams.get('stdout'), 'true');
  assert.equal(s?.url.searchParams.get('stderr'), 'true');
  assert.equal(s?.url.searchParams.get('stdin'), null);
});

test('exec -i streams stdin and closes it with the v5 close signal', async () => {
  const stdin = new PassThrough();
  const done = runA(cluster, ['exec', '-i', 'web', '-n', 'ns-1', '--', 'cat'], { stdin });
  stdin.write('line 1\n');
  stdin.end('line 2\n');
  const r = await done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'line 1\nline 2\n');
  assert.equal(sessions.at(-1)?.stdinClosed, true);
  assert.equal(sessions.at(-1)?.url.searchParams.get('stdin'), 'true');
});

test('exec -it without a terminal warns and runs without a TTY; the seed form without -- works', async () => {
  const r = await runA(cluster, ['exec', '-it', 'deploy/nginx-1', '--namespace=ns-1', 'bash'], { stdin: new PassThrough() });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Unable to use a TTY - input is not a terminal or the right kind of file\n/);
  assert.equal(r.stdout, 'ran bash in nginx-1\n');
  assert.equal(sessions.at(-1)?.url.pathname, '/api/v1/namespaces/ns-1/pods/nginx-1-abc/exec');
  assert.equal(sessions.at(-1)?.url.searchParams.get('tty'), null);
});

test('a non-zero exit code becomes the exit code', async () => {
  const r = await runA(cluster, ['exec', 'web', '-n', 'ns-1', '--', 'false']);
  assert.equal(r.code, 3);
  assert.equal(r.stderr, 'failing\ncommand terminated with exit code 3\n');
});

test('several containers: the first is used, with kubectl’s notice; -c picks one', async () => {
  let r = await runA(cluster, ['exec', 'two', '-n', 'ns-1', '--', 'id']);
  assert.equal(r.stderr.split('\n')[0], 'Defaulted container "app" out of: app, sidecar');
  r = await runA(cluster, ['exec', 'two', '-c', 'sidecar', '-n', 'ns-1', '--', 'id']);
  assert.equal(r.stdout, 'ran id in sidecar\n');
});

const refusals: [string, string[], string][] = [
  ['no pod', ['exec'], "error: pod, type/name or --filename must be specified\nSee 'a-kubectl exec -h' for help and examples\n"],
  ['no command', ['exec', 'web', '-n', 'ns-1'], "error: you must specify at least one command for the container\nSee 'a-kubectl exec -h' for help and examples\n"],
  ['completed pod', ['exec', 'done', '-n', 'ns-1', '--', 'id'], 'error: cannot exec into a container in a completed pod; current phase is Succeeded\n'],
  ['missing pod', ['exec', 'nope', '-n', 'ns-1', '--', 'id'], 'Error from server (NotFound): the server could not find the requested resource\n'],
  ['upgrade refused', ['exec', 'forbidden', '-n', 'ns-1', '--', 'id'], 'Error from server (Forbidden): pods "forbidden" is forbidden: User "u" cannot create resource "pods/exec" in API group "" in the namespace "ns-1"\n'],
];
for (const [name, argv, stderr] of refusals) {
  test(`exec refuses: ${name}`, async () => {
    const r = await runA(cluster, argv);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, stderr);
  });
}

test('exit codes from the final Status', () => {
  assert.equal(exitCodeOf(undefined), 0);
  assert.equal(exitCodeOf({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 0 }), 0);
  assert.equal(exitCodeOf({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '127' }] }, code: 500 }), 127);
  // any other failure is its message as it stands, as kubectl prints it after "error: "
  assert.throws(() => exitCodeOf({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Internal error occurred: container not found ("x")', code: 500 }), { name: 'RemoteCommandError', message: 'Internal error occurred: container not found ("x")' });
  void status;
});
