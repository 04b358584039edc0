/** The in-memory registry's scheduler election: candidates queue, the elected one holds a fence until it resigns
 * or its term is expired by hand; a write under a fence of a term that ended is refused (LeadershipLostError). */
import { LeadershipLostError, type Fence, type Leadership } from '@flotilla/core';
import type { ChangeFeed } from './change-feed.js';

interface Term {
  candidate: string;
  fence: Fence;
  lostListeners: ((err: Error) => void)[];
}

export class MemoryElection {
  private term: Term | undefined;
  private waiters: { candidate: string; resolve: (l: Leadership) => void }[] = [];

  constructor(private readonly feed: ChangeFeed) {}

  get leader(): string | undefined {
    return this.term?.candidate;
  }

  campaign(candidate: string, signal: AbortSignal): Promise<Leadership> {
    return new Promise((resolve, reject) => {
      const waiter = { candidate, resolve };
      if (signal.aborted) return reject(new DOMException('campaign aborted', 'AbortError'));
      signal.addEventListener('abort', () => {
        if (!this.waiters.includes(waiter)) return;
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new DOMException('campaign aborted', 'AbortError'));
      }, { once: true });
      this.waiters.push(waiter);
      this.promote();
    });
  }

  /** Throws LeadershipLostError unless `fence` is the current term's. */
  checkFence(fence: Fence): void {
    if (!this.term || this.term.fence.createRevision !== fence.createRevision) throw new LeadershipLostError(fence.key);
  }

  /** The term ends (its key expired or was resigned): the leader hears onLost, the next candidate is elected. */
  endTerm(err: Error): void {
    const term = this.term;
    this.term = undefined;
    for (const l of term?.lostListeners ?? []) l(err);
    this.promote();
  }

  private promote(): void {
    if (this.term) return;
    const next = this.waiters.shift();
    if (!next) return;
    const term: Term = { candidate: next.candidate, fence: { key: 'election/leader', createRevision: String(this.feed.bump()) }, lostListeners: [] };
    this.term = term;
    next.resolve({
      fence: term.fence,
      onLost: (listener) => void term.lostListeners.push(listener),
      resign: async () => {
        if (this.term === term) this.endTerm(new Error('resigned'));
      },
    });
    this.feed.changed();
  }
}
