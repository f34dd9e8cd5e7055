// The streaming clients (exec/attach/cp over WebSocket, port-forward over SPDY, logs --follow) given several
// servers: a server that refuses the connection passes the session to the next one before anything is sent; an
// answer (an error Status) or a connection lost once the session runs is final. The next stream starts on the
// server that answered last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { ApiError, ConnectionError } from '../../../src/client/api-error.js';
import { neverConnected, onFirstReachableServer, perServerConfigs } from '../../../src/client/server-fail-over.js';
import { runRemoteCommand } from '../../../src/cli/streaming/remote-command.js';
import { openStream } from '../../../src/cli/streaming/http-stream.js';
import { dialSpdy } from '../../../src/cli/streaming/spdy-dial.js';
import { createRestClient } from '../../../src/client/rest.js';

interface Fake {
  url: string;
  server: Server;
  /** What reached this server: "GET /path" for requests, "UPGRADE /path" for upgrades. */
  seen: string[];
}

/** A server whose upgrades run `onSocket` (WebSocket v5 sessions unless told otherwise) and whose GETs answer "log line". */
async function fake(onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): Promise<Fake> {
  const seen: string[] = [];
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
  const server = createServer((req, res) => {
    seen.push(`GET ${req.url}`);
    res.end('log line\n');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    seen.push(`UPGRADE ${new URL(req.url ?? '/', 'http://x').pathname}`);
    if (onUpgrade) return onUpgrade(req, socket, head);
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(Buffer.concat([Buffer.from([1]), Buffer.from('hello\n')]));
      ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' }))]));
      ws.close(1000);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

/** A URL where nothing listens (connections are refused). */
async function refusing(): Promise<string> {
  const s = await fake();
  await new Promise((r) => s.server.close(r));
  return s.url;
}

function output(): { text: () => string; write: (s: string) => void } {
  let t = '';
  return { text: () => t, write: (s) => (t += s) };
}

const execPath = '/api/v1/namespaces/default/pods/p/exec';

test('exec moves past a refusing server to the next and runs there once', async (t) => {
  const dead = await refusing();
  const live = await fake();
  const spare = await fake();
  t.after(() => {
    live.server.close();
    spare.server.close();
  });
  const out = output();
  const code = await runRemoteCommand({ config: { server: dead, fallbackServers: [live.url, spare.url] }, path: execPath, query: new URLSearchParams({ command: 'true' }), stdout: out, stderr: output(), signal: new AbortController().signal });
  assert.equal(code, 0);
  assert.equal(out.text(), 'hello\n');
  assert.deepEqual(live.seen, [`UPGRADE ${execPath}`]);
  assert.deepEqual(spare.seen, []);
});

test('a session that started and then lost its connection is not run again on the next server', async (t) => {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: () => 'v5.channel.k8s.io' });
  // the session opens and sends output, then the connection drops
  const dropping = await fake((req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(Buffer.concat([Buffer.from([1]), Buffer.from('partial\n')]), () => ws.terminate());
    }),
  );
  const spare = await fake();
  t.after(() => {
    dropping.server.close();
    spare.server.close();
  });
  const out = output();
  // however the session ends, it ends here
  await runRemoteCommand({ config: { server: dropping.url, fallbackServers: [spare.url] }, path: execPath, query: new URLSearchParams(), stdout: out, stderr: output(), signal: new AbortController().signal }).catch(() => -1);
  assert.equal(out.text(), 'partial\n');
  assert.deepEqual(dropping.seen, [`UPGRADE ${execPath}`]);
  assert.deepEqual(spare.seen, []);
});

