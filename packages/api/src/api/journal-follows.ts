/**
 * A cap on followed journals (`/v2/units/<n>/journal?follow=true`): each holds a journalctl child and a socket
 * until its client leaves, so without one any client could fill the machine with processes (docs/api.md,
 * "/v2 extensions"). Beyond the cap a follow is refused with 429 before any child starts.
 */
import { apiError } from './http-errors.js';
import type { Introspection } from './request.js';

export const MAX_JOURNAL_FOLLOWS = 16;

export function limitJournalFollows(introspect: Introspection, max = MAX_JOURNAL_FOLLOWS): Introspection {
  let open = 0;
  return {
    unitStatus: (name) => introspect.unitStatus(name),
    unitJournal(name, opts) {
      if (!opts.follow) return introspect.unitJournal(name, opts);
      if (open >= max) throw apiError(429, `too many journal follows: ${max} open on this agent; stop one (journal -f) or try again later`);
      const lines = introspect.unitJournal(name, opts); // a unit not run here throws (404) and takes no place
      open++;
      let released = false;
      // The place is freed when the iteration ends, or when the client leaves before it began.
      const release = () => {
        if (released) return;
        released = true;
        open--;
        opts.signal.removeEventListener('abort', release);
      };
      opts.signal.addEventListener('abort', release, { once: true });
      return (async function* () {
        try {
          yield* lines;
        } finally {
          release();
        }
      })();
    },
  };
}
