/** Carries out apply steps on this machine (or under `root` for tests). The only I/O of the cloud-config code. */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { FlotillaError } from '@flotilla/core';
import type { ApplyStep } from './apply-plan.js';

const run = promisify(execFile);

export interface ApplyOptions {
  /** Filesystem root to write under (default "/"); systemctl and hostname only run when it is "/". */
  root?: string;
  log?: (line: string) => void;
}

export async function runApplySteps(steps: ApplyStep[], opts: ApplyOptions = {}): Promise<void> {
  const root = opts.root ?? '/';
  const live = root === '/';
  const log = opts.log ?? (() => {});
  for (const step of steps) {
    switch (step.kind) {
      case 'hostname':
        writeAtomic(path.join(root, 'etc/hostname'), `${step.name}\n`, 0o644);
        if (live) await exec('hostname', [step.name]);
        log(`hostname ${step.name}`);
        break;
      case 'write':
        writeAtomic(path.join(root, step.path), step.content, step.mode);
        log(`wrote ${step.path}`);
        break;
      case 'authorized-keys': {
        const file = path.join(root, 'root/.ssh/authorized_keys');
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        fs.appendFileSync(file, step.keys.map((k) => `${k}\n`).join(''), { mode: 0o600 });
        log(`added ${step.keys.length} ssh key(s)`);
        break;
      }
      case 'systemctl':
        if (live) await exec('systemctl', step.args);
        log(`systemctl ${step.args.join(' ')}`);
        break;
    }
  }
}

function writeAtomic(file: string, content: string, mode: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.flotilla-tmp`;
  fs.writeFileSync(temp, content, { mode });
  fs.chmodSync(temp, mode);
  fs.renameSync(temp, file);
}

async function exec(cmd: string, args: string[]): Promise<void> {
  try {
    await run(cmd, args, { timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new FlotillaError('CLOUD_CONFIG_APPLY', `${cmd} ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`, { cause: err });
  }
}
