/**
 * Debian's Chromium driven by playwright-core (no browser download): headless, no sandbox (we are root in a
 * test), no background traffic, a fresh profile directory removed on close.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** `ignoreHTTPSErrors`: for pages served with a test cluster's own CA, which a throwaway profile does not trust. */
export async function launchChromium(opts: { viewport?: { width: number; height: number }; ignoreHTTPSErrors?: boolean } = {}): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30_000,
      viewport: opts.viewport ?? { width: 1400, height: 900 },
      ...(opts.ignoreHTTPSErrors ? { ignoreHTTPSErrors: true } : {}),
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    return {
      context,
      async close() {
        await context.close().catch(() => undefined);
        fs.rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
