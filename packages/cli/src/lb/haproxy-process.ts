/**
 * One HAProxy in master-worker mode (`-W -db`), run as our child: started once, reloaded gracefully with
 * SIGUSR2 (the master re-reads the file and starts new workers; old workers finish their connections), stopped
 * with SIGTERM under a deadline. A reload is complete when the master logs "Loading success." (a SIGUSR2 sent
 * while the master re-executes itself is lost), so `startOrReload` resolves then, or after RELOAD_DEADLINE_MS.
 * `check` validates a file with `haproxy -c` before it replaces the live one.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { FlotillaError } from '@flotilla/core';

const CHECK_TIMEOUT_MS = 10_000;
const STOP_DEADLINE_MS = 5_000;
const RELOAD_DEADLINE_MS = 5_000;

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

  /** Starts HAProxy on the first call, reloads it gracefully on later ones; resolves once it has loaded. */
  startOrReload(): Promise<void> {
    if (this.running) {
      const loaded = this.nextLoad(this.child!);
      this.child!.kill('SIGUSR2');
      return loaded;
    }
    const child = spawn(this.bin, ['-W', '-db', '-f', this.configFile], { stdio: ['ignore', 'inherit', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    this.child = child;
    return this.nextLoad(child);
  }

  private nextLoad(child: ChildProcess): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        child.off('exit', done);
        resolve();
      };
      const onData = (chunk: Buffer) => {
        if (chunk.toString().includes('Loading success.')) done();
      };
      const timer = setTimeout(done, RELOAD_DEADLINE_MS);
      child.stderr?.on('data', onData);
      child.once('exit', done);
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
