// Field management (server-side apply): field sets, type descriptions, and the per-endpoint field manager.
export { FieldSet } from './set.js';
export { pathString, encodeElement, decodeElement, fieldElement, type Path, type PathElement } from './path.js';
export { builtinDefinition, builtinType, customResourceType, SchemaTypes, scalarType, untypedType, type SchemaLike, type TypeNode } from './schema.js';
export { compare, merge, removeItems, toFieldSet, TypedValueError } from './typed.js';
export { decodeManaged, encodeManaged, isResetRequest, managerKey, ManagedFieldsError, type ManagedFieldsEntry } from './managed.js';
export { FieldManager, conflictError, lastAppliedAnnotation, type FieldManagerOptions } from './field-manager.js';
export { zeroObject } from './zero.js';
