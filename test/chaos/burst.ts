/**
 * The CLI bursts: `bin/flotilla start --no-block`, `submit` and `destroy` as a user types them while the faults
 * go on (I/O), each command recorded as an intent (allowances.ts) so the checks know what may and must run. A
 * command that fails (etcd member down, leader frozen) leaves its unit's fate open; it is repeated at the next
 * quiet point, as a user would once the cluster is back, and only then is the unit judged.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExecResult } from '../harness/exec.js';
import { uncertainUnits, type Intent } from './allowances.js';
import type { BurstOp, FaultEvent } from './schedule.js';
import { BURST_UNIT_TEXT } from './units.js';

export type Cli = (args: string[], opts?: { timeoutMs?: number }) => Promise<ExecResult>;

const CLI_TIMEOUT_MS = 30_000;
const REPEATS = 3;

export class BurstRunner {
  private readonly lastOp = new Map<string, BurstOp['op']>();

  constructor(
    private readonly cli: Cli,
    private readonly unitDir: string,
    private readonly intents: Intent[],
    private readonly log: (line: string) => void,
  ) {}

  /** Writes the unit files the bursts start from. */
  writeFiles(units: readonly string[]): void {
    for (const unit of units) fs.writeFileSync(path.join(this.unitDir, unit), BURST_UNIT_TEXT);
  }

  /** The event's commands, one after the other. */
  async run(ev: FaultEvent): Promise<void> {
    for (const op of ev.burst ?? []) {
      const ok = await this.apply(op);
      this.log(`#${ev.index} flotilla ${op.op} ${op.unit}: ${ok ? 'ok' : 'FAILED (repeated at the next quiet point)'}`);
    }
  }

  /** Repeats every command whose outcome is unknown; true when none is left unknown. */
  async repeatUncertain(): Promise<boolean> {
    for (let attempt = 0; attempt < REPEATS; attempt++) {
      const open = uncertainUnits(this.intents);
      if (open.length === 0) return true;
      for (const intent of open) {
        const op = this.lastOp.get(intent.unit) ?? (intent.desired === 'launched' ? 'start' : 'destroy');
        const ok = await this.apply({ op, unit: intent.unit });
        this.log(`repeated flotilla ${op} ${intent.unit}: ${ok ? 'ok' : 'FAILED'}`);
      }
    }
    return uncertainUnits(this.intents).length === 0;
  }

  /** A start may run the unit from the moment it is issued; a destroy or submit counts once it returned. */
  private async apply(op: BurstOp): Promise<boolean> {
    this.lastOp.set(op.unit, op.op);
    const file = path.join(this.unitDir, op.unit);
    if (op.op === 'start') {
      const intent: Intent = { unit: op.unit, atMs: Date.now(), desired: 'launched', certain: false };
      this.intents.push(intent);
      intent.certain = await this.ok(['start', '--no-block', file]);
      return intent.certain;
    }
    const ok = await this.ok(op.op === 'submit' ? ['submit', file] : ['destroy', op.unit]);
    this.intents.push({ unit: op.unit, atMs: Date.now(), desired: 'inactive', certain: ok });
    return ok;
  }

  private async ok(args: string[]): Promise<boolean> {
    const r = await this.cli(args, { timeoutMs: CLI_TIMEOUT_MS });
    if (r.code !== 0) this.log(`flotilla ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`);
    return r.code === 0;
  }
}
