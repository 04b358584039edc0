/** fleet's only ranking: fewer units on a machine is better (fleet-reference §6.3). */
import type { ScoreRule } from '../types.js';

export const LEAST_LOADED_SCORE = 'least-loaded';

export const leastLoadedScore: ScoreRule = {
  name: LEAST_LOADED_SCORE,
  score: (_unit, machine, state) => -(state.unitsOn.get(machine.id)?.length ?? 0),
};
