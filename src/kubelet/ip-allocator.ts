// Pod IPs from a node's pod CIDR (what a host-local CNI IPAM does): .0 is the network, .1 the gateway.
export class IpAllocator {
  readonly #base: number;
  readonly #size: number;
  readonly #byOwner = new Map<string, number>();
  readonly #used = new Set<number>();
  #next = 2;

  constructor(cidr: string) {
    const [addr = '', bits = '24'] = cidr.split('/');
    const parts = addr.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`invalid pod CIDR ${JSON.stringify(cidr)}`);
    const prefix = Number(bits);
    this.#size = 2 ** (32 - prefix);
    const value = parts.reduce((n, p) => n * 256 + p, 0);
    this.#base = value - (value % this.#size);
  }

  allocate(owner: string): string | undefined {
    const existing = this.#byOwner.get(owner);
    if (existing !== undefined) return toIp(existing);
    for (let tried = 0; tried < this.#size; tried++) {
      const offset = this.#next;
      this.#next = this.#next + 1 >= this.#size - 1 ? 2 : this.#next + 1;
      if (this.#used.has(offset)) continue;
      this.#used.add(offset);
      this.#byOwner.set(owner, this.#base + offset);
      return toIp(this.#base + offset);
    }
    return undefined;
  }

  release(owner: string): void {
    const v = this.#byOwner.get(owner);
    if (v === undefined) return;
    this.#byOwner.delete(owner);
    this.#used.delete(v - this.#base);
  }
}

function toIp(v: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');
}
