// A client of a KMS v2 plugin (kms-v2.proto) on a unix socket, as kube-apiserver's envelope service is: every call
// has the provider's timeout as its deadline; failures become KmsError naming the provider and the gRPC status.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const here = dirname(fileURLToPath(import.meta.url));
// Beside this file in src/; dist/kms/ once bundled (dist/*.js or dist/chunks/*.js).
const protoCandidates = [join(here, 'kms-v2.proto'), join(here, 'kms/kms-v2.proto'), join(here, '../kms/kms-v2.proto')];

export class KmsError extends Error {
  override name = 'KmsError';
}

export interface KmsStatus {
  version: string;
  healthz: string;
  keyId: string;
}

export interface KmsEncrypted {
  ciphertext: Buffer;
  keyId: string;
  annotations: Record<string, Buffer>;
}

/** What the KMS v2 provider needs of a plugin (the gRPC client; tests may give their own). */
export interface KmsService {
  status(): Promise<KmsStatus>;
  encrypt(plaintext: Buffer, uid: string): Promise<KmsEncrypted>;
  decrypt(ciphertext: Buffer, uid: string, keyId: string, annotations: Record<string, Buffer>): Promise<Buffer>;
  close(): void;
}

type Callback<T> = (err: grpc.ServiceError | null, res?: T) => void;
type KmsGrpcClient = grpc.Client & {
  Status(req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback<{ version?: string; healthz?: string; key_id?: string }>): void;
  Encrypt(req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback<{ ciphertext?: Buffer; key_id?: string; annotations?: Record<string, Buffer> }>): void;
  Decrypt(req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback<{ plaintext?: Buffer }>): void;
};
type KmsCtor = (new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => KmsGrpcClient) & { service: grpc.ServiceDefinition };

let loaded: KmsCtor | undefined;

/** The KeyManagementService definition (also what a test's plugin implements). */
export function kmsV2Service(): KmsCtor {
  if (loaded) return loaded;
  const path = protoCandidates.find((p) => existsSync(p));
  if (!path) throw new Error(`KMS proto kms-v2.proto not found (looked in ${protoCandidates.join(', ')}); run "npm run build"`);
  const def = protoLoader.loadSync(path, { keepCase: true, defaults: true });
  loaded = (grpc.loadPackageDefinition(def) as unknown as { v2: { KeyManagementService: KmsCtor } }).v2.KeyManagementService;
  return loaded;
}

/** `unix:///path` (or `unix:/path`) → the socket path; anything else is refused when the configuration is read. */
export function kmsSocketPath(endpoint: string): string | undefined {
  const m = /^unix:\/\/(\/.+)$/.exec(endpoint) ?? /^unix:(\/.+)$/.exec(endpoint);
  return m?.[1];
}

export function connectKmsPlugin(provider: { name: string; endpoint: string; timeoutMs: number }): KmsService {
  const socket = kmsSocketPath(provider.endpoint);
  if (!socket) throw new KmsError(`kms provider ${provider.name}: endpoint ${provider.endpoint} is not a unix socket`);
  const Ctor = kmsV2Service();
  const client = new Ctor(`unix://${socket}`, grpc.credentials.createInsecure());
  const call = <T>(method: 'Status' | 'Encrypt' | 'Decrypt', req: object): Promise<T> =>
    new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + provider.timeoutMs);
      (client[method] as (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: Callback<T>) => void).call(client, req, new grpc.Metadata(), { deadline }, (err, res) => {
        if (err) reject(new KmsError(`kms provider ${provider.name}: ${method}: ${grpc.status[err.code] ?? err.code}: ${err.details || err.message}`));
        else resolve(res as T);
      });
    });
  return {
    async status() {
      const r = await call<{ version?: string; healthz?: string; key_id?: string }>('Status', {});
      return { version: r.version ?? '', healthz: r.healthz ?? '', keyId: r.key_id ?? '' };
    },
    async encrypt(plaintext, uid) {
      const r = await call<{ ciphertext?: Buffer; key_id?: string; annotations?: Record<string, Buffer> }>('Encrypt', { plaintext, uid });
      return { ciphertext: r.ciphertext ?? Buffer.alloc(0), keyId: r.key_id ?? '', annotations: r.annotations ?? {} };
    },
    async decrypt(ciphertext, uid, keyId, annotations) {
      const r = await call<{ plaintext?: Buffer }>('Decrypt', { ciphertext, uid, key_id: keyId, annotations });
      return r.plaintext ?? Buffer.alloc(0);
    },
    close: () => client.close(),
  };
}
