// The cluster DNS server: UDP and TCP on the node address (the kube-dns Service's endpoint), answering the
// cluster zone from the informer caches (records.ts) and passing every other question, unchanged, to the
// host's resolvers. Wire format by dns-packet.
import { createSocket, type Socket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { lookup, recordTtl, type DnsSource, type Lookup, type Rcode, type Record } from './records.js';

export interface DnsServerOptions {
  source: DnsSource;
  /** Cluster domain (default cluster.local). */
  zone?: string;
  /** Where to listen (UDP and TCP on each). Port 0 picks one (tests). */
  listen: { host: string; port: number }[];
  /** Upstream resolvers ("1.2.3.4" or "1.2.3.4:53"), tried in order. */
  upstreams: string[];
  forwardTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface RunningDnsServer {
  /** The bound addresses (for port 0). */
  addresses: { host: string; port: number }[];
  close(): Promise<void>;
}

const rcodeNumber: globalThis.Record<Rcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const answeredTypes = new Set(['A', 'AAAA', 'SRV', 'PTR', 'CNAME', 'ANY', 'TXT', 'SOA', 'NS', 'MX']);
const maxTcpMessage = 65535;

function toWire(r: Record): dnsPacket.Answer {
  switch (r.type) {
    case 'A':
    case 'CNAME':
    case 'PTR':
      return { type: r.type, name: r.name, ttl: recordTtl, class: 'IN', data: r.data };
    case 'SRV':
      return { type: 'SRV', name: r.name, ttl: recordTtl, class: 'IN', data: r.data };
    case 'SOA':
      return { type: 'SOA', name: r.name, ttl: recordTtl, class: 'IN', data: r.data };
    default: {
      const no: never = r;
      throw new Error(`unknown record ${JSON.stringify(no)}`);
    }
  }
}

/** A reply with only a header and the question: for errors. */
function errorReply(query: Buffer, rcode: Rcode): Buffer | undefined {
  if (query.length < 12) return undefined;
  const id = query.readUInt16BE(0);
  const rd = query.readUInt16BE(2) & 0x0100;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x8000 | rd | 0x0080 | rcodeNumber[rcode], 2);
  return header;
}

export type Forwarder = (query: Buffer, tcp: boolean) => Promise<Buffer | undefined>;

/** Answers one DNS message; `forward` handles names outside the cluster. */
export async function handleQuery(query: Buffer, o: { source: DnsSource; zone: string; serial: () => number; forward: Forwarder; tcp: boolean }): Promise<Buffer | undefined> {
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(query);
  } catch {
    return errorReply(query, 'FORMERR');
  }
  if (packet.type !== 'query') return undefined;
  const opcode = (query.readUInt16BE(2) >> 11) & 0xf;
  if (opcode !== 0) return errorReply(query, 'NOTIMP');
  const q = packet.questions?.[0];
  if (!q || (packet.questions?.length ?? 0) !== 1) return errorReply(query, 'FORMERR');
  let result: Lookup;
  if (q.class !== undefined && q.class !== 'IN') result = { kind: 'forward' };
  else if (!answeredTypes.has(q.type)) result = lookup(o.source, q.name, 'NONE', { zone: o.zone, serial: o.serial });
  else result = lookup(o.source, q.name, q.type, { zone: o.zone, serial: o.serial });
  if (result.kind === 'forward') return (await o.forward(query, o.tcp)) ?? errorReply(query, 'SERVFAIL');

  const opt = (packet.additionals ?? []).find((a): a is dnsPacket.OptAnswer => a.type === 'OPT');
  const rd = packet.flags !== undefined ? packet.flags & dnsPacket.RECURSION_DESIRED : 0;
  let flags = dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | rd | rcodeNumber[result.rcode];
  const reply: dnsPacket.Packet = {
    type: 'response',
    id: packet.id ?? 0,
    flags,
    questions: [q],
    answers: result.answers.map(toWire),
    authorities: result.authorities.map(toWire),
    additionals: [...result.additionals.map(toWire), ...(opt ? [{ type: 'OPT' as const, name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [])],
  };
  let out = dnsPacket.encode(reply);
  const limit = o.tcp ? maxTcpMessage : Math.max(512, Math.min(opt?.udpPayloadSize ?? 512, 4096));
  if (out.length > limit) {
    // Too big for the transport: drop the extras, then set TC so the client retries over TCP.
    reply.additionals = [];
    out = dnsPacket.encode(reply);
    if (out.length > limit) {
      flags |= dnsPacket.TRUNCATED_RESPONSE;
      out = dnsPacket.encode({ ...reply, flags, answers: [], authorities: [] });
    }
  }
  return out;
}

function parseUpstream(u: string): { host: string; port: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?$/.exec(u);
  if (m) return { host: m[1] ?? u, port: m[2] ? Number(m[2]) : 53 };
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(u);
  if (v6) return { host: v6[1] ?? u, port: v6[2] ? Number(v6[2]) : 53 };
  return { host: u, port: 53 };
}

function forwardUdp(query: Buffer, up: { host: string; port: number }, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = createSocket(up.host.includes(':') ? 'udp6' : 'udp4');
    const id = query.readUInt16BE(0);
    const done = (b: Buffer | undefined) => {
      clearTimeout(timer);
      sock.close();
      resolve(b);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('message', (msg) => {
      if (msg.length >= 2 && msg.readUInt16BE(0) === id) done(msg);
    });
    sock.send(query, up.port, up.host);
  });
}

function forwardTcp(query: Buffer, up: { host: string; port: number }, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host: up.host, port: up.port });
    let buf = Buffer.alloc(0);
    const done = (b: Buffer | undefined) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(b);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
  });
}

