import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { constants, inflateSync } from 'node:zlib';
import { SpdyClientSession, headerBlock } from '../../../src/streaming/spdy.js';

/** A socket whose writes are recorded and whose reads the test feeds. */
function fakeSocket(): { socket: Duplex; written: Buffer[]; feed(b: Buffer): void } {
  const written: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _e, cb) {
      written.push(chunk);
      cb();
    },
  });
  return { socket, written, feed: (b) => socket.push(b) };
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8003, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE((flags << 24) | payload.length, 4);
  return Buffer.concat([h, payload]);
}

function data(id: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(id, 0);
  h.writeUInt32BE((flags << 24) | payload.length, 4);
  return Buffer.concat([h, payload]);
}

test('headerBlock: count, then length-prefixed lower-case names and values', () => {
  assert.deepEqual(headerBlock({ StreamType: 'error' }), Buffer.from([0, 0, 0, 1, 0, 0, 0, 10, ...Buffer.from('streamtype'), 0, 0, 0, 5, ...Buffer.from('error')]));
});

test('SYN_STREAM frames carry header blocks as one zlib stream that inflates block by block', () => {
  const { socket, written } = fakeSocket();
  const session = new SpdyClientSession(socket);
  const a = session.openStream({ streamtype: 'error' });
  const b = session.openStream({ streamtype: 'stdin' });
  assert.deepEqual([a.id, b.id], [1, 3]);
  const frames = written.splice(0);
  const zlibParts = frames.map((f) => {
    assert.equal(f.readUInt16BE(0), 0x8003);
    assert.equal(f.readUInt16BE(2), 1);
    assert.equal(f.readUInt32BE(4) & 0xffffff, f.length - 8);
    return f.subarray(18);
  });
  const inflated = inflateSync(Buffer.concat(zlibParts), { finishFlush: constants.Z_SYNC_FLUSH });
  assert.deepEqual(inflated, Buffer.concat([headerBlock({ streamtype: 'error' }), headerBlock({ streamtype: 'stdin' })]));
  session.close();
});

test('data in, FIN, PING answered, no window updates, half-close, oversized frames end the session', () => {
  const { socket, written, feed } = fakeSocket();
  const session = new SpdyClientSession(socket);
  const s = session.openStream({ streamtype: 'stdout' });
  written.splice(0);
  const got: string[] = [];
  let ended = false;
  s.onData = (d) => got.push(d.toString());
  s.onEnd = () => (ended = true);
  // split across reads on purpose
  const frame = data(1, 0, Buffer.from('hello'));
  feed(frame.subarray(0, 3));
  feed(frame.subarray(3));
  feed(control(6, 0, Buffer.from([0, 0, 0, 7])));
  feed(data(1, 1, Buffer.from('!')));
  return new Promise<void>((resolve) => setImmediate(() => {
    assert.deepEqual(got, ['hello', '!']);
    assert.equal(ended, true);
    const types = written.map((w) => w.readUInt16BE(2));
    assert.deepEqual(types, [6], 'the PING echoed, and no WINDOW_UPDATE');
    written.splice(0);
    const t = session.openStream({ streamtype: 'stdin' });
    t.write(Buffer.from('x'));
    t.end();
    assert.deepEqual(written[written.length - 1], data(3, 1, Buffer.alloc(0)));
    let closed = false;
    session.onClose = () => (closed = true);
    const huge = Buffer.alloc(8);
    huge.writeUInt32BE(1, 0);
    huge.writeUInt32BE(0xffffff, 4);
    feed(huge);
    setImmediate(() => {
      assert.equal(socket.destroyed, true);
      assert.equal(closed, true);
      resolve();
    });
  }));
});
