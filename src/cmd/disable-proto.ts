// What `node --disable-proto=delete` does, for when the executables are started without that flag:
// objects lose the inherited `__proto__` accessor, so a "__proto__" key in client data can only ever be
// an own data property and never re-parents an object. Imported first by each executable.
delete (Object.prototype as { __proto__?: unknown }).__proto__;
