import { Command } from 'commander';

/** `flotilla agent`: runs the per-machine daemon (agent + scheduler candidate). Owned by the daemon module. */
export function agentCommand(): Command {
  return new Command('agent').description('run the Flotilla agent daemon on this machine');
}
