// A KMS v2 plugin for tests: a gRPC server of kms-v2.proto on a unix socket that encrypts what it is given with
// AES-GCM under a key-encryption key per key ID, and counts its calls. Its health, version and key can be changed.
import { createCipheriv, createDecipheriv, randomBytes, type CipherGCM, type DecipherGCM } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { kmsV2Service } from '../../src/storage/encryption/kms/client.js';

/** A KMS v2 plugin: AES-GCM under a key-encryption key per key ID; counts its calls. */
export class TestPlugin {
  readonly keks = new Map<string, Buffer>([['kek-1', randomBytes(32)]]);
  keyId = 'kek-1';
  healthz = 'ok';
  version = 'v2';
  readonly calls = { Status: 0, Encrypt: 0, Decrypt: 0 };
  readonly uids = new Set<string>();
  private server: grpc.Server | undefined;

  /** What Encrypt answers, without the call. */
  encryptDirect(plaintext: Buffer): Buffer {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.keks.get(this.keyId)!, nonce) as CipherGCM;
    const body = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([nonce, body, c.getAuthTag()]);
  }

  /** What Decrypt answers, without the call. */
  decryptDirect(data: Buffer, keyId: string): Buffer {
    const d = createDecipheriv('aes-256-gcm', this.keks.get(keyId)!, data.subarray(0, 12)) as DecipherGCM;
    d.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([d.update(data.subarray(12, data.length - 16)), d.final()]);
  }

  rotate(keyId: string): void {
    this.keks.set(keyId, randomBytes(32));
    this.keyId = keyId;
  }

  async listen(socket: string): Promise<void> {
    const server = new grpc.Server();
    type Call<T> = grpc.ServerUnaryCall<T, unknown>;
    server.addService(kmsV2Service().service, {
      Status: (_call: Call<object>, cb: grpc.sendUnaryData<object>) => {
        this.calls.Status++;
        cb(null, { version: this.version, healthz: this.healthz, key_id: this.keyId });
      },
      Encrypt: (call: Call<{ plaintext: Buffer; uid: string }>, cb: grpc.sendUnaryData<object>) => {
        this.calls.Encrypt++;
        this.uids.add(call.request.uid);
        cb(null, { ciphertext: this.encryptDirect(call.request.plaintext), key_id: this.keyId, annotations: { 'version.kms.example.com': Buffer.from('1') } });
      },
      Decrypt: (call: Call<{ ciphertext: Buffer; key_id: string; annotations: Record<string, Buffer> }>, cb: grpc.sendUnaryData<object>) => {
        this.calls.Decrypt++;
        const kek = this.keks.get(call.request.key_id);
        if (!kek) return cb({ code: grpc.status.NOT_FOUND, details: `unknown key ${call.request.key_id}` });
        if (call.request.annotations['version.kms.example.com']?.toString() !== '1') return cb({ code: grpc.status.INVALID_ARGUMENT, details: 'annotations lost' });
        cb(null, { plaintext: this.decryptDirect(call.request.ciphertext, call.request.key_id) });
      },
    });
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
    this.server = server;
  }

  stop(): void {
    this.server?.forceShutdown();
  }
}

