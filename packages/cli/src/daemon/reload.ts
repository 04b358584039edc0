/**
 * SIGHUP: the daemon re-reads its environment file and applies what can change while it runs, as fleetd re-read
 * its config on SIGHUP and rebuilt its server on the same listeners (coreos/fleet fleetd/fleetd.go). The API
 * listeners are never touched. A bad value is logged naming its key and the running configuration is kept
 * (never an exit); a changed key that cannot be applied live is logged as "needs a restart: KEY".
 * docs/agent.md, "Reload (SIGHUP)".
 */
import fs from 'node:fs';
import type { Logger } from 'pino';
import { readDaemonConfig, type DaemonConfig } from './config.js';
import { DaemonConfigError } from './config-error.js';
import { parseEnvFile } from './env-file.js';

export type Env = Record<string, string | undefined>;

/** The file flotilla-agent.service reads (EnvironmentFile=), unless FLOTILLA_CONFIG_FILE names another. */
export const DEFAULT_CONFIG_FILE = '/etc/flotilla/agent.env';

/** Keys a reload applies to the running daemon; any other changed key needs a restart. */
export const LIVE_KEYS: ReadonlySet<string> = new Set([
  'FLOTILLA_LOG_LEVEL', 'FLOTILLA_METADATA', 'FLOTILLA_PUBLIC_IP', 'FLOTILLA_REBALANCE_INTERVAL', 'FLOTILLA_STOP_MODE',
]);

/**
 * The process environment without what the file put there at start (systemd's EnvironmentFile=), so a key the
 * file stops setting falls back to what the process would have without it, as at the next start.
 */
export function baseEnv(processEnv: Env, startFile: Record<string, string>): Env {
  const base: Env = { ...processEnv };
  for (const [key, value] of Object.entries(startFile)) if (base[key] === value) delete base[key];
  return base;
}

export interface ReloadPlan {
  /** The environment a restart would see: the base with the file over it. */
  env: Env;
  /** Changed keys applied live, sorted. */
  live: string[];
  /** Changed keys the running daemon keeps until it restarts, sorted. */
  needsRestart: string[];
}

/** Compares the environment the running daemon applies with the one the file now gives. Pure. */
export function planReload(applied: Env, base: Env, file: Record<string, string>): ReloadPlan {
  const env: Env = { ...base, ...file };
  const changed = [...new Set([...Object.keys(applied), ...Object.keys(env)])].filter((k) => applied[k] !== env[k]).sort();
  return { env, live: changed.filter((k) => LIVE_KEYS.has(k)), needsRestart: changed.filter((k) => !LIVE_KEYS.has(k)) };
}

/** What the running daemon lets a reload change (run.ts's Daemon). */
export interface ReloadTarget {
  /** Rewrites the machine record under the agent's lease; false: written at the next registration. */
  updateMachine(change: { metadata: Record<string, string>; publicIp: string }): Promise<boolean>;
  setRebalanceInterval(intervalMs: number): void;
}

export type ReloadOutcome =
  | { status: 'applied'; live: string[]; needsRestart: string[] }
  | { status: 'rejected'; key?: string; message: string };

export interface ReloaderOptions {
  /** The process environment at start. */
  env: Env;
  /** The configuration the daemon started with. */
  config: DaemonConfig;
  logger: Logger;
  /** Reads the file (tests); throws as fs.readFileSync does. */
  readFile?: (file: string) => string;
}