test('an error Status from a reachable server is the answer: no other server is asked', async (t) => {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "p" not found', reason: 'NotFound', code: 404 });
  const answering = await fake((_req, socket) => socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`));
  const spare = await fake();
  t.after(() => {
    answering.server.close();
    spare.server.close();
  });
  const config = { server: answering.url, fallbackServers: [spare.url] };
  await assert.rejects(runRemoteCommand({ config, path: execPath, query: new URLSearchParams(), stdout: output(), stderr: output(), signal: new AbortController().signal }), (e: unknown) => e instanceof ApiError && e.code === 404);
  await assert.rejects(dialSpdy(config, '/api/v1/namespaces/default/pods/p/portforward', ['portforward.k8s.io'], new AbortController().signal), (e: unknown) => e instanceof ApiError && e.code === 404);
  assert.deepEqual(spare.seen, []);
});

test('port-forward dials and logs --follow open on the first server that can be reached', async (t) => {
  const dead = await refusing();
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'upgrade refused', reason: 'BadRequest', code: 400 });
  const live = await fake((_req, socket) => socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`));
  t.after(() => live.server.close());
  const config = { server: dead, fallbackServers: [live.url] };
  // the live server's own answer (not a connection error) shows the dial reached it
  await assert.rejects(dialSpdy(config, '/api/v1/namespaces/default/pods/p/portforward', ['portforward.k8s.io'], new AbortController().signal), (e: unknown) => e instanceof ApiError && e.code === 400);
  const res = await openStream(config, '/api/v1/namespaces/default/pods/p/log', { follow: 'true' }, new AbortController().signal);
  let text = '';
  for await (const c of res) text += String(c);
  assert.equal(text, 'log line\n');
  assert.deepEqual(live.seen, ['UPGRADE /api/v1/namespaces/default/pods/p/portforward', 'GET /api/v1/namespaces/default/pods/p/log?follow=true']);
});

test('the next stream starts on the server that answered last, also when a REST request found it', async (t) => {
  const dead = await refusing();
  const live = await fake();
  t.after(() => live.server.close());
  const config = { server: dead, fallbackServers: [live.url] };
  const read = async (c: typeof config) => {
    let text = '';
    for await (const chunk of await openStream(c, '/api/v1/namespaces/default/pods/p/log', {}, new AbortController().signal)) text += String(chunk);
    return text;
  };
  assert.equal(await read(config), 'log line\n');
  // The first server comes back: the next stream still goes where the last one went, without trying it first.
  const back = await fake();
  await new Promise<void>((r) => back.server.close(() => back.server.listen(Number(new URL(dead).port), '127.0.0.1', r)));
  t.after(() => back.server.close());
  assert.equal(await read(config), 'log line\n');
  assert.deepEqual(back.seen, []);
  assert.deepEqual(live.seen, ['GET /api/v1/namespaces/default/pods/p/log', 'GET /api/v1/namespaces/default/pods/p/log']);

  // A REST client of other servers that moved past a refusing one hands that knowledge to the streams.
  const dead2 = await refusing();
  const live2 = await fake();
  t.after(() => live2.server.close());
  const config2 = { server: dead2, fallbackServers: [live2.url] };
  const rest = createRestClient(config2);
  t.after(() => rest.close());
  await rest.request({ method: 'GET', path: '/version' });
  const back2 = await fake();
  await new Promise<void>((r) => back2.server.close(() => back2.server.listen(Number(new URL(dead2).port), '127.0.0.1', r)));
  t.after(() => back2.server.close());
  assert.equal(await read(config2), 'log line\n');
  assert.deepEqual(back2.seen, []);
  assert.deepEqual(live2.seen, ['GET /version', 'GET /api/v1/namespaces/default/pods/p/log']);
});

test('every server refusing: the error names the last one tried', async () => {
  const [a, b] = [await refusing(), await refusing()];
  await assert.rejects(openStream({ server: a, fallbackServers: [b] }, '/x', {}, new AbortController().signal), (e: unknown) => e instanceof ConnectionError && e.host === new URL(b).host);
});

test('only errors of a connection never made count as unreachable; each server gets a config of its own', async () => {
  const err = (code: string) => new ConnectionError('x', 'h:1', { cause: Object.assign(new Error(code), { code }) });
  for (const code of ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND']) assert.equal(neverConnected(err(code)), true, code);
  for (const code of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT']) assert.equal(neverConnected(err(code)), false, code);
  assert.equal(neverConnected(new Error('ECONNREFUSED')), false);
  assert.deepEqual(perServerConfigs({ server: 'https://a', fallbackServers: ['https://b'], token: 't' }), [
    { server: 'https://a', token: 't' },
    { server: 'https://b', token: 't' },
  ]);
  let calls = 0;
  await assert.rejects(
    onFirstReachableServer({ server: 'https://a', fallbackServers: ['https://b'] }, async () => {
      calls++;
      throw err('ECONNRESET');
    }),
  );
  assert.equal(calls, 1);
});
