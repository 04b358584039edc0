/**
 * A raw D-Bus connection with deadlines. We use dbus-next's low-level message API rather than proxy objects:
 * proxies introspect every object they touch (one extra round trip per unit), and we only need a handful of
 * fixed method signatures.
 */
import * as dbus from 'dbus-next';
import { withDeadline } from '@flotilla/core';
import { SystemdError, translateDbusError } from './errors.js';
import { installSignalBodySkip } from './signal-bodies.js';

export const DEFAULT_SYSTEM_BUS = 'unix:path=/run/dbus/system_bus_socket';

export interface BusCall {
  destination: string;
  path: string;
  interface: string;
  member: string;
  signature?: string;
  body?: unknown[];
}

export class BusConnection {
  private closedBy: SystemdError | undefined;
  private readonly messageListeners = new Set<(msg: dbus.Message) => void>();

  private constructor(
    private readonly bus: dbus.MessageBus,
    private readonly callTimeoutMs: number,
  ) {
    bus.on('message', (msg) => {
      if (msg.type === dbus.MessageType.SIGNAL) for (const l of this.messageListeners) l(msg);
    });
    // After the first failure the bus is dead for us: later calls fail fast instead of waiting for a deadline.
    bus.on('error', (err) => {
      this.closedBy ??= translateDbusError(err, 'connection');
    });
  }

  /** Connects and completes the bus handshake (Hello) within `timeoutMs`. */
  static async open(address: string, timeoutMs: number): Promise<BusConnection> {
    // Before the first connection: each picks its message parser when its handshake ends.
    installSignalBodySkip();
    const bus = dbus.sessionBus({ busAddress: address });
    const ready = new Promise<void>((resolve, reject) => {
      bus.once('connect', () => resolve());
      bus.once('error', (err) => reject(translateDbusError(err, `connect ${address}`)));
    });
    try {
      await withDeadline(ready, timeoutMs, () => noReply(`connect ${address}`, timeoutMs));
    } catch (err) {
      bus.on('error', () => {}); // late socket errors after we gave up must not crash the process
      bus.disconnect();
      throw err;
    }
    return new BusConnection(bus, timeoutMs);
  }

  /** One method call; resolves with the reply body. Throws SystemdError (translated once, here). */
  async call(c: BusCall, what: string): Promise<unknown[]> {
    if (this.closedBy) throw this.closedBy;
    const msg = new dbus.Message({
      destination: c.destination,
      path: c.path,
      interface: c.interface,
      member: c.member,
      ...(c.signature === undefined ? {} : { signature: c.signature, body: c.body ?? [] }),
    });
    try {
      const reply = await withDeadline(this.bus.call(msg), this.callTimeoutMs, () => noReply(what, this.callTimeoutMs));
      return reply?.body ?? [];
    } catch (err) {
      throw translateDbusError(err, what);
    }
  }

  /** Receives every signal this connection gets (after AddMatch); returns an unsubscribe function. */
  onSignal(listener: (msg: dbus.Message) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  get isClosed(): boolean {
    return this.closedBy !== undefined;
  }

  close(): void {
    this.closedBy ??= new SystemdError('SYSTEMD_UNAVAILABLE', 'systemd connection closed', { retryable: false });
    this.messageListeners.clear();
    this.bus.disconnect();
  }
}

function noReply(what: string, ms: number): SystemdError {
  return new SystemdError('SYSTEMD_TIMEOUT', `systemd ${what}: no reply within ${ms} ms`, { retryable: true });
}
