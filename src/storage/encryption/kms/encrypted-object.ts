// What kube-apiserver's KMS v2 provider stores after its prefix: the EncryptedObject message
// (k8s.io/apiserver/pkg/storage/value/encrypt/envelope/kmsv2/v2): the data sealed with a data-encryption key (DEK),
// the plugin's key ID, the DEK source as the plugin encrypted it, the plugin's annotations and what the DEK source is
// (field 5): AES_GCM_KEY (0), the AES-GCM key itself, or HKDF_SHA256_XNONCE_AES_GCM_SEED (1), a seed from which each
// write's key is derived. Field numbers are upstream's; the checks are upstream's limits (1 KiB key ID and encrypted
// DEK source, 32 KiB of annotations with DNS-name keys) and texts.
import { setOwn } from '../../../api/own.js';
import { WireReader, WireType, WireWriter } from '../../../api/protobuf/wire.js';

/** What the encrypted DEK source is, by upstream's enum values. */
export enum DekSourceType {
  aesGcmKey = 0,
  hkdfSha256XnonceAesGcmSeed = 1,
}

export interface EncryptedObject {
  encryptedData: Buffer;
  keyId: string;
  /** The DEK source (a key or a seed, by `dekSourceType`) as the plugin encrypted it. */
  encryptedDek: Buffer;
  annotations: Record<string, Buffer>;
  dekSourceType: DekSourceType;
}

const maxKeyIdBytes = 1024;
const maxEncryptedDekBytes = 1024;
const maxAnnotationsBytes = 32 * 1024;
const dnsName = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

/** Why the plugin's answer or a stored object cannot be used, or undefined when it can. */
export function invalidEnvelope(o: Omit<EncryptedObject, 'encryptedData' | 'dekSourceType'>): string | undefined {
  if (o.keyId === '') return 'keyID is empty';
  if (Buffer.byteLength(o.keyId) > maxKeyIdBytes) return `keyID is ${Buffer.byteLength(o.keyId)} bytes, which exceeds the max size of ${maxKeyIdBytes}`;
  if (o.encryptedDek.length === 0) return 'encrypted DEK source is empty';
  if (o.encryptedDek.length > maxEncryptedDekBytes) return `encrypted DEK source is ${o.encryptedDek.length} bytes, which exceeds the max size of ${maxEncryptedDekBytes}`;
  let size = 0;
  for (const [k, v] of Object.entries(o.annotations)) {
    if (!dnsName.test(k)) return `annotation key ${JSON.stringify(k)} is not a fully qualified domain name`;
    size += Buffer.byteLength(k) + v.length;
  }
  if (size > maxAnnotationsBytes) return `annotations are ${size} bytes, which exceeds the max size of ${maxAnnotationsBytes}`;
  return undefined;
}

/** Why a stored EncryptedObject cannot be read, or undefined when it can. */
export function invalidEncryptedObject(o: EncryptedObject): string | undefined {
  if (o.dekSourceType !== DekSourceType.aesGcmKey && o.dekSourceType !== DekSourceType.hkdfSha256XnonceAesGcmSeed) return `unknown encryptedDEKSourceType: ${o.dekSourceType}`;
  if (o.encryptedData.length === 0) return 'encrypted data is empty';
  return invalidEnvelope(o);
}

const utf8 = new TextEncoder();

export function encodeEncryptedObject(o: EncryptedObject): Buffer {
  const w = new WireWriter().bytes(1, o.encryptedData).bytes(2, utf8.encode(o.keyId)).bytes(3, o.encryptedDek);
  for (const k of Object.keys(o.annotations).sort()) {
    w.bytes(4, new WireWriter().bytes(1, utf8.encode(k)).bytes(2, o.annotations[k]!).finish());
  }
  if (o.dekSourceType !== DekSourceType.aesGcmKey) w.tag(5, WireType.varint).varint(BigInt(o.dekSourceType));
  return Buffer.from(w.finish());
}

/** Throws ProtobufDecodeError on bytes that are not an EncryptedObject. */
export function decodeEncryptedObject(bytes: Uint8Array): EncryptedObject {
  const out: EncryptedObject = { encryptedData: Buffer.alloc(0), keyId: '', encryptedDek: Buffer.alloc(0), annotations: {}, dekSourceType: DekSourceType.aesGcmKey };
  const r = new WireReader(bytes);
  while (!r.done) {
    const { fieldNumber, wireType } = r.readTag();
    if (fieldNumber === 5 && wireType === WireType.varint) {
      out.dekSourceType = r.readInt(32, 'encryptedDEKSourceType');
      continue;
    }
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
