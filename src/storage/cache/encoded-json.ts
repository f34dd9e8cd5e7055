// The JSON text of objects handed out by the watch cache, computed at most once per object and shared by
// every list and watch response that carries the object, so the API server never re-encodes it per watcher.
const texts = new WeakMap<object, string>();

/** JSON.stringify(obj), memoized per object. Use it only for frozen objects (the cache's), whose text cannot change. */
export function encodedJson(obj: object): string {
  let text = texts.get(obj);
  if (text === undefined) {
    text = JSON.stringify(obj);
    texts.set(obj, text);
  }
  return text;
}
