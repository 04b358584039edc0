/**
 * `flotilla lb haproxy --prefix app@ --listen 0.0.0.0:80 --config FILE`: a load balancer daemon in front of the
 * units whose endpoints the agents publish (docs/scenarios.md). Talks to etcd directly (global --endpoint and TLS
 * options, or the agent's etcd settings from its environment file: agent-etcd-settings.ts); runs HAProxy as its
 * child and reloads it gracefully when the endpoints change; SIGTERM/SIGINT stop both.
 */
import { badOptionValue } from '../cli-errors.js';
import { defineLocalCommand, NO_OUTPUT, type CommandGroup, type LocalContext } from '../commands/local-command.js';
import { LB_MODES, type LbMode } from './haproxy-config.js';

const STOP_DEADLINE_MS = 10_000;

interface LbOptions {
  prefix: string;
  mode: LbMode;
  listen: string;
  config: string;
  haproxy: string;
}

async function runLb(ctx: LocalContext, opts: LbOptions): Promise<void> {
  // Loaded here: the registry and pino are not needed by other commands (cold start: docs/fleetctl-compat.md).
  const [{ pino }, { EtcdRegistry }, { registryOptions }, { HaproxyProcess }, { runHaproxyLb }] = await Promise.all([
    import('pino'), import('@flotilla/core'), import('../connect.js'), import('./haproxy-process.js'), import('./run-lb.js'),
  ]);
  const logger = pino({ level: ctx.env.FLOTILLA_LOG_LEVEL ?? 'info' });
  const registry = await EtcdRegistry.connect(registryOptions(ctx.globals()));
  const lb = await runHaproxyLb(registry, { prefix: opts.prefix, listen: opts.listen, mode: opts.mode }, opts.config, new HaproxyProcess(opts.haproxy, opts.config), logger);
  logger.info({ prefix: opts.prefix, listen: opts.listen, config: opts.config }, 'load balancer started');
  // Resolves only when stopped: the CLI's main exits when it returns.
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'stopping load balancer');
      setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
      void lb.stop().then(() => registry.close()).finally(resolve);
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}

const haproxy = defineLocalCommand({
  name: 'haproxy',
  args: '',
  summary: 'render HAProxy config from the published endpoints of units named PREFIX*, run and reload HAProxy',
  examples: [
    'flotilla lb haproxy --prefix app@ --listen 0.0.0.0:80 --config /run/flotilla-lb/haproxy.cfg',
    'flotilla lb haproxy --mode tcp --prefix shop-db --listen 0.0.0.0:6379 --config /run/flotilla-lb-db/haproxy.cfg',
  ],
  configure(cmd) {
    cmd
      .requiredOption('--prefix <prefix>', 'unit-name prefix of the backends, e.g. app@')
      .requiredOption('--listen <host:port>', 'address the frontend binds, e.g. 0.0.0.0:80')
      .requiredOption('--config <file>', 'where the rendered HAProxy config is written')
      .option('--haproxy <path>', 'HAProxy binary', '/usr/sbin/haproxy')
      .option('--mode <mode>', 'http (requests) or tcp (connections: a database)', 'http');
  },
  parseOptions(raw) {
    const mode = String(raw.mode ?? 'http');
    if (!(LB_MODES as readonly string[]).includes(mode)) throw badOptionValue('--mode', mode, `expected one of ${LB_MODES.join(', ')}`);
    return { ...(raw as Omit<LbOptions, 'mode'>), mode: mode as LbMode };
  },
  handler: (ctx, _args, opts) => runLb(ctx, opts),
  render: () => NO_OUTPUT,
});

export const lbCommands: CommandGroup = {
  name: 'lb',
  summary: 'run a load balancer in front of the endpoints units publish',
  commands: [haproxy],
};
