/** Logs units that fit no machine when they first become unplaceable or their reasons change, not every pass. */
import type { Logger } from 'pino';
import type { Unplaceable } from '../plan.js';

export class UnplaceableReporter {
  /** unit → reasons last logged. */
  private last = new Map<string, string>();

  constructor(private readonly logger: Logger) {}

  /** `considered`: the units an incremental plan looked at (the others keep what was last logged). */
  report(unplaceable: readonly Unplaceable[], considered?: ReadonlySet<string>): void {
    const now = considered ? new Map([...this.last].filter(([unit]) => !considered.has(unit))) : new Map<string, string>();
    for (const { unit, reasons } of unplaceable) {
      const text = reasons.join('; ');
      now.set(unit, text);
      if (this.last.get(unit) !== text) this.logger.warn({ unit, reasons }, `cannot place ${unit}: ${text}`);
    }
    this.last = now;
  }
}
