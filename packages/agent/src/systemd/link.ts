/**
 * Keeps one live SystemdManager: if the bus connection drops (dbus restarted, machine shutting down), the next
 * `ensure()` connects again and re-subscribes to unit signals. Calls on a dead manager fail fast with a
 * retryable SYSTEMD_UNAVAILABLE, so the reconciler simply tries again on its next pass.
 */
import type { Logger } from 'pino';
import { SystemdError } from './errors.js';
import { SystemdManager, type SystemdManagerOptions, type UnitsChangedListener } from './manager.js';

export class SystemdLink {
  private manager: SystemdManager | undefined;
  private connecting: Promise<SystemdManager> | undefined;

  constructor(
    private readonly opts: SystemdManagerOptions,
    private readonly onUnitChanged: UnitsChangedListener,
    private readonly logger: Logger,
  ) {}

  /** The manager for calls that should not wait for a reconnect; throws while there is none. */
  current(): SystemdManager {
    if (this.manager === undefined || this.manager.isClosed) {
      throw new SystemdError('SYSTEMD_UNAVAILABLE', 'not connected to systemd', { retryable: true });
    }
    return this.manager;
  }

  /** A connected, subscribed manager, (re)connecting if needed. */
  async ensure(): Promise<SystemdManager> {
    if (this.manager !== undefined && !this.manager.isClosed) return this.manager;
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  close(): void {
    this.manager?.close();
    this.manager = undefined;
  }

  private async connect(): Promise<SystemdManager> {
    if (this.manager !== undefined) {
      this.logger.warn('systemd connection lost; connecting again');
      this.manager.close();
      this.manager = undefined;
    }
    const manager = await SystemdManager.connect(this.opts);
    try {
      await manager.onUnitsChanged(this.onUnitChanged);
    } catch (err) {
      manager.close();
      throw err;
    }
    this.manager = manager;
    this.logger.info({ busAddress: this.opts.busAddress ?? 'system bus' }, 'connected to systemd');
    return manager;
  }
}
