/**
 * The keepalive thread of a ThreadedLease (lease-thread.ts): its own etcd connection, KeptLease's keepalive rhythm and
 * loss rules, and a watch on the main thread's beats. It ends, telling the main thread why unless asked to stop,
 * when the lease is lost or the main thread has been silent for the stall limit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KeptLease } from './lease.js';
import type { LeaseThreadData, LeaseThreadLost } from './lease-thread.js';
import { openPort } from './transport.js';

const data = workerData as LeaseThreadData;
const parent = parentPort!;
// Buffers arrive as Uint8Arrays (structured clone).
const pem = (value: Uint8Array | undefined) => (value === undefined ? undefined : Buffer.from(value));
const tls = data.tls && { ca: pem(data.tls.ca), cert: pem(data.tls.cert), key: pem(data.tls.key) };
const port = await openPort(data.transport, { endpoints: data.endpoints, ...(tls ? { tls } : {}), ...(data.auth ? { auth: data.auth } : {}) }, data.timeoutMs, true);
const lease = KeptLease.keep(port, data.leaseId, data.ttlSec);
let lastBeat = Date.now();
let ended = false;

const stallCheck = setInterval(() => {
  const silentMs = Date.now() - lastBeat;
  if (silentMs > data.stallLimitMs) end(`the process's main thread did not run for ${Math.round(silentMs / 1000)} s (stalled or hung); the lease is left to expire`);
}, 250);

function end(why?: string): void {
  if (ended) return;
  ended = true;
  clearInterval(stallCheck);
  lease.release();
  port.close();
  if (why !== undefined) parent.postMessage({ kind: 'lost', why } satisfies LeaseThreadLost);
  parent.close();
}

// The main thread words its own LeaseLostError: only the reason crosses.
lease.onLost((err) => end(err.message.replace(/^etcd lease \S+ lost: /, '')));
parent.on('message', (message: unknown) => {
  if (message === 'beat') lastBeat = Date.now();
  else if (message === 'stop') end();
});
