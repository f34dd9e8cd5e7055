// The TCP balancer of `a-kube up --ha`: connections go to the servers in turn, a server that refuses passes the
// connection to the next, servers that fail their readiness probe come after the ready ones, bytes are relayed
// both ways, and with no server left the client is disconnected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { dialOrder, startBalancer } from '../../../../src/cluster/ha/balancer.js';

/** A server that answers every line with "NAME: line". */
async function echo(name: string): Promise<{ port: number; server: Server }> {
  const server = createServer((s) => s.on('data', (d) => s.write(`${name}: ${d.toString()}`)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, server };
}

async function refusingPort(): Promise<number> {
  const e = await echo('gone');
  await new Promise((r) => e.server.close(r));
  return e.port;
}

/** Sends "hi" through the balancer; resolves with the answer, or "closed" when the connection ends without one. */
function ask(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write('hi'));
    s.once('data', (d) => {
      resolve(d.toString());
      s.destroy();
    });
    s.once('close', () => resolve('closed'));
    s.on('error', () => {});
  });
}

test('connections take the servers in turn and skip one that refuses', async (t) => {
  const a = await echo('a');
  const b = await echo('b');
  const dead = await refusingPort();
  const lb = await startBalancer({ host: '127.0.0.1', port: 0, backends: [{ host: '127.0.0.1', port: a.port }, { host: '127.0.0.1', port: dead }, { host: '127.0.0.1', port: b.port }] });
  t.after(async () => {
    await lb.close();
    a.server.close();
    b.server.close();
  });
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push(await ask(lb.port));
  // the second connection's turn falls on the refusing server: it goes on to b
  assert.deepEqual(answers, ['a: hi', 'b: hi', 'b: hi']);
});

test('with every server refusing, the client is disconnected', async (t) => {
  const lb = await startBalancer({ host: '127.0.0.1', port: 0, backends: [{ host: '127.0.0.1', port: await refusingPort() }] });
  t.after(() => lb.close());
  assert.equal(await ask(lb.port), 'closed');
});

test('a server that fails its readiness probe gets no connections while a ready one can take them', async (t) => {
  const servers = [await echo('a'), await echo('b'), await echo('c')];
  const ready = new Map(servers.map((s) => [s.port, true]));
  ready.set(servers[1]?.port as number, false);
  const lb = await startBalancer({
    host: '127.0.0.1',
    port: 0,
    backends: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
    probe: async (b) => ready.get(b.port) === true,
  });
  t.after(async () => {
    await lb.close();
    for (const s of servers) s.server.close();
  });
  await lb.probeNow();
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(await ask(lb.port));
  assert.deepEqual(answers, ['a: hi', 'c: hi', 'c: hi', 'a: hi']);
  // b becomes ready, a does not: the next probe round moves the turns
  ready.set(servers[1]?.port as number, true);
  ready.set(servers[0]?.port as number, false);
  await lb.probeNow();
  const later = [];
  for (let i = 0; i < 3; i++) later.push(await ask(lb.port));
  assert.deepEqual(later, ['b: hi', 'c: hi', 'b: hi']);
  // none ready: connections still go somewhere rather than nowhere
  for (const s of servers) ready.set(s.port, false);
  await lb.probeNow();
  assert.match(await ask(lb.port), /^[abc]: hi$/);
});

test('dial order: from the connection\'s turn round the list, ready servers first', () => {
  assert.deepEqual(dialOrder([true, true, true], 1), [1, 2, 0]);
  assert.deepEqual(dialOrder([true, false, true], 1), [2, 0, 1]);
  assert.deepEqual(dialOrder([false, false], 0), [0, 1]);
});
