// What kube-apiserver's KMS v2 provider stores after its prefix: the EncryptedObject message
// (k8s.io/apiserver/pkg/storage/value/encrypt/envelope/kmsv2/v2): the data sealed with a data-encryption key (DEK),
// the plugin's key ID, the DEK as the plugin encrypted it, and the plugin's annotations. Field numbers are upstream's;
// the DEK source type (field 5) is left at its zero value, AES_GCM_KEY: the encrypted DEK is the AES-GCM key itself.
// The checks are upstream's limits (1 KiB key ID and encrypted DEK, 32 KiB of annotations with DNS-name keys).
import { setOwn } from '../../../api/own.js';
import { WireReader, WireType, WireWriter } from '../../../api/protobuf/wire.js';

export interface EncryptedObject {
  encryptedData: Buffer;
  keyId: string;
  encryptedDek: Buffer;
  annotations: Record<string, Buffer>;
}

const maxKeyIdBytes = 1024;
const maxEncryptedDekBytes = 1024;
const maxAnnotationsBytes = 32 * 1024;
const dnsName = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

/** Why the plugin's answer or a stored object cannot be used, or undefined when it can. */
export function invalidEnvelope(o: Omit<EncryptedObject, 'encryptedData'>): string | undefined {
  if (o.keyId === '') return 'keyID is empty';
  if (Buffer.byteLength(o.keyId) > maxKeyIdBytes) return `keyID is ${Buffer.byteLength(o.keyId)} bytes, which exceeds the max size of ${maxKeyIdBytes}`;
  if (o.encryptedDek.length === 0) return 'encrypted DEK is empty';
  if (o.encryptedDek.length > maxEncryptedDekBytes) return `encrypted DEK is ${o.encryptedDek.length} bytes, which exceeds the max size of ${maxEncryptedDekBytes}`;
  let size = 0;
  for (const [k, v] of Object.entries(o.annotations)) {
    if (!dnsName.test(k)) return `annotation key ${JSON.stringify(k)} is not a fully qualified domain name`;
    size += Buffer.byteLength(k) + v.length;
  }
  if (size > maxAnnotationsBytes) return `annotations are ${size} bytes, which exceeds the max size of ${maxAnnotationsBytes}`;
  return undefined;
}

const utf8 = new TextEncoder();

export function encodeEncryptedObject(o: EncryptedObject): Buffer {
  const w = new WireWriter().bytes(1, o.encryptedData).bytes(2, utf8.encode(o.keyId)).bytes(3, o.encryptedDek);
  for (const k of Object.keys(o.annotations).sort()) {
    w.bytes(4, new WireWriter().bytes(1, utf8.encode(k)).bytes(2, o.annotations[k]!).finish());
  }
  return Buffer.from(w.finish());
}

/** Throws ProtobufDecodeError on bytes that are not an EncryptedObject. */
export function decodeEncryptedObject(bytes: Uint8Array): EncryptedObject {
  const out: EncryptedObject = { encryptedData: Buffer.alloc(0), keyId: '', encryptedDek: Buffer.alloc(0), annotations: {} };
  const r = new WireReader(bytes);
  while (!r.done) {
    const { fieldNumber, wireType } = r.readTag();
    if (wireType !== WireType.lengthDelimited) {
      r.skip(wireType, fieldNumber);
      continue;
    }
    switch (fieldNumber) {
      case 1:
        out.encryptedData = Buffer.from(r.readBytes());
        break;
      case 2:
        out.keyId = r.readString();
        break;
      case 3:
        out.encryptedDek = Buffer.from(r.readBytes());
        break;
      case 4: {
        const entry = new WireReader(r.readBytes());
        let key = '';
        let value = Buffer.alloc(0);
        while (!entry.done) {
          const t = entry.readTag();
          if (t.fieldNumber === 1 && t.wireType === WireType.lengthDelimited) key = entry.readString();
          else if (t.fieldNumber === 2 && t.wireType === WireType.lengthDelimited) value = Buffer.from(entry.readBytes());
          else entry.skip(t.wireType, t.fieldNumber);
        }
        setOwn(out.annotations, key, value);
        break;
      }
      default:
        r.skip(wireType, fieldNumber);
    }
  }
  return out;
}
