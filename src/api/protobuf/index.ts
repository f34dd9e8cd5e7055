// Kubernetes protobuf request bodies: what other folders may use.
export { decodeKubernetesProtobuf, type DecodedObject } from './decode.js';
export { ProtobufDecodeError } from './errors.js';
export { isProtobufContentType } from './media-type.js';
/** For tests and tools: the API server never answers in protobuf. */
export { encodeKubernetesProtobuf } from './encode.js';
