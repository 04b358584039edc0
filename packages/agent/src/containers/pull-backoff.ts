/**
 * When may a missing image be pulled again? Pure: the record of past attempts and the clock value in, a decision
 * out. Failed pulls back off exponentially (base, 2×base, 4×base … up to max), so a unit that keeps restarting
 * never hammers a registry faster than that; the record is per unit and resets when the image changes or a pull
 * succeeds.
 */
import { backoffDelay } from '@flotilla/core';

export interface PullRecord {
  image: string;
  /** Consecutive failed pulls of `image`. */
  failures: number;
  /** ms since epoch of the last attempt. */
  lastAttemptAt: number;
  /** The engine's text for the last failure. */
  lastError?: string;
}

export interface PullBackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_PULL_BACKOFF: PullBackoffPolicy = { baseMs: 2_000, maxMs: 5 * 60_000 };

export type PullDecision =
  | { kind: 'pull' }
  | { kind: 'wait'; untilMs: number; lastError: string | undefined; failures: number };

/** Delay after `failures` consecutive failures: 0, base, 2×base, … capped at max. */
export function pullDelayMs(failures: number, policy: PullBackoffPolicy = DEFAULT_PULL_BACKOFF): number {
  if (failures <= 0) return 0;
  return backoffDelay(failures - 1, policy);
}

export function pullDecision(
  record: PullRecord | undefined,
  image: string,
  nowMs: number,
  policy: PullBackoffPolicy = DEFAULT_PULL_BACKOFF,
): PullDecision {
  if (record === undefined || record.image !== image || record.failures === 0) return { kind: 'pull' };
  const untilMs = record.lastAttemptAt + pullDelayMs(record.failures, policy);
  if (nowMs >= untilMs) return { kind: 'pull' };
  return { kind: 'wait', untilMs, lastError: record.lastError, failures: record.failures };
}

/** The record after an attempt at `nowMs`: `error` undefined means the pull succeeded. */
export function recordPull(record: PullRecord | undefined, image: string, nowMs: number, error?: string): PullRecord {
  if (error === undefined) return { image, failures: 0, lastAttemptAt: nowMs };
  const failures = record !== undefined && record.image === image ? record.failures + 1 : 1;
  return { image, failures, lastAttemptAt: nowMs, lastError: error };
}
