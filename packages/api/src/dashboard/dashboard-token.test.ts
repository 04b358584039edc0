/**
 * The dashboard with a token, in Debian's Chromium (playwright-core) against the real API server (TCP with a
 * token) and a real etcd: the stream carries the token as `access_token`, the only route that takes it there,
 * and the page's "is it the token?" probe sends it as a header (docs/ops.md, "Access"), so a stream refused
 * for another reason (too many streams) does not ask for the token again.
 */
import http from 'node:http';
import { expect, test } from 'vitest';
import type { MachineRecord } from '@flotilla/core';
import type { Browser } from '../../../../test/support/browser.js';
import { useDashboard } from '../test-support/dashboard-fixture.js';
import { MAX_EVENT_STREAMS } from './ops-routes.js';

const TOKEN = 'dashboard-t0ken';
const ID = '113f16a7b2c4d6e8f0a1b2c3d4e5f6a7';
const machine: MachineRecord = { id: ID, hostname: 'm1', ip: '10.0.0.1', metadata: {}, version: 't', startedAt: 0 };

let browser: Browser;
let port = 0;

useDashboard((d) => ({ port, browser } = d), { machines: [machine], token: TOKEN });

test('the token from #token opens the stream; a wrong one shows the login form, and the right one then connects', async () => {
  const page = await browser.context.newPage();
  await page.goto(`http://127.0.0.1:${port}/#token=${TOKEN}`);
  await page.locator(`#machines [data-machine="${ID}"]`).waitFor({ timeout: 15_000 });
  await page.locator('#conn[data-conn="live"]').waitFor({ timeout: 5000 });
  await page.close();

  const wrong = await browser.context.newPage();
  await wrong.goto(`http://127.0.0.1:${port}/#token=nope`);
  await wrong.locator('#login:not([hidden])').waitFor({ timeout: 15_000 });
  await wrong.fill('#token-input', TOKEN);
  await wrong.click('#login-button');
  await wrong.locator(`#machines [data-machine="${ID}"]`).waitFor({ timeout: 15_000 });
  await wrong.close();
});

test('a stream refused for too many streams does not ask for the token: the probe sends it as a header', async () => {
  const held: http.ClientRequest[] = [];
  const page = await browser.context.newPage();
  try {
    for (let i = 0; i < MAX_EVENT_STREAMS; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/v2/events/stream', headers: { Authorization: `Bearer ${TOKEN}` }, agent: false }, (res) =>
          res.statusCode === 200 ? resolve() : reject(new Error(`stream ${i}: ${res.statusCode}`)),
        );
        req.on('error', () => undefined);
        held.push(req);
      });
    }
    const probed = page.waitForResponse((r) => r.url().endsWith('/v2/health') && r.request().method() === 'HEAD', { timeout: 15_000 });
    await page.goto(`http://127.0.0.1:${port}/#token=${TOKEN}`);
    expect((await probed).status()).toBe(200);
    await page.locator('#conn[data-conn="reconnecting"]').waitFor({ timeout: 5000 });
    expect(await page.locator('#login').getAttribute('hidden')).not.toBeNull();
    // The browser never retries a stream refused with an HTTP status; the page opens it again once there is room.
    for (const req of held.splice(0)) req.destroy();
    await page.locator('#conn[data-conn="live"]').waitFor({ timeout: 20_000 });
    await page.locator(`#machines [data-machine="${ID}"]`).waitFor({ timeout: 5000 });
  } finally {
    await page.close();
    for (const req of held) req.destroy();
  }
});
