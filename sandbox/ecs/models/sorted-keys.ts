/**
 * A sorted set of string keys with "page after this key" reads, so list operations cost O(log n + page)
 * however large the fleet. Inserts append and sort lazily: bulk loads stay linear, and V8's TimSort is
 * near-linear on the almost-sorted arrays single inserts leave.
 */
export class SortedKeys {
  private keys: string[] = [];
  private sorted = true;

  get size(): number {
    return this.keys.length;
  }

  add(key: string): void {
    const last = this.keys[this.keys.length - 1];
    if (last !== undefined && key <= last) {
      if (key === last) return;
      this.sorted = false;
    }
    this.keys.push(key);
  }

  delete(key: string): void {
    this.ensureSorted();
    const i = this.lowerBound(key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
  }

  has(key: string): boolean {
    this.ensureSorted();
    return this.keys[this.lowerBound(key)] === key;
  }

  /** Up to `limit` keys strictly after `after` (from the start when undefined), and whether more follow. */
  page(after: string | undefined, limit: number): { keys: string[]; more: boolean } {
    this.ensureSorted();
    const start = after === undefined ? 0 : this.upperBound(after);
    const keys = this.keys.slice(start, start + limit);
    return { keys, more: start + limit < this.keys.length };
  }

  /** Every key, in order (a copy). */
  all(): string[] {
    this.ensureSorted();
    return this.keys.slice();
  }

  private ensureSorted(): void {
    if (this.sorted) return;
    this.keys.sort();
    // Duplicates can only come from out-of-order adds of an existing key; drop them once sorted.
    let write = 0;
    for (let read = 0; read < this.keys.length; read++) {
      if (read === 0 || this.keys[read] !== this.keys[write - 1]) this.keys[write++] = this.keys[read];
    }
    this.keys.length = write;
    this.sorted = true;
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private upperBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
