/**
 * The dashboard's static files (index.html, dashboard.css, dashboard.js and the modules it imports), read once from
 * `packages/api/src/dashboard/static/` — no build step at run time: the browser runs the files as written.
 * Served with an ETag so a reload costs a 304.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** URL path → file name. `/` is the page. */
export const ASSET_PATHS: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/dashboard.js': 'dashboard.js',
  '/dashboard.css': 'dashboard.css',
  '/session.js': 'session.js',
  '/actions.js': 'actions.js',
  '/describe.js': 'describe.js',
  '/virtual-list.js': 'virtual-list.js',
  '/unit-page.js': 'unit-page.js',
  '/machine-page.js': 'machine-page.js',
  '/service-page.js': 'service-page.js',
};

/** Works from src/ (tests through vite) and from dist/ (the daemon): the files stay in src/. */
export function staticDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.replace(/\/dist\/dashboard\/?$/, '/src/dashboard/').replace(/\/?$/, '/') + 'static/';
}

export function loadAssets(dir = staticDir()): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [urlPath, file] of Object.entries(ASSET_PATHS)) {
    const body = fs.readFileSync(dir + file);
    const type = TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream';
    assets.set(urlPath, { body, type, etag: `"${crypto.createHash('sha1').update(body).digest('hex').slice(0, 16)}"` });
  }
  return assets;
}

export function serveAsset(asset: Asset, req: IncomingMessage, res: ServerResponse): void {
  const headers = {
    'Content-Type': asset.type,
    ETag: asset.etag,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:",
  };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    return void res.end();
  }
  res.writeHead(200, { ...headers, 'Content-Length': asset.body.length });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}