/** A forwarder that tries each upstream in turn (UDP questions over UDP, TCP over TCP). */
export function upstreamForwarder(upstreams: string[], timeoutMs = 2000): Forwarder {
  const targets = upstreams.map(parseUpstream);
  return async (query, tcp) => {
    for (const up of targets) {
      const r = await (tcp ? forwardTcp(query, up, timeoutMs) : forwardUdp(query, up, timeoutMs));
      if (r) return r;
    }
    return undefined;
  };
}

export async function startDnsServer(o: DnsServerOptions): Promise<RunningDnsServer> {
  const zone = o.zone ?? 'cluster.local';
  const forward = upstreamForwarder(o.upstreams, o.forwardTimeoutMs);
  const started = Math.floor(Date.now() / 1000);
  const base = { source: o.source, zone, serial: () => started, forward };
  const udps: Socket[] = [];
  const tcps: Server[] = [];
  const tcpSockets = new Set<import('node:net').Socket>();
  const addresses: { host: string; port: number }[] = [];
  const closeAll = async () => {
    for (const s of tcpSockets) s.destroy();
    await Promise.all([...udps.map((u) => new Promise<void>((r) => u.close(() => r()))), ...tcps.map((t) => new Promise<void>((r) => t.close(() => r())))]);
  };
  try {
    for (const l of o.listen) {
      const udp = createSocket({ type: l.host.includes(':') ? 'udp6' : 'udp4' });
      udps.push(udp);
      udp.on('message', (msg, rinfo) => {
        handleQuery(msg, { ...base, tcp: false }).then(
          (reply) => reply && udp.send(reply, rinfo.port, rinfo.address),
          (e: unknown) => o.log?.(`dns: ${e instanceof Error ? e.message : String(e)}`),
        );
      });
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(l.port, l.host, () => {
          udp.off('error', reject);
          udp.on('error', (e) => o.log?.(`dns: udp ${l.host}: ${e.message}`));
          resolve();
        });
      });
      const port = udp.address().port;
      const tcp = createServer((sock) => {
        tcpSockets.add(sock);
        sock.on('close', () => tcpSockets.delete(sock));
        sock.on('error', () => sock.destroy());
        sock.setTimeout(10_000, () => sock.destroy());
        let buf = Buffer.alloc(0);
        sock.on('data', (c: Buffer) => {
          buf = Buffer.concat([buf, c]);
          if (buf.length > maxTcpMessage + 2) return sock.destroy();
          while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
            const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
            buf = buf.subarray(2 + msg.length);
            handleQuery(Buffer.from(msg), { ...base, tcp: true }).then(
              (reply) => {
                if (!reply || sock.destroyed) return;
                const len = Buffer.alloc(2);
                len.writeUInt16BE(reply.length);
                sock.write(Buffer.concat([len, reply]));
              },
              () => sock.destroy(),
            );
          }
        });
      });
      tcps.push(tcp);
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, l.host, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
      addresses.push({ host: l.host, port });
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  return { addresses, close: closeAll };
}
