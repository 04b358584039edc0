/**
 * The dashboard's Services panel and service page (docs/ops.md, docs/deployments.md) in Debian's Chromium
 * (playwright-core) against the real API server (TCP, with a token) and a real etcd, no scheduler: the test writes
 * the leader's deployment steps itself. A deployment's state changes reach the open page live (running, waiting
 * for promotion, succeeded); Promote shows only while canaries wait; Rollback and "roll back to this" start a
 * rollback through the API after confirming, and a rollback refused while a deployment runs shows the 409 naming it.
 */
import path from 'node:path';
import os from 'node:os';
import { expect, test } from 'vitest';
import type { DeploymentRecord, EtcdRegistry, Leadership, UnitOption } from '@flotilla/core';
import type { Page } from 'playwright-core';
import type { Browser } from '../../../../test/support/browser.js';
import { useDashboard } from '../test-support/dashboard-fixture.js';

const TOKEN = 'deploy-t0ken';
const SHOTS = path.join(os.tmpdir(), 'flotilla-dashboard-screenshots');
const v = (n: string, ...extra: UnitOption[]): UnitOption[] => [{ section: 'Service', name: 'ExecStart', value: `/bin/sleep ${n}` }, ...extra];

let registry: EtcdRegistry;
let browser: Browser;
let port = 0;
useDashboard((d) => ({ registry, port, browser } = d), { machines: [], token: TOKEN });

let leadership: Leadership | undefined;
/** One leader step, as the scheduler writes it: the deployment's new state (and its version's result). */
async function step(state: DeploymentRecord['state'], result?: 'healthy' | 'failed'): Promise<void> {
  leadership ??= await registry.campaign('test', 30, new AbortController().signal);
  const [read] = await registry.readDeployments();
  const d = read!.deployment;
  const results = result ? [{ hash: d.toHash, result }] : [];
  expect(await registry.applyDeploymentStep({ read: read!, deployment: { ...d, state, updatedAt: Date.now() }, replace: [], revertTemplate: false, results }, leadership.fence)).toBe(true);
}

async function open(page: Page, hash = ''): Promise<void> {
  await page.goto(`http://127.0.0.1:${port}/${hash}`);
  await page.locator('#login:not([hidden])').waitFor({ timeout: 15_000 });
  await page.fill('#token-input', TOKEN);
  await page.click('#login-button');
}

test('a deployment shows live in the Services panel and on the service page; promote, rollback, roll back to a version', async () => {
  await registry.scaleService('app@.service', 2, { name: 'app@.service', options: v('1') });
  const v1 = (await registry.getUnit('app@.service'))!.hash;
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await open(page);
  const row = page.locator('#services [data-service="app@.service"]');
  await row.waitFor({ timeout: 15_000 });
  expect(await row.locator('span').allTextContents()).toEqual(['app@.service', '0/2', v1.slice(0, 7), '-']);

  // Started elsewhere (the CLI): the row follows it without a reload.
  const d = await registry.startDeployment({ name: 'app@.service', options: v('2', { section: 'X-Flotilla', name: 'Canary', value: '1' }) });
  await page.locator('#services [data-service="app@.service"][data-deployment="running"]').waitFor({ timeout: 15_000 });
  expect(await row.locator('span').nth(3).textContent()).toBe(`running: batch 1/2, 0/2 healthy on ${d.toHash.slice(0, 7)}`);
  await step('waiting-promotion');
  await page.locator('#services [data-service="app@.service"][data-deployment="waiting-promotion"]').waitFor({ timeout: 15_000 });

  // The service page: Promote while the canaries wait; the history with the version to go back to.
  await row.click();
  await page.locator('#service-page:not([hidden]) #service-facts[data-state="waiting-promotion"]').waitFor({ timeout: 5000 });
  await page.locator(`#service-history tr[data-hash="${v1}"] button.rollback-to`).waitFor({ timeout: 5000 });
  expect(await page.locator('#service-history tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.result))).toEqual(['running', 'healthy']);
  await page.screenshot({ path: path.join(SHOTS, 'service-waiting.png') });

  // A rollback while it runs is refused, naming it.
  await page.click('#service-actions button.rollback');
  await page.locator('#confirm-text', { hasText: 'Roll back app@.service to its last healthy version?' }).waitFor({ timeout: 5000 });
  await page.click('#confirm-ok');
  const refused = page.locator('#progress li[data-action="roll back app@.service"][data-action-state="failed"]');
  await refused.waitFor({ timeout: 10_000 });
  expect(await refused.textContent()).toContain(`409 app@.service is being deployed by deployment ${d.id}`);

  await page.click('#service-actions button.promote');
  await page.locator('#progress li[data-action="promote app@.service"][data-action-state="done"]').waitFor({ timeout: 15_000 });
  expect((await registry.getDeployment('app@.service'))?.promoted).toBe(true);
  expect(await page.locator('#service-actions button.promote').isHidden()).toBe(true);

  // It ends: the page and the history follow.
  await step('succeeded', 'healthy');
  await page.locator('#service-facts[data-state="succeeded"]').waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#service-history tr')].map((r) => (r as HTMLElement).dataset.result).join() === 'healthy,healthy', undefined, { timeout: 10_000 });

  // Rollback: asks first, then the last healthy version is deployed again, as `flotilla rollback`.
  await page.click('#service-actions button.rollback');
  await page.click('#confirm-ok');
  await page.locator('#progress li[data-action="roll back app@.service"][data-action-state="done"]').waitFor({ timeout: 15_000 });
  expect((await registry.getUnit('app@.service'))?.hash).toBe(v1);
  expect((await registry.getDeployment('app@.service'))?.rollback).toBe(true);
  await page.locator('#service-facts[data-state="running"]').waitFor({ timeout: 15_000 });
  expect(await page.locator('#service-facts').textContent()).toContain('(rollback)');
  await step('succeeded', 'healthy');

  // "roll back to this" on the second version's row.
  const back = page.locator(`#service-history tr[data-hash="${d.toHash}"] button.rollback-to`);
  await back.waitFor({ timeout: 15_000 });
  await back.click();
  await page.locator('#confirm-text', { hasText: `to version ${d.toHash.slice(0, 7)}?` }).waitFor({ timeout: 5000 });
  await page.click('#confirm-ok');
  await page.locator(`#progress li[data-action="roll back app@.service to ${d.toHash.slice(0, 7)}"][data-action-state="done"]`).waitFor({ timeout: 15_000 });
  expect((await registry.getUnit('app@.service'))?.hash).toBe(d.toHash);
  await page.screenshot({ path: path.join(SHOTS, 'service-rollback.png') });

  // The template's unit page links to the service page; the overview's row too.
  await page.goto(`http://127.0.0.1:${port}/#/unit/${encodeURIComponent('app@.service')}`);
  await page.click('#unit-service-link');
  await page.locator('#service-page:not([hidden]) #service-name', { hasText: 'app@.service' }).waitFor({ timeout: 5000 });
  expect(errors).toEqual([]);
  await page.close();
});
