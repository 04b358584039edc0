/**
 * `flotilla lb haproxy`'s loop: watch the published endpoints, render HAProxy's config (haproxy-config.ts),
 * and when the text changed, validate it, move it into place atomically and start or gracefully reload HAProxy.
 * Changes that arrive while one is applied are coalesced into one more pass.
 *
 * Not only changes trigger a pass: a failed pass (etcd unreachable, HAProxy refused the file or died) is retried
 * after `retryMs`, doubling up to `resyncMs`, and a healthy LB re-reads the endpoints every `resyncMs` anyway, so a
 * missed watch event or a HAProxy that exited is repaired without waiting for the next endpoint change.
 */
import fs from 'node:fs/promises';
import { backoffDelay, type EndpointRegistry } from '@flotilla/core';
import type { Logger } from 'pino';
import { renderHaproxyConfig, selectEndpoints, type LbSpec } from './haproxy-config.js';
import type { HaproxyProcess } from './haproxy-process.js';

/** Healthy: full re-read this often. */
export const DEFAULT_RESYNC_MS = 30_000;
/** After a failed pass: first retry after this, doubling up to the resync interval. */
export const DEFAULT_RETRY_MS = 1_000;

export interface LbRun {
  /** Resolves after the current pass (tests and shutdown). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export interface LbTiming {
  resyncMs?: number;
  retryMs?: number;
}

/** The part of HaproxyProcess the loop uses (tests give a fake). */
export type HaproxyControl = Pick<HaproxyProcess, 'running' | 'check' | 'startOrReload' | 'stop'>;

export async function runHaproxyLb(
  registry: EndpointRegistry,
  spec: LbSpec,
  configFile: string,
  haproxy: HaproxyControl,
  logger: Logger,
  timing: LbTiming = {},
): Promise<LbRun> {
  const resyncMs = timing.resyncMs ?? DEFAULT_RESYNC_MS;
  const retryMs = Math.min(timing.retryMs ?? DEFAULT_RETRY_MS, resyncMs);
  let applied = '';
  let pass: Promise<void> = Promise.resolve();
  let pending = false;
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  const applyOnce = async () => {
    const endpoints = await registry.listEndpoints();
    const text = renderHaproxyConfig(spec, endpoints);
    if (text === applied && haproxy.running) return;
    const next = `${configFile}.next`;
    await fs.writeFile(next, text);
    await haproxy.check(next);
    await fs.rename(next, configFile);
    await haproxy.startOrReload();
    applied = text;
    logger.info({ servers: selectEndpoints(endpoints, spec.prefix).map((e) => `${e.ip}:${e.port}`) }, 'haproxy config applied');
  };
  const arm = (ms: number) => {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(schedule, ms);
    timer.unref();
  };
  function schedule(): void {
    if (pending || stopped) return;
    pending = true;
    pass = pass.then(async () => {
      pending = false;
      if (stopped) return;
      try {
        await applyOnce();
        failures = 0;
        arm(resyncMs);
      } catch (err) {
        const delay = backoffDelay(failures++, { baseMs: retryMs, maxMs: resyncMs });
        logger.error({ err, retryInMs: delay }, 'applying haproxy config failed; retrying');
        arm(delay);
      }
    });
  }

  const watch = await registry.watchEndpoints(schedule);
  schedule();
  return {
    settled: () => pass,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await watch.close();
      await pass;
      await haproxy.stop();
    },
  };
}
