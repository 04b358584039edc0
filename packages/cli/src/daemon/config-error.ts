import { FlotillaError } from '@flotilla/core';

/** A bad FLOTILLA_* setting; the message names the key. */
export class DaemonConfigError extends FlotillaError {
  /** The FLOTILLA_* variable at fault. */
  readonly key: string;

  constructor(key: string, message: string) {
    super('DAEMON_CONFIG', `${key}: ${message}`, { hint: `fix ${key} in the agent's environment (/etc/flotilla/agent.env)` });
    this.key = key;
  }
}
