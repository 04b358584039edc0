/** `fd-forward SOCKET`: pipes stdin/stdout to a unix socket (fleetctl's helper for `--tunnel` to a socket). */
import net from 'node:net';
import { FlotillaError } from '@flotilla/core';
import { defineVerb } from './verb.js';

export const fdForward = defineVerb<Record<string, never>, void>({
  name: 'fd-forward',
  args: '[socket...]',
  summary: 'Proxy stdin and stdout to a unix domain socket',
  examples: ['flotilla fd-forward /var/run/flotilla.sock'],
  parseOptions: () => ({}),
  waitBudgetMs: () => 2 ** 31 - 1 - 120_000,
  async handler(_ctx, args) {
    if (args.length !== 1) throw new FlotillaError('CLI_USAGE', 'Provide a single argument: location of UNIX domain socket');
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(args[0] as string);
      socket.on('error', (err) => reject(new FlotillaError('CLI_FD_FORWARD', `Unable to connect to ${args[0]}: ${err.message}`)));
      socket.on('connect', () => {
        process.stdin.pipe(socket);
        socket.pipe(process.stdout);
      });
      socket.on('end', () => resolve());
      process.stdin.on('end', () => socket.end());
    });
  },
  render: () => ({}),
});
