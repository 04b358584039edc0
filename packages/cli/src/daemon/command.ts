import type { AgentStopMode } from '@flotilla/agent';
import { defineLocalCommand, NO_OUTPUT, type LocalContext } from '../commands/local-command.js';
import { readDaemonConfig } from './config.js';
import { Reloader } from './reload.js';
import { resolveStopMode } from './stop-mode.js';

/**
 * Longest a graceful stop may take before the process exits anyway. A leave stops every unit, each waited for up
 * to 30 s (16 at a time), so it gets 60 s; the shipped unit's TimeoutStopSec=90 lets systemd wait that long
 * before it kills the agent. A restart touches no unit.
 */
const STOP_DEADLINE_MS: Record<AgentStopMode, number> = { leave: 60_000, restart: 15_000 };
/** Asking systemd whether this is a stop or a restart (docs/agent.md, "Restart or leave"). */
const STOP_MODE_DEADLINE_MS = 1000;

const ENVIRONMENT_HELP = `Environment:
  FLOTILLA_ENDPOINT        etcd URLs, comma-separated (default http://127.0.0.1:2379)
  FLOTILLA_AGENT_TTL       presence lease TTL in seconds (default 10)
  FLOTILLA_ELECTION_TTL    scheduler election lease TTL in seconds (default 2: a killed leader is replaced in
                           about 2 s; etcd's least lease TTL is 2 s with its default election timeout)
  FLOTILLA_REBALANCE_INTERVAL  seconds without scheduling decisions before units move for balance (default 30)
  FLOTILLA_PUBLIC_IP       address published for this machine (default: first non-loopback IPv4)
  FLOTILLA_METADATA        k=v,k2=v2 machine metadata
  FLOTILLA_UNITS_DIR       where unit files are written (default /run/flotilla/units); a directory of the
                           agent's own, never one of systemd's unit directories, a parent or a child of one
  FLOTILLA_DISABLE_ENGINE  true: never become the scheduler
  FLOTILLA_REGISTRY_LAYOUT 1: this daemon says it cannot lead registry layout 2, which holds the cluster at
                           layout 1 (two keys per placement; a downgrade stays possible). Default 2
  FLOTILLA_LOG_LEVEL       pino level (default info)
  FLOTILLA_EVENT_RETENTION_COUNT  cluster event log entries kept (default 1000; oldest removed first)
  FLOTILLA_EVENT_RETENTION_AGE    cluster event log entries older than this are removed: 90s, 30m, 12h, 7d
                           (a plain number is seconds; default 24h). Applies to this machine's appends
  FLOTILLA_API_SOCKET      API unix sockets, comma-separated (default /var/run/flotilla.sock; none = off)
  FLOTILLA_API_LISTEN      API on TCP, host:port (e.g. 0.0.0.0:54728); published as the machine's apiUrl
  FLOTILLA_API_TOKEN       bearer token required on TCP (or FLOTILLA_API_TOKEN_FILE)
  FLOTILLA_API_TLS_CERT, FLOTILLA_API_TLS_KEY   serve TCP over TLS; FLOTILLA_API_TLS_CA: accept client certs
  FLOTILLA_API_INSECURE    1: serve TCP with neither a token nor client certificates (refused otherwise; logged)
  FLOTILLA_ETCD_CA_FILE, FLOTILLA_ETCD_CERT_FILE, FLOTILLA_ETCD_KEY_FILE, FLOTILLA_ETCD_USERNAME,
  FLOTILLA_ETCD_PASSWORD   etcd TLS and auth (or FLOTILLA_ETCD_PASSWORD_FILE)
  FLOTILLA_ETCD_TRANSPORT  http (etcd's JSON gateway, default; gRPC for a client certificate with a CommonName) or grpc
  FLOTILLA_ETCD_BULK_TRANSPORT  what the scheduler's snapshot/apply use once this machine leads (default grpc)
  FLOTILLA_STOP_MODE       what SIGTERM/SIGINT does: auto (default: asks systemd; a stop job or no restart to
                           come → leave, a restart job or Restart=always → restart), leave (stop this machine's
                           units, then leave the cluster) or restart (units keep running for the next agent)
  FLOTILLA_DNS             on (default) or off: the discovery DNS answering NAME[.PROJECT].flotilla (docs/discovery.md)
  FLOTILLA_DNS_ADDRESS, FLOTILLA_DNS_PORT   where it listens (default the machine's address, port 53)
  FLOTILLA_CONFIG_FILE     the environment file SIGHUP re-reads (default /etc/flotilla/agent.env); a reload applies
                           FLOTILLA_LOG_LEVEL, _METADATA, _PUBLIC_IP, _REBALANCE_INTERVAL and _STOP_MODE, and logs
                           any other changed key as "needs a restart: KEY"`;

/** Runs the daemon until a signal stops it; the process exits from the signal handler. */
async function serve(ctx: LocalContext): Promise<never> {
  // Loaded here, not at the top: the daemon's parts (API, agent, scheduler, D-Bus, Docker, pino) would add
  // hundreds of milliseconds to every CLI command's start.
  const [{ pino }, { runDaemon }, { readOwnUnitJob }] = await Promise.all([import('pino'), import('./run.js'), import('@flotilla/agent')]);
  const config = readDaemonConfig(ctx.env);
  const logger = pino({ level: config.logLevel });
  // The CLI shows Node's warnings only with --debug (node-warnings.ts); the daemon keeps them in its log.
  process.on('warning', (warning) => logger.warn({ err: warning }, 'node warning'));
  // Every signal is handled from the start: their default actions end the process, and a SIGTERM that killed
  // an agent still starting could leave its units running after its lease expired. A reload or a stop asked
  // for during start-up waits for the daemon.
  const reloader = new Reloader({ env: ctx.env, config, logger });
  process.on('SIGHUP', () => void reloader.reload());
  const starting = runDaemon(config, logger);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const read = () => readOwnUnitJob({ pid: process.pid, timeoutMs: STOP_MODE_DEADLINE_MS });
    const { mode, reason, unit } = await resolveStopMode(reloader.config.stopMode, read, STOP_MODE_DEADLINE_MS);
    logger.info({ signal, mode, reason, unit }, `stopping: ${mode} (${reason})`);
    const deadline = setTimeout(() => {
      logger.error({ mode, deadlineMs: STOP_DEADLINE_MS[mode] }, 'stop did not finish in time; exiting');
      process.exit(1);
    }, STOP_DEADLINE_MS[mode]);
    deadline.unref();
    const report = await (await starting).stop(mode);
    logger.info({ report }, 'flotilla agent stopped');
    process.exit(0);
  };
  const onSignal = (signal: string) =>
    void shutdown(signal).catch((err: unknown) => {
      logger.error({ err }, 'stop failed');
      process.exit(1);
    });
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  reloader.attach(await starting);
  // Keep running until a signal arrives.
  return new Promise<never>(() => {});
}

/** `flotilla agent`: runs the per-machine daemon (API + agent + scheduler candidate, run.ts), configured from FLOTILLA_* env. */
export const agent = defineLocalCommand({
  name: 'agent',
  args: '',
  summary: 'run the Flotilla agent daemon on this machine (configured by FLOTILLA_* environment variables)',
  helpBefore: ENVIRONMENT_HELP,
  examples: ['FLOTILLA_ENDPOINT=http://10.0.0.1:2379 FLOTILLA_API_LISTEN=0.0.0.0:54728 FLOTILLA_API_TOKEN_FILE=/etc/flotilla/pki/api.token flotilla agent'],
  parseOptions: () => ({}),
  handler: (ctx) => serve(ctx),
  render: () => NO_OUTPUT,
});
