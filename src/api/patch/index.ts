// Patches: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and Kubernetes' strategic merge patch.
export { PatchError, invalidPatchMessage } from './errors.js';
export type { PatchErrorKind } from './errors.js';
export { applyJsonPatch, maxJsonPatchOperations } from './json-patch.js';
export { applyMergePatch, createMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic.js';
export { createThreeWayStrategicMergePatch, createTwoWayMergePatch } from './strategic-diff.js';
