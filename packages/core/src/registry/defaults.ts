/** Registry defaults that must be readable without loading etcd3 (the index exports them). */
import type { BackoffPolicy } from '../timing.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/**
 * Re-opening a broken watch: 100 ms doubling to 2 s, with equal jitter so the watches of many agents do not all
 * reconnect to a restarted etcd in the same instant, while each still waits at least half its step.
 */
export const WATCH_REOPEN_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 2000, jitter: 'equal' };
