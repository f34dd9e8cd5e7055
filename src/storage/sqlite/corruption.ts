// Remembers that SQLite found the database file damaged. SQLite reports damage only from the query that
// reads the bad page (SQLITE_CORRUPT*, or SQLITE_NOTADB when the header is bad); every other query goes on
// working, so a probe that touches its own row would stay green while reads of the damaged range fail.
// Any query that sees damage marks the store; from then on its probe fails with what to do about it.

export class CorruptionLatch {
  readonly #path: string;
  #damage: string | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  /** Runs a query; damage it reports is remembered before the error goes on to the caller. */
  run<T>(query: () => T): T {
    try {
      return query();
    } catch (e) {
      this.note(e);
      throw e;
    }
  }

  /** Remembers the first error that reports damage; other errors are left alone. */
  note(e: unknown): void {
    if (this.#damage === undefined && isCorruption(e)) this.#damage = `${e.code}: ${e.message}`;
  }

  /** Throws once any query has reported damage. */
  check(): void {
    if (this.#damage === undefined) return;
    throw new Error(
      `the SQLite database ${this.#path} is damaged (${this.#damage}); reads of the damaged part fail until it is replaced. ` +
        'Stop the server, then restore a copy taken with "a-kube storage backup" ("a-kube storage restore"), ' +
        'or move the database aside and start empty under the same certificates with --reset-state',
    );
  }
}

function isCorruption(e: unknown): e is Error & { code: string } {
  if (!(e instanceof Error) || !('code' in e) || typeof e.code !== 'string') return false;
  return e.code.startsWith('SQLITE_CORRUPT') || e.code === 'SQLITE_NOTADB';
}
