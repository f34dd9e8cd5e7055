// A small etcd v3 client over @grpc/grpc-js with etcd's own protos (./proto/): the KV, Watch and Maintenance
// services, several endpoints with fail-over, TLS with client certificates. Revisions travel as strings
// (proto-loader's longs: String) and are turned into numbers here; keys and values are Buffers.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const here = dirname(fileURLToPath(import.meta.url));
// Beside this file in src/; dist/etcd/ once bundled (dist/*.js or dist/chunks/*.js).
const protoDirs = [join(here, 'proto'), join(here, 'etcd'), join(here, '../etcd')];

function rpcProtoPath(): string {
  const found = protoDirs.map((d) => join(d, 'rpc.proto')).find((p) => existsSync(p));
  if (!found) throw new Error(`etcd proto rpc.proto not found (looked in ${protoDirs.join(', ')}); run "npm run build"`);
  return found;
}

type GrpcCtor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => grpc.Client;
interface Services {
  kv: GrpcCtor;
  watch: GrpcCtor;
  maintenance: GrpcCtor;
}
let services: Services | undefined;

function loadServices(): Services {
  if (services) return services;
  const def = protoLoader.loadSync(rpcProtoPath(), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { etcdserverpb: { KV: GrpcCtor; Watch: GrpcCtor; Maintenance: GrpcCtor } };
  services = { kv: pkg.etcdserverpb.KV, watch: pkg.etcdserverpb.Watch, maintenance: pkg.etcdserverpb.Maintenance };
  return services;
}

/** mvccpb.KeyValue as proto-loader decodes it. */
export interface RawKeyValue {
  key: Buffer;
  value: Buffer;
  create_revision: string;
  mod_revision: string;
  version: string;
}

export interface ResponseHeader {
  revision: string;
}

export interface RangeResponse {
  header: ResponseHeader;
  kvs: RawKeyValue[];
  more: boolean;
  count: string;
}

export interface TxnResponse {
  header: ResponseHeader;
  succeeded: boolean;
  responses: { response: string; response_range?: RangeResponse; response_delete_range?: { deleted: string; prev_kvs: RawKeyValue[] }; response_put?: unknown }[];
}

export interface DeleteRangeResponse {
  header: ResponseHeader;
  deleted: string;
  prev_kvs: RawKeyValue[];
}

export interface WatchEvent {
  type: 'Put' | 'Delete';
  kv: RawKeyValue;
  prev_kv: RawKeyValue | null;
}

export interface WatchResponse {
  header: ResponseHeader;
  watch_id: string;
  created: boolean;
  canceled: boolean;
  compact_revision: string;
  cancel_reason: string;
  events: WatchEvent[];
}

export interface EtcdTls {
  /** PEM of the CA that signed the etcd members' serving certificates. */
  ca?: Buffer;
  /** PEM of this client's certificate and key (etcd's --client-cert-auth). */
  cert?: Buffer;
  key?: Buffer;
}

export interface EtcdClientOptions {
  /** host:port of each member; requests go to one at a time and move on when it is unreachable. */
  endpoints: string[];
  tls?: EtcdTls;
  /** Deadline of one unary call (default 15 s). */
  timeoutMs?: number;
}

/** A gRPC failure of an etcd call, with the status code's name and etcd's message. */
export class EtcdError extends Error {
  override name = 'EtcdError';
  constructor(
    readonly method: string,
    readonly code: keyof typeof grpc.status,
    readonly details: string,
    options?: { cause?: unknown },
  ) {
    super(`etcd ${method}: ${details}`, options);
  }

  /** etcd's "required revision has been compacted" */
  get compacted(): boolean {
    return this.details.includes('required revision has been compacted');
  }

  /** etcd's "required revision is a future revision" */
  get futureRevision(): boolean {
    return this.details.includes('required revision is a future revision');
  }

  /** The member could not be reached or is not serving: another member may answer. */
  get unreachable(): boolean {
    return this.code === 'UNAVAILABLE' || (this.code === 'DEADLINE_EXCEEDED' && !this.details.includes('etcdserver'));
  }
}

function codeName(code: number | undefined): keyof typeof grpc.status {
  const entry = Object.entries(grpc.status).find(([, v]) => v === code);
  return (entry?.[0] as keyof typeof grpc.status | undefined) ?? 'UNKNOWN';
}

interface Member {
  endpoint: string;
  kv: grpc.Client;
  watch: grpc.Client;
  maintenance: grpc.Client;
}

type Unary = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => grpc.ClientUnaryCall;

export class EtcdClient {
  readonly #members: Member[];
  #current = 0;
  readonly #timeoutMs: number;
  #closed = false;

  constructor(opts: EtcdClientOptions) {
    if (opts.endpoints.length === 0) throw new Error('etcd: no endpoints given');
    const svc = loadServices();
    const creds = opts.tls ? grpc.credentials.createSsl(opts.tls.ca ?? null, opts.tls.key ?? null, opts.tls.cert ?? null) : grpc.credentials.createInsecure();
    const channelOptions: grpc.ClientOptions = {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.max_send_message_length': 16 * 1024 * 1024,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2_000,
    };
    this.#members = opts.endpoints.map((endpoint) => {
      // One channel per member, shared by its three services.
      const kv = new svc.kv(endpoint, creds, channelOptions);
      const channelOverride = kv.getChannel();
      const shared = { ...channelOptions, channelOverride } as grpc.ClientOptions;
      return { endpoint, kv, watch: new svc.watch(endpoint, creds, shared), maintenance: new svc.maintenance(endpoint, creds, shared) };
    });
    this.#timeoutMs = opts.timeoutMs ?? 15_000;
  }

  get endpoints(): string[] {
    return this.#members.map((m) => m.endpoint);
  }

  /** The member requests go to now. */
  get currentEndpoint(): string {
    return (this.#members[this.#current] as Member).endpoint;
  }

  range(req: Record<string, unknown>): Promise<RangeResponse> {
    return this.#call('kv', 'Range', req) as Promise<RangeResponse>;
  }

  txn(req: Record<string, unknown>): Promise<TxnResponse> {
    return this.#call('kv', 'Txn', req) as Promise<TxnResponse>;
  }

  deleteRange(req: Record<string, unknown>): Promise<DeleteRangeResponse> {
    return this.#call('kv', 'DeleteRange', req) as Promise<DeleteRangeResponse>;
  }

  put(req: Record<string, unknown>): Promise<{ header: ResponseHeader }> {
    return this.#call('kv', 'Put', req) as Promise<{ header: ResponseHeader }>;
  }

  compact(revision: number): Promise<unknown> {
    return this.#call('kv', 'Compact', { revision: String(revision), physical: false });
  }

  status(): Promise<{ header: ResponseHeader; version: string; dbSize: string; leader: string }> {
    return this.#call('maintenance', 'Status', {}) as Promise<{ header: ResponseHeader; version: string; dbSize: string; leader: string }>;
  }

  /** A consistent snapshot of the member's whole database (etcd's Maintenance.Snapshot), as a byte stream. */
  snapshot(): AsyncIterable<Buffer> {
    const member = this.#members[this.#current] as Member;
    const call = (member.maintenance as unknown as { Snapshot: (req: unknown) => grpc.ClientReadableStream<{ blob: Buffer; remaining_bytes: string }> }).Snapshot({});
    return (async function* () {
      for await (const chunk of call as AsyncIterable<{ blob: Buffer }>) yield chunk.blob;
    })();
  }

  /**
   * A bidirectional Watch stream on the current member. The caller writes WatchRequests and reads
   * WatchResponses; when the stream fails it calls failOver() and opens a new one.
   */
  openWatchStream(): { member: string; stream: grpc.ClientDuplexStream<Record<string, unknown>, WatchResponse> } {
    this.#assertOpen();
    const member = this.#members[this.#current] as Member;
    const stream = (member.watch as unknown as { Watch: () => grpc.ClientDuplexStream<Record<string, unknown>, WatchResponse> }).Watch();
    return { member: member.endpoint, stream };
  }

  /** Moves on to the next member, unless another caller already did since `from` was current. */
  failOver(from: string): void {
    if (this.currentEndpoint === from) this.#current = (this.#current + 1) % this.#members.length;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const m of this.#members) {
      m.watch.close();
      m.maintenance.close();
      m.kv.close();
    }
  }

  async #call(service: 'kv' | 'maintenance', method: string, req: unknown): Promise<unknown> {
    // Each member gets one try per round; two rounds with a pause give a restarting member time to answer.
    const attempts = this.#members.length * 2;
    let last: EtcdError | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      this.#assertOpen();
      if (attempt === this.#members.length) await new Promise((r) => setTimeout(r, 500));
      const member = this.#members[this.#current] as Member;
      try {
        return await this.#once(member, service, method, req);
      } catch (e) {
        if (!(e instanceof EtcdError) || !e.unreachable) throw e;
        last = e;
        this.failOver(member.endpoint);
      }
    }
    throw new EtcdError(method, last?.code ?? 'UNAVAILABLE', `no etcd member answered (${this.endpoints.join(', ')}): ${last?.details ?? 'unreachable'}`, { cause: last });
  }

  #once(member: Member, service: 'kv' | 'maintenance', method: string, req: unknown): Promise<unknown> {
    const client = member[service] as unknown as Record<string, Unary>;
    const fn = client[method];
    if (!fn) throw new Error(`etcd: no method ${method}`);
    return new Promise((resolve, reject) => {
      fn.call(client, req, new grpc.Metadata(), { deadline: Date.now() + this.#timeoutMs }, (err, res) => {
        if (err) reject(new EtcdError(method, codeName(err.code), `${err.details || err.message} (member ${member.endpoint})`, { cause: err }));
        else resolve(res);
      });
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('etcd client is closed');
  }
}
