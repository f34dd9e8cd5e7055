// The CRI runtime.v1 client others may use (node agent runtime, streaming server, benchmarks).
export { CriClient, CriError, criProtoPath, isCriNotFound, type CriClientOptions, type CriCode } from './client.js';
export type * from './types.js';
