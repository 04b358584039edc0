import { describe, expect, test } from 'vitest';
import { MemoryRegistry } from '../../../core/src/testing/memory-registry.js';
import { captureLog } from '../test-support/log-capture.js';
import { waitFor } from '../test-support/wait.js';
import { ClusterFollower, RESYNC_COST_FACTOR } from './follower.js';

describe('ClusterFollower hold/release', () => {
  test('while a pass holds the live view, events wait; release applies them in order, then marks them', async () => {
    const registry = new MemoryRegistry();
    const seen: string[] = [];
    const follower = new ClusterFollower({
      registry,
      logger: captureLog().logger,
      timeoutMs: 5000,
      resyncIntervalMs: 60_000,
      onChange: () => undefined,
      onEvent: (event) => seen.push(event.kind === 'unit' && event.type === 'put' ? event.unit.name : event.kind),
    });
    try {
      await registry.submitUnit({ name: 'a.service', options: [] }, { desiredState: 'launched' });
      const { snapshot, base } = await follower.hold();
      expect(snapshot.units.map((u) => u.name)).toEqual(['a.service']);
      await registry.submitUnit({ name: 'b.service', options: [] }, { desiredState: 'launched' });
      await registry.submitUnit({ name: 'c.service', options: [] }, { desiredState: 'launched' });
      expect({ units: [...base.units.keys()], unscheduled: [...base.unscheduled], seen }).toEqual({ units: ['a.service'], unscheduled: ['a.service'], seen: [] });
      await follower.release();
      expect(seen).toEqual(['b.service', 'c.service']);
      expect([...base.unscheduled].sort()).toEqual(['a.service', 'b.service', 'c.service']);
      await registry.submitUnit({ name: 'd.service', options: [] }, { desiredState: 'launched' });
      await waitFor('d.service applied at once after the release', () => base.units.has('d.service'));
    } finally {
      await follower.close();
    }
  });
});

describe('ClusterFollower hold/release and the live placement state', () => {
  test('a machine\'s units in the held placement state stay as they were until the release (the live state changes its own lists in place)', async () => {
    const registry = new MemoryRegistry();
    const follower = new ClusterFollower({ registry, logger: captureLog().logger, timeoutMs: 5000, resyncIntervalMs: 60_000, onChange: () => undefined });
    const place = async (name: string) => {
      const unit = await registry.submitUnit({ name, options: [] }, { desiredState: 'launched' });
      const revision = (await registry.snapshot()).unitRevisions.get(name) as string;
      await registry.assign(unit, revision, 'm1');
    };
    try {
      await registry.registerMachine({ id: 'm1', hostname: 'm1', ip: '10.0.0.1', metadata: {}, version: 't', startedAt: 0 }, 60);
      await place('a.service');
      const { base } = await follower.hold();
      const names = () => (base.state.unitsOn.get('m1') ?? []).map((u) => u.name);
      expect(names()).toEqual(['a.service']);
      await place('b.service');
      await place('c.service');
      expect(names()).toEqual(['a.service']);
      await follower.release();
      expect(names()).toEqual(['a.service', 'b.service', 'c.service']);
    } finally {
      await follower.close();
    }
  });
});

describe('ClusterFollower safety-net re-read', () => {
  test('due after resyncIntervalMs, or after RESYNC_COST_FACTOR times the last re-read when that is longer', async () => {
    const registry = new MemoryRegistry();
    let clock = 0;
    let readMs = 0;
    // The re-read's snapshot takes `readMs` on the follower's clock.
    const timed = Object.create(registry, {
      snapshot: { value: async () => ((clock += readMs), registry.snapshot()) },
    }) as MemoryRegistry;
    const follower = new ClusterFollower({ registry: timed, logger: captureLog().logger, timeoutMs: 5000, resyncIntervalMs: 60_000, onChange: () => undefined, now: () => clock });
    try {
      await follower.current(); // a quick first read
      clock += 59_999;
      expect(follower.needsResync).toBe(false);
      clock += 1;
      expect(follower.needsResync).toBe(true);
      readMs = 10_000;
      await follower.current(); // a read of 10 s: the next one no sooner than RESYNC_COST_FACTOR × 10 s after it
      clock += RESYNC_COST_FACTOR * 10_000 - 1;
      expect(follower.needsResync).toBe(false);
      clock += 1;
      expect(follower.needsResync).toBe(true);
    } finally {
      await follower.close();
    }
  });
});
