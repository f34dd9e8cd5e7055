// A REST client whose connection can be replaced while it is in use: a node that rotates its client certificate
// hands everything (informers, status updates, Lease renewals) the new credentials at once. Swapping closes the old
// client's connections, so long watches end and their informers reconnect with the new certificate, as the
// kubelet drops its connections when its certificate rotates.
import type { RestClient } from './rest.js';

export class SwappableRestClient implements RestClient {
  #current: RestClient;

  constructor(initial: RestClient) {
    this.#current = initial;
  }

  get config(): RestClient['config'] {
    return this.#current.config;
  }

  swap(next: RestClient): void {
    const old = this.#current;
    this.#current = next;
    old.close();
  }

  request: RestClient['request'] = (o) => this.#current.request(o);
  requestJson: RestClient['requestJson'] = (o) => this.#current.requestJson(o);
  get: RestClient['get'] = (p, o) => this.#current.get(p, o);
  list: RestClient['list'] = (p, o) => this.#current.list(p, o);
  create: RestClient['create'] = (p, b, o) => this.#current.create(p, b, o);
  update: RestClient['update'] = (p, b, o) => this.#current.update(p, b, o);
  patch: RestClient['patch'] = (p, b, t, o) => this.#current.patch(p, b, t, o);
  delete: RestClient['delete'] = (p, o) => this.#current.delete(p, o);
  watch: RestClient['watch'] = (p, q, s, o) => {
    const self = this;
    // Each iteration opens its watch on the client current at that moment.
    return { [Symbol.asyncIterator]: () => self.#current.watch(p, q, s, o)[Symbol.asyncIterator]() };
  };
  close(): void {
    this.#current.close();
  }
}
