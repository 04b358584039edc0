/** Waits, with one deadline, until compose services are ready (readiness.ts), polling the registry. */
import type { ComposeUnit } from '@flotilla/compose';
import { FlotillaError, sleep } from '@flotilla/core';
import type { CliRegistry } from '../cli-registry.js';
import { serviceStatus, type Readiness } from './readiness.js';

const POLL_MS = 250;

export function composeWaitTimedOut(what: string, waitingFor: readonly string[], seconds: number): FlotillaError {
  return new FlotillaError('COMPOSE_WAIT_TIMEOUT', `timed out after ${seconds}s waiting for ${what}: ${waitingFor.join('; ')}`, {
    hint: 'see `flotilla compose ps` and `flotilla compose logs SERVICE`; raise --timeout if it is only slow',
  });
}

export async function waitForServices(
  registry: Pick<CliRegistry, 'listUnits' | 'listStates'>,
  targets: readonly { unit: Pick<ComposeUnit, 'name' | 'replicas'>; want: Readiness; label: string }[],
  deadline: number,
  timeoutSec: number,
): Promise<void> {
  for (;;) {
    const [units, states] = await Promise.all([registry.listUnits(), registry.listStates()]);
    const waiting = targets.flatMap((t) => serviceStatus(t.unit, t.want, units, states).waitingFor);
    if (waiting.length === 0) return;
    if (Date.now() >= deadline) throw composeWaitTimedOut(targets.map((t) => t.label).join(', '), waiting, timeoutSec);
    await sleep(POLL_MS);
  }
}
