/**
 * A least-recently-used map capped by the total size of its values in bytes. Reading an entry makes
 * it the newest; adding one past the cap drops the oldest until the total fits. A value larger than
 * the cap is never kept.
 */
export class ByteLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private total = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The entry without marking it as used. */
  peek(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  get(key: string): V | undefined {
    const found = this.entries.get(key);
    if (!found) return undefined;
    // Map keeps insertion order: moving the entry to the end marks it as the newest.
    this.entries.delete(key);
    this.entries.set(key, found);
    return found.value;
  }

  /** Adds or replaces an entry; false (and nothing kept) when it alone is over the cap. */
  set(key: string, value: V, bytes: number): boolean {
    this.delete(key);
    if (bytes > this.maxBytes) return false;
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.total -= entry.bytes;
    }
    return true;
  }

  /** Changes the recorded size of an entry (a compressed variant was added), keeping its place. */
  resize(key: string, bytes: number): void {
    const found = this.entries.get(key);
    if (!found) return;
    this.total += bytes - found.bytes;
    found.bytes = bytes;
    if (this.total > this.maxBytes) {
      for (const [oldest, entry] of this.entries) {
        if (this.total <= this.maxBytes) break;
        this.entries.delete(oldest);
        this.total -= entry.bytes;
      }
    }
  }

  delete(key: string): void {
    const found = this.entries.get(key);
    if (!found) return;
    this.entries.delete(key);
    this.total -= found.bytes;
  }

  /** Removes every entry `drop` says to (e.g. built for a data version that has passed). */
  prune(drop: (key: string, value: V) => boolean): void {
    for (const [key, entry] of this.entries)
      if (drop(key, entry.value)) {
        this.entries.delete(key);
        this.total -= entry.bytes;
      }
  }
}
