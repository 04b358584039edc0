/**
 * Bin packing (option): the machine with the most capacity in use that still fits comes first, then the one
 * with the most units, so load piles onto few machines and whole machines stay free for large units.
 */
import type { PlacementState, ScoreRule } from '../types.js';
import { shareUsed, unitCount } from './spread.js';

export const BINPACK_SCORE = 'binpack';

export const binpackScore: ScoreRule = {
  name: BINPACK_SCORE,
  keys: (machine, state: PlacementState) => [-shareUsed(machine, state), -unitCount(machine, state)],
};
