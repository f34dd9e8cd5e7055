// Why a patch could not be applied, classified the way kube-apiserver answers it.
//
// - BadRequest (400): the patch document is malformed (not JSON of the right shape, bad directive lists).
// - Invalid (422): kube-apiserver answers with NewGenericServerResponse(422), whose message is always
//   "the server rejected our request due to an error in our request"; `detail` keeps the underlying cause
//   (e.g. "testing value /a failed: test failed") for logs — Kubernetes does not send it.
// - RequestEntityTooLarge (413): more JSON patch operations than the server allows.
// - Unknown (500): errors kube-apiserver does not classify; it answers code 500 with an empty reason and
//   the raw message (e.g. "map: map[image:x] does not contain declared merge key: name").
export type PatchErrorKind = 'BadRequest' | 'Invalid' | 'RequestEntityTooLarge' | 'Unknown';

export const invalidPatchMessage = 'the server rejected our request due to an error in our request';

export class PatchError extends Error {
  override name = 'PatchError';
  constructor(
    readonly kind: PatchErrorKind,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export function badRequest(message: string): PatchError {
  return new PatchError('BadRequest', message);
}

export function invalidPatch(detail: string): PatchError {
  return new PatchError('Invalid', invalidPatchMessage, detail);
}

export function unknownPatchError(message: string): PatchError {
  return new PatchError('Unknown', message);
}
