/**
 * `flotilla lb haproxy --prefix app@ --listen 0.0.0.0:80 --config FILE`: a load balancer daemon in front of the
 * units whose endpoints the agents publish (docs/scenarios.md). Talks to etcd directly (global --endpoint and TLS
 * options, or the agent's etcd settings from its environment file: agent-etcd-settings.ts); runs HAProxy as its child and reloads it gracefully when the endpoints change; SIGTERM/SIGINT stop
 * both.
 */
import fs from 'node:fs';
import { Command } from 'commander';
import type { RawGlobalOptions } from '../global-options.js';

const STOP_DEADLINE_MS = 10_000;

interface LbOptions {
  prefix: string;
  listen: string;
  config: string;
  haproxy: string;
}

async function runLb(opts: LbOptions, raw: RawGlobalOptions): Promise<void> {
  // Loaded here: the registry and pino are not needed by other commands (cold start: docs/fleetctl-compat.md).
  const [{ pino }, { EtcdRegistry }, { resolveGlobalOptions }, { registryOptions }, { HaproxyProcess }, { runHaproxyLb }, { withAgentEtcdSettings }] = await Promise.all([
    import('pino'), import('@flotilla/core'), import('../global-options.js'), import('../connect.js'), import('./haproxy-process.js'), import('./run-lb.js'),
    import('../agent-etcd-settings.js'),
  ]);
  const logger = pino({ level: process.env.FLOTILLA_LOG_LEVEL ?? 'info' });
  const env = withAgentEtcdSettings(process.env, (file) => fs.readFileSync(file, 'utf8'));
  const registry = await EtcdRegistry.connect(registryOptions(resolveGlobalOptions(raw, env)));
  const lb = await runHaproxyLb(registry, { prefix: opts.prefix, listen: opts.listen }, opts.config, new HaproxyProcess(opts.haproxy, opts.config), logger);
  logger.info({ prefix: opts.prefix, listen: opts.listen, config: opts.config }, 'load balancer started');
  // The action resolves only when stopped: the CLI's main exits when it returns.
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

export function lbCommand(): Command {
  const lb = new Command('lb').description('run a load balancer in front of the endpoints units publish');
  lb.command('haproxy')
    .description('render HAProxy config from the published endpoints of units named PREFIX*, run and reload HAProxy')
    .requiredOption('--prefix <prefix>', 'unit-name prefix of the backends, e.g. app@')
    .requiredOption('--listen <host:port>', 'address the frontend binds, e.g. 0.0.0.0:80')
    .requiredOption('--config <file>', 'where the rendered HAProxy config is written')
    .option('--haproxy <path>', 'HAProxy binary', '/usr/sbin/haproxy')
    .action(async (opts: LbOptions, cmd: Command) => {
      try {
        await runLb(opts, cmd.optsWithGlobals() as RawGlobalOptions);
      } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
  return lb;
}
