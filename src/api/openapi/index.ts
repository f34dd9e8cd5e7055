// What the API server calls to answer /openapi/v2 and /openapi/v3.
export { openapiV2Json } from './v2.js';
export { acceptsOpenapiV2Protobuf, encodeDocument as encodeOpenapiV2Protobuf, openapiV2Protobuf, openapiV2ProtobufContentType } from './v2-protobuf.js';
export { mergeOpenapiV2, type BackendOpenapiV2 } from './merge-v2.js';
export { openapiV3Root, openapiV3GroupVersion, openapiV3GroupVersionBytes } from './v3.js';
