/**
 * `flotilla lb haproxy`'s loop: watch the published endpoints, render HAProxy's config (haproxy-config.ts),
 * and when the text changed, validate it, move it into place atomically and start or gracefully reload HAProxy.
 * Changes that arrive while one is applied are coalesced into one more pass.
 */
import fs from 'node:fs/promises';
import type { EndpointRegistry } from '@flotilla/core';
import type { Logger } from 'pino';
import { renderHaproxyConfig, selectEndpoints, type LbSpec } from './haproxy-config.js';
import type { HaproxyProcess } from './haproxy-process.js';

export interface LbRun {
  /** Resolves after the current pass (tests and shutdown). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export async function runHaproxyLb(
  registry: EndpointRegistry,
  spec: LbSpec,
  configFile: string,
  haproxy: HaproxyProcess,
  logger: Logger,
): Promise<LbRun> {
  let applied = '';
  let pass: Promise<void> = Promise.resolve();
  let pending = false;

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
  const schedule = () => {
    if (pending) return;
    pending = true;
    pass = pass.then(async () => {
      pending = false;
      await applyOnce().catch((err: unknown) => logger.error({ err }, 'applying haproxy config failed; next change retries'));
    });
  };

  const watch = await registry.watchEndpoints(schedule);
  schedule();
  return {
    settled: () => pass,
    async stop() {
      await watch.close();
      await pass;
      await haproxy.stop();
    },
  };
}
