/**
 * True for `application/vnd.kubernetes.protobuf` with any parameters and any case. The watch-stream
 * variant (`;stream=watch`) also answers true: it frames the same envelope, and only a handler knows
 * whether it reads a single object or a stream.
 */
export function isProtobufContentType(ct: string): boolean {
  const base = ct.split(';', 1)[0] ?? '';
  return base.trim().toLowerCase() === 'application/vnd.kubernetes.protobuf';
}
