/** Something kept in creation order: seq grows with every creation across the whole emulator. */
export interface Sequenced {
  seq: number;
  id: string;
}

/**
 * Items by id plus their creation order, so list pages are a binary search and a slice instead of a scan.
 * Removal splices the order array: fine for the sizes Cloud Map allows (1,000 instances per service,
 * a few thousand services).
 */
export class OrderedIndex<T extends Sequenced> {
  private readonly byId = new Map<string, T>();
  private readonly order: T[] = [];

  get size(): number {
    return this.order.length;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Adds an item whose seq is larger than every seq already present. */
  add(item: T): void {
    const last = this.order[this.order.length - 1];
    if (last && last.seq >= item.seq) throw new Error(`OrderedIndex: seq ${item.seq} is not after ${last.seq}`);
    this.byId.set(item.id, item);
    this.order.push(item);
  }

  remove(id: string): T | undefined {
    const item = this.byId.get(id);
    if (!item) return undefined;
    this.byId.delete(id);
    const at = this.firstAfter(item.seq - 1);
    if (this.order[at] === item) this.order.splice(at, 1);
    return item;
  }

  /** Removes and returns the oldest item (bounded logs). */
  shift(): T | undefined {
    const item = this.order.shift();
    if (item) this.byId.delete(item.id);
    return item;
  }

  values(): readonly T[] {
    return this.order;
  }

  /** Up to limit items created after afterSeq, and whether more follow them. */
  pageAfter(afterSeq: number, limit: number): { items: T[]; more: boolean } {
    const start = this.firstAfter(afterSeq);
    const items = this.order.slice(start, start + limit);
    return { items, more: start + limit < this.order.length };
  }

  /** Index of the first item with seq > afterSeq. */
  private firstAfter(afterSeq: number): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.order[mid].seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
