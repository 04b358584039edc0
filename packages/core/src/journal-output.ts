/**
 * The most journal lines one request may ask for (`journal --lines`, the API's `lines=`): journalctl reads and
 * the agent relays every line asked for, so the bound keeps one request from costing minutes (docs/api.md).
 */
export const MAX_JOURNAL_LINES = 10_000;

/**
 * `journal --output` modes (fleetctl's flag, passed to journalctl `-o` by the agent). Shared by the CLI, which
 * validates the flag, and the agent's API, which validates the query parameter: both refuse anything else, so no
 * other journalctl option can be smuggled in.
 */
export const JOURNAL_OUTPUT_MODES = ['short', 'short-iso', 'json', 'cat', 'verbose'] as const;

export type JournalOutputMode = (typeof JOURNAL_OUTPUT_MODES)[number];

export const DEFAULT_JOURNAL_OUTPUT: JournalOutputMode = 'short';

export function isJournalOutputMode(value: string): value is JournalOutputMode {
  return (JOURNAL_OUTPUT_MODES as readonly string[]).includes(value);
}
