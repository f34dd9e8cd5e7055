// Field validation against the OpenAPI schema, as kube-apiserver's decoder does it (fieldValidation, type errors).
export { unknownFields, visitUnknownFields, strictDecodingMessage, unknownFieldMessage } from './unknown-fields.js';
export { typeErrors, quantityError, quantityFormatMessage, quantitySuffixMessage } from './type-errors.js';
export { unstructuredError } from './unstructured-errors.js';
export { parseJson, numberText } from './number-literals.js';
export { decodeError, cannotBeHandled, type DecodeTarget } from './decode-errors.js';
