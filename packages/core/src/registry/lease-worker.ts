/**
 * The keepalive thread of a ThreadedLease (lease-thread.ts): its own etcd connection, KeptLease's keepalive rhythm and
 * loss rules, and a watch on the main thread's beats. It ends, telling the main thread why unless asked to stop,
 * when the lease is lost or the main thread has been silent for the stall limit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KeptLease } from './lease.js';
import type { LeaseThreadData, LeaseThreadMessage } from './lease-thread.js';
import { openPort } from './transport.js';

const data = workerData as LeaseThreadData;
const parent = parentPort!;
// Buffers arrive as Uint8Arrays (structured clone).
const pem = (value: Uint8Array | undefined) => (value === undefined ? undefined : Buffer.from(value));
const tls = data.tls && { ca: pem(data.tls.ca), cert: pem(data.tls.cert), key: pem(data.tls.key) };
const port = await openPort(data.transport, { endpoints: data.endpoints, ...(tls ? { tls } : {}), ...(data.auth ? { auth: data.auth } : {}) }, data.timeoutMs, true);
let lastBeat = Date.now();
let ended = false;
let lease: KeptLease | undefined;

const stallCheck = setInterval(() => {
  const silentMs = Date.now() - lastBeat;
  if (silentMs > data.stallLimitMs) end(`the process's main thread did not run for ${Math.round(silentMs / 1000)} s (stalled or hung); the lease is left to expire`);
}, 250);

function end(why?: string): void {
  if (ended) return;
  ended = true;
  clearInterval(stallCheck);
  lease?.release();
  port.close();
  if (why !== undefined) parent.postMessage({ kind: 'lost', why } satisfies LeaseThreadMessage);
  parent.close();
}

parent.on('message', (message: unknown) => {
  if (message === 'beat') lastBeat = Date.now();
  else if (message === 'stop') end();
});

// A keepalive at once, then the main thread stops keeping the lease (it did while this thread started); until one
// goes through, the main thread's keepalives go on, under their own loss rules.
while (!ended) {
  try {
    const { TTL } = await port.leaseKeepAlive(data.leaseId);
    if (Number(TTL) <= 0) end('etcd no longer knows it (expired or revoked)');
    break;
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
if (!ended) {
  lease = KeptLease.keep(port, data.leaseId, data.ttlSec);
  // The main thread words its own LeaseLostError: only the reason crosses.
  lease.onLost((err) => end(err.message.replace(/^etcd lease \S+ lost: /, '')));
  parent.postMessage({ kind: 'ready' } satisfies LeaseThreadMessage);
}
