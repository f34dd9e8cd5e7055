/** A request body that is not a valid Kubernetes protobuf envelope or message; the API server answers 400. */
export class ProtobufDecodeError extends Error {
  override readonly name = 'ProtobufDecodeError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
