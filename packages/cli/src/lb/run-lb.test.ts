/**
 * The LB loop's repair paths with an in-memory endpoint source and HAProxy stand-in (the real HAProxy and etcd
 * run in test/cluster/scenario-lb.test.ts): a failed pass is retried without waiting for an endpoint change, and
 * a HAProxy that died is restarted by the periodic resync.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EndpointRecord, EndpointRegistry } from '@flotilla/core';
import { pino } from 'pino';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { runHaproxyLb, type HaproxyControl, type LbRun } from './run-lb.js';
import { sleep } from '@flotilla/core';

const M1 = 'aaaaaaaa00000000000000000000000a';
const SPEC = { prefix: 'app@', listen: '127.0.0.1:8081' };

class FakeEndpoints implements EndpointRegistry {
  failuresLeft = 0;
  reads = 0;
  endpoints: EndpointRecord[] = [{ unit: 'app@1.service', machineId: M1, ip: '10.0.0.1', port: 8080 }];
  async publishEndpoint(): Promise<void> {}
  async removeEndpoint(): Promise<void> {}
  async listEndpoints(): Promise<EndpointRecord[]> {
    this.reads++;
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('etcd unreachable');
    }
    return this.endpoints;
  }
  async watchEndpoints(): Promise<{ close(): Promise<void> }> {
    return { close: async () => {} };
  }
}

class FakeHaproxy implements HaproxyControl {
  running = false;
  starts = 0;
  rejectChecks = 0;
  async check(): Promise<void> {
    if (this.rejectChecks > 0) {
      this.rejectChecks--;
      throw new Error('haproxy rejected the file');
    }
  }
  async startOrReload(): Promise<void> {
    this.running = true;
    this.starts++;
  }
  async stop(): Promise<void> {
    this.running = false;
  }
}

describe('runHaproxyLb repairs itself', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-run-lb-'));
  const config = path.join(dir, 'haproxy.cfg');
  let run: LbRun | undefined;
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    fs.rmSync(config, { force: true });
  });
  const logger = pino({ level: 'silent' });

  test('a pass that failed (etcd down, then a rejected file) is retried with no endpoint change', async () => {
    const registry = new FakeEndpoints();
    registry.failuresLeft = 2;
    const haproxy = new FakeHaproxy();
    haproxy.rejectChecks = 1;
    run = await runHaproxyLb(registry, SPEC, config, haproxy, logger, { retryMs: 10, resyncMs: 60_000 });
    await vi.waitFor(() => expect(haproxy.starts).toBe(1), { timeout: 5000, interval: 10 });
    expect(registry.reads).toBe(4);
    expect(fs.readFileSync(config, 'utf8')).toContain('10.0.0.1:8080');
  });

  test('the periodic resync restarts a HAProxy that exited and picks up a missed change', async () => {
    const registry = new FakeEndpoints();
    const haproxy = new FakeHaproxy();
    run = await runHaproxyLb(registry, SPEC, config, haproxy, logger, { retryMs: 10, resyncMs: 50 });
    await vi.waitFor(() => expect(haproxy.starts).toBe(1), { timeout: 5000, interval: 10 });
    haproxy.running = false;
    registry.endpoints = [...registry.endpoints, { unit: 'app@2.service', machineId: M1, ip: '10.0.0.2', port: 8080 }];
    await vi.waitFor(() => expect(haproxy.starts).toBe(2), { timeout: 5000, interval: 10 });
    expect(fs.readFileSync(config, 'utf8')).toContain('10.0.0.2:8080');
  });

  test('stop ends the timers: no pass runs after it', async () => {
    const registry = new FakeEndpoints();
    const haproxy = new FakeHaproxy();
    run = await runHaproxyLb(registry, SPEC, config, haproxy, logger, { retryMs: 10, resyncMs: 20 });
    await vi.waitFor(() => expect(haproxy.starts).toBe(1), { timeout: 5000, interval: 10 });
    await run.stop();
    run = undefined;
    const reads = registry.reads;
    await sleep(100);
    expect(registry.reads).toBe(reads);
  });
});
