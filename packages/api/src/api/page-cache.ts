/**
 * fleet re-read the whole collection from etcd for every page, so walking N items cost O(N²) reads. Here page 1
 * reads the collection and later pages of the same walk reuse that read while it is younger than `ttlMs`; a
 * walk therefore sees one consistent view, and the token format stays fleet's. The clock is injected.
 */
import type { PageToken } from './pagination.js';

interface Entry {
  items: readonly unknown[];
  readAt: number;
}

export class PageCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = 10_000,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 64,
  ) {}

  async read<T>(key: string, token: PageToken, load: () => Promise<T[]>): Promise<readonly T[]> {
    const cached = this.entries.get(key);
    if (token.page > 1 && cached && this.now() - cached.readAt < this.ttlMs) return cached.items as readonly T[];
    const items = await load();
    this.entries.delete(key);
    this.entries.set(key, { items, readAt: this.now() });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return items;
  }
}
