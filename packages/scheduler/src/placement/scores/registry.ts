/** Score rules by name, and the default weights. A new score is one file here plus one line below. */
import type { ScoreRule, WeightedScore } from '../types.js';
import { leastLoadedScore } from './least-loaded.js';

export const SCORE_RULES: ReadonlyMap<string, ScoreRule> = new Map([leastLoadedScore].map((r) => [r.name, r]));

export const DEFAULT_SCORE_WEIGHTS: Readonly<Record<string, number>> = { [leastLoadedScore.name]: 1 };

export function weightedScores(weights: Readonly<Record<string, number>> = DEFAULT_SCORE_WEIGHTS): WeightedScore[] {
  return Object.entries(weights).map(([name, weight]) => {
    const rule = SCORE_RULES.get(name);
    if (!rule) throw new Error(`unknown placement score "${name}" (known: ${[...SCORE_RULES.keys()].join(', ')})`);
    return { rule, weight };
  });
}
