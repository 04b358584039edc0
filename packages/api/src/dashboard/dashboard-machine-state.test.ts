/**
 * The dashboard in Debian's Chromium (playwright-core) against the real API server and a real etcd: each
 * machine row shows its scheduling state (docs/machine-lifecycle.md), and a cordon lifted through the API
 * reaches the open page without a reload.
 */
import { expect, test } from 'vitest';
import type { EtcdRegistry, MachineRecord } from '@flotilla/core';
import type { Browser } from '../../../../test/support/browser.js';
import { useDashboard } from '../test-support/dashboard-fixture.js';
import { request } from '../test-support/http.js';

const ID_A = '113f16a7b2c4d6e8f0a1b2c3d4e5f6a7';
const ID_B = '2c2e6f3d9a8b7c6d5e4f3a2b1c0d9e8f';
const ID_C = '3d3e6f3d9a8b7c6d5e4f3a2b1c0d9e8f';
const machine = (id: string): MachineRecord => ({ id, hostname: id.slice(0, 4), ip: '10.0.0.1', metadata: {}, version: 't', startedAt: 0 });

let registry: EtcdRegistry;
let browser: Browser;
let port = 0;

useDashboard((d) => ({ registry, port, browser } = d), { machines: [ID_A, ID_B, ID_C].map(machine) });

test('machine rows show schedulable, cordoned and drained; an uncordon arrives live', async () => {
  await registry.setMachineCordon(ID_A, { since: 1 });
  await registry.setMachineCordon(ID_B, { since: 1, drain: { startedAt: 1 } });
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`http://127.0.0.1:${port}/`);
  const row = (id: string) => page.locator(`#machines [data-machine="${id}"]`);
  await row(ID_C).waitFor({ timeout: 15_000 });
  expect(await Promise.all([ID_A, ID_B, ID_C].map((id) => row(id).getAttribute('data-scheduling')))).toEqual(['cordoned', 'drained', 'schedulable']);
  // By hostname; the ID on hover.
  expect(await row(ID_A).locator('span').allTextContents()).toEqual([ID_A.slice(0, 4), 'up', 'cordoned', '10.0.0.1', '0']);
  expect(await row(ID_A).locator('span').first().getAttribute('title')).toBe(`${ID_A.slice(0, 4)} ${ID_A}`);

  expect((await request({ port }, 'DELETE', `/v2/machines/${ID_A}/cordon`)).status).toBe(200);
  await page.locator(`#machines [data-machine="${ID_A}"][data-scheduling="schedulable"]`).waitFor({ timeout: 15_000 });
  // The machine filter matches the state too.
  await page.fill('#machine-search', 'drained');
  await page.waitForFunction(() => document.querySelector('#machine-shown')?.textContent === '1 of 3', undefined, { timeout: 5000 });
  expect(errors).toEqual([]);
});

test('events read as sentences with hostnames: a move with its cause, a failure with its restarts', async () => {
  await registry.appendEvents([
    { kind: 'rescheduled', unit: 'web@2.service', fromMachineId: ID_C, machineId: ID_A, cause: 'rebalance' },
    { kind: 'unit-failed', unit: 'hello.service', machineId: ID_B, restarts: 3, reason: 'failed' },
  ]);
  const page = await browser.context.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  const failed = page.locator('#events li.unit-failed');
  await failed.first().waitFor({ timeout: 15_000 });
  const text = async (kind: string) => ((await page.locator(`#events li.${kind}`).first().textContent()) ?? '').replace(/^\S+ (?:[AP]M )?/, '');
  expect([await text('rescheduled'), await text('unit-failed')]).toEqual([
    `web@2.service moved ${ID_C.slice(0, 4)} → ${ID_A.slice(0, 4)} (rebalance)`,
    `hello.service failed after 3 restarts on ${ID_B.slice(0, 4)}`,
  ]);
});
