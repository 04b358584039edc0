import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { EngineFollowUp } from './engine-follow-up.js';

describe('EngineFollowUp: an unsettled engine answer is asked again soon', () => {
  let republished: string[];
  let managed: Set<string>;
  let followUp: EngineFollowUp;
  beforeEach(() => {
    vi.useFakeTimers();
    republished = [];
    managed = new Set(['db.container', 'web.container']);
    followUp = new EngineFollowUp({ isManaged: (u) => managed.has(u), republish: async (u) => void republished.push(u), delayMs: 1000, maxFollowUps: 3 });
  });
  afterEach(() => {
    followUp.close();
    vi.useRealTimers();
  });

  test('one follow-up a second while unsettled, none once settled', () => {
    followUp.note('db.container', 'h1', false);
    followUp.note('db.container', 'h1', false); // a second read before the first follow-up: still one pending
    vi.advanceTimersByTime(999);
    expect(republished).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(republished).toEqual(['db.container']);
    followUp.note('db.container', 'h1', true);
    vi.advanceTimersByTime(5000);
    expect(republished).toEqual(['db.container']);
  });

  test('at most maxFollowUps per unit and hash; a new hash starts again', () => {
    for (let i = 0; i < 5; i++) {
      followUp.note('db.container', 'h1', false);
      vi.advanceTimersByTime(1000);
    }
    expect(republished).toHaveLength(3);
    followUp.note('db.container', 'h2', false);
    vi.advanceTimersByTime(1000);
    expect(republished).toHaveLength(4);
  });

  test('a unit no longer managed, or a closed follow-up, republishes nothing', () => {
    followUp.note('db.container', 'h1', false);
    followUp.note('web.container', 'h1', false);
    managed.delete('db.container');
    vi.advanceTimersByTime(1000);
    expect(republished).toEqual(['web.container']);
    followUp.note('web.container', 'h1', false);
    followUp.close();
    vi.advanceTimersByTime(5000);
    expect(republished).toEqual(['web.container']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
