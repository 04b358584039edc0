/**
 * One HAProxy in master-worker mode (`-W -db`), run as our child: started once, reloaded gracefully with
 * SIGUSR2 (the master re-reads the file and starts new workers; old workers finish their connections), stopped
 * with SIGTERM under a deadline. A reload is complete when the master logs "Loading success." after
 * "Reloading HAProxy" (a SIGUSR2 sent while the master re-executes itself is lost, so it is sent again until
 * acknowledged); `startOrReload` resolves then, and rejects after RELOAD_DEADLINE_MS.
 * `check` validates a file with `haproxy -c` before it replaces the live one.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { FlotillaError } from '@flotilla/core';

const CHECK_TIMEOUT_MS = 10_000;
const STOP_DEADLINE_MS = 5_000;
const RELOAD_DEADLINE_MS = 5_000;
/** A reload not acknowledged (`Reloading HAProxy`) this soon is signalled again. */
const RELOAD_ACK_MS = 300;

export class HaproxyProcess {
  private child: ChildProcess | undefined;

  constructor(private readonly bin: string, private readonly configFile: string) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  check(file: string): Promise<void> {
    return new Promise((resolve, reject) => {
      execFile(this.bin, ['-c', '-q', '-f', file], { timeout: CHECK_TIMEOUT_MS }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        reject(new FlotillaError('LB_HAPROXY_CONFIG', `haproxy rejected ${file}: ${String(stderr).trim() || err.message}`, { cause: err }));
      });
    });
  }

  /**
   * Starts HAProxy on the first call, reloads it gracefully on later ones; resolves once it has loaded, rejects
   * when it does not confirm within RELOAD_DEADLINE_MS (the LB loop then retries the pass).
   */
  startOrReload(): Promise<void> {
    if (this.running) {
      const child = this.child!;
      return this.awaitLoad(child, () => child.kill('SIGUSR2'));
    }
    const child = spawn(this.bin, ['-W', '-db', '-f', this.configFile], { stdio: ['ignore', 'inherit', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    this.child = child;
    return this.awaitLoad(child);
  }

  /**
   * Waits for the master's `Loading success.`. With `signal` (a reload): sends it, and sends it again every
   * RELOAD_ACK_MS until the master logs `Reloading HAProxy`, because a SIGUSR2 that reaches the master while it
   * re-executes itself after the previous reload is lost (seen on a loaded box: three reloads in 60 ms, the third
   * never happened).
   */
  private awaitLoad(child: ChildProcess, signal?: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      let seen = '';
      let acknowledged = signal === undefined;
      const finish = (err?: Error) => {
        clearTimeout(deadline);
        clearInterval(resend);
        child.stderr?.off('data', onData);
        child.off('exit', onExit);
        if (err) reject(err);
        else resolve();
      };
      const onData = (chunk: Buffer) => {
        // Keep a tail: a marker may straddle two chunks.
        seen = (seen + chunk.toString()).slice(-4096);
        if (!acknowledged && seen.includes('Reloading HAProxy')) {
          acknowledged = true;
          seen = seen.slice(seen.indexOf('Reloading HAProxy'));
        }
        if (acknowledged && seen.includes('Loading success.')) finish();
      };
      const onExit = () => finish(new FlotillaError('LB_HAPROXY_EXITED', 'haproxy exited before it loaded its configuration'));
      const deadline = setTimeout(
        () => finish(new FlotillaError('LB_HAPROXY_RELOAD', `haproxy did not confirm loading its configuration within ${RELOAD_DEADLINE_MS} ms`)),
        RELOAD_DEADLINE_MS,
      );
      const resend = setInterval(() => {
        if (!acknowledged) signal?.();
      }, RELOAD_ACK_MS);
      child.stderr?.on('data', onData);
      child.once('exit', onExit);
      signal?.();
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
    await exited;
    clearTimeout(timer);
  }
}
