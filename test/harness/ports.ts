import net from 'node:net';
import { sleep } from '../../packages/core/src/timing.js';

/** Asks the kernel for a free TCP port on `host` (bind to 0, read, release). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when a TCP connect to host:port succeeds; rejects after `deadlineMs`. */
export async function waitForPort(host: string, port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      const done = (value: boolean) => {
        socket.destroy();
        resolve(value);
      };
      socket.setTimeout(500, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`port ${host}:${port} did not open within ${deadlineMs} ms`);
    await sleep(50);
  }
}
