import { FlotillaError } from '@flotilla/core';

/** A bad FLOTILLA_* setting; the message names the key. */
export class DaemonConfigError extends FlotillaError {
  constructor(key: string, message: string) {
    super('DAEMON_CONFIG', `${key}: ${message}`, { hint: `fix ${key} in the agent's environment (/etc/flotilla/agent.env)` });
  }
}
