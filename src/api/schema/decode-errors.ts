// The one type check every write passes: the first wrongly typed value of an object against its kind's schema,
// worded as kube-apiserver's decoder answers it (400 BadRequest):
// `Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 1.5 into Go struct
// field DeploymentSpec.spec.replicas of type int32`.
import { typeErrors } from './type-errors.js';

export interface DecodeTarget {
  kind: string;
  version: string;
  /** OpenAPI definition name of the kind. */
  definition: string;
}

export function cannotBeHandled(target: Pick<DecodeTarget, 'kind' | 'version'>, message: string): string {
  return `${target.kind} in version "${target.version}" cannot be handled as a ${target.kind}: ${message}`;
}

/** The decoder's message for the first wrongly typed value in `obj`, or undefined when every value fits. */
export function decodeError(target: DecodeTarget, obj: unknown): string | undefined {
  const [first] = typeErrors(target.definition, obj);
  return first === undefined ? undefined : cannotBeHandled(target, first);
}
