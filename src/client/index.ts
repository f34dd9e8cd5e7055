// What other components may use from the client package.
export type { ClientConfig, Impersonation } from './config-types.js';
export { ApiError, ConnectionError, isAlreadyExists, isConflict, isNotFound } from './api-error.js';
export type { ApiStatus } from './api-error.js';
export { createRestClient, patchContentTypes } from './rest.js';
export type { CallOptions, PatchType, RawResponse, RequestOptions, RestClient } from './rest.js';
export { resourcePath, groupVersionPrefix, encodeQuery } from './paths.js';
export type { Query, ResourcePathParts } from './paths.js';
export type { WatchEvent } from './watch.js';
export { getDiscovery, fetchDiscovery, forgetDiscovery } from './discovery.js';
export type { DiscoveredGroup, DiscoveredResource, Discovery } from './discovery.js';
export { createRestMapper, NoKindMatchError, UnknownResourceError, singularQualified, pluralQualified } from './rest-mapper.js';
export type { RestMapper } from './rest-mapper.js';
export { loadKubeconfig, resolveConfig, kubeconfigChain, KubeconfigError } from './kubeconfig.js';
export type { ConfigOverrides, Kubeconfig, KubeconfigSources, NamedEntry, ResolvedConfig } from './kubeconfig.js';
export { setContext, useContext, NoSuchContextError } from './kubeconfig-write.js';