export class Reloader {
  private current: DaemonConfig;
  private applied: Env;
  private readonly base: Env;
  private readonly file: string;
  private readonly readFile: (file: string) => string;
  private target: ReloadTarget | undefined;
  private attached!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.attached = resolve));
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ReloaderOptions) {
    this.current = opts.config;
    this.applied = { ...opts.env };
    this.file = opts.env.FLOTILLA_CONFIG_FILE || DEFAULT_CONFIG_FILE;
    this.readFile = opts.readFile ?? ((f) => fs.readFileSync(f, 'utf8'));
    let startFile: Record<string, string> = {};
    try {
      startFile = parseEnvFile(this.readFile(this.file)).vars;
    } catch {
      // No file at start: every key comes from the process environment.
    }
    this.base = baseEnv(opts.env, startFile);
  }

  /** The configuration in force (its live keys as last reloaded). */
  get config(): DaemonConfig {
    return this.current;
  }

  /** The daemon is running: reloads asked for before this wait for it. */
  attach(target: ReloadTarget): void {
    this.target = target;
    this.attached();
  }

  /** One reload; reloads run one at a time, in order. Never throws. */
  reload(): Promise<ReloadOutcome> {
    const run = this.queue.then(() => this.ready).then(() => this.reloadNow()).catch((err: unknown): ReloadOutcome => {
      this.opts.logger.error({ err }, 'reload failed; the running configuration is kept');
      return { status: 'rejected', message: err instanceof Error ? err.message : String(err) };
    });
    this.queue = run;
    return run;
  }

  private async reloadNow(): Promise<ReloadOutcome> {
    const { logger } = this.opts;
    let text: string;
    try {
      text = this.readFile(this.file);
    } catch (err) {
      const message = `cannot read ${this.file}: ${(err as Error).message}`;
      logger.error({ file: this.file, err }, `reload rejected: ${message}; the running configuration is kept`);
      return { status: 'rejected', key: 'FLOTILLA_CONFIG_FILE', message };
    }
    const parsed = parseEnvFile(text);
    for (const line of parsed.ignored) logger.warn({ file: this.file, line: line.line }, `reload: ignoring line ${line.line} (${line.text})`);
    const plan = planReload(this.applied, this.base, parsed.vars);
    let next: DaemonConfig;
    try {
      next = readDaemonConfig(plan.env);
    } catch (err) {
      if (!(err instanceof DaemonConfigError)) throw err;
      logger.error({ file: this.file, key: err.key, err }, `reload rejected: ${err.message}; the running configuration is kept`);
      return { status: 'rejected', key: err.key, message: err.message };
    }
    await this.apply(next, plan.live);
    for (const key of plan.live) {
      if (plan.env[key] === undefined) delete this.applied[key];
      else this.applied[key] = plan.env[key];
    }
    for (const key of plan.needsRestart) logger.warn({ key }, `needs a restart: ${key}`);
    logger.info({ file: this.file, applied: plan.live, needsRestart: plan.needsRestart }, 'configuration reloaded');
    return { status: 'applied', live: plan.live, needsRestart: plan.needsRestart };
  }

  private async apply(next: DaemonConfig, live: string[]): Promise<void> {
    const { logger } = this.opts;
    const changed = (key: string) => live.includes(key);
    this.current = {
      ...this.current,
      logLevel: next.logLevel,
      metadata: next.metadata,
      publicIp: next.publicIp,
      rebalanceIntervalMs: next.rebalanceIntervalMs,
      stopMode: next.stopMode,
    };
    if (changed('FLOTILLA_LOG_LEVEL')) logger.level = next.logLevel; // children follow their parent's level
    if (changed('FLOTILLA_REBALANCE_INTERVAL')) this.target?.setRebalanceInterval(next.rebalanceIntervalMs);
    if (changed('FLOTILLA_METADATA') || changed('FLOTILLA_PUBLIC_IP')) {
      if (changed('FLOTILLA_PUBLIC_IP')) logger.warn('FLOTILLA_PUBLIC_IP: the machine record has the new address; unit endpoints (agent-endpoints/) keep the old one until the agent restarts');
      try {
        const written = await this.target?.updateMachine({ metadata: next.metadata, publicIp: next.publicIp });
        logger.info({ metadata: next.metadata, written }, written ? 'machine record rewritten' : 'machine record changed; written at the next registration');
      } catch (err) {
        logger.error({ err }, 'machine record not rewritten now; the next registration writes it');
      }
    }
  }
}
