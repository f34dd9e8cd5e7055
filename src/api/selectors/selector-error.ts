// A selector that cannot be parsed or converted. The message is Kubernetes' own text; the API server answers
// it as 400 BadRequest.
export class SelectorError extends Error {
  override name = 'SelectorError';
}
