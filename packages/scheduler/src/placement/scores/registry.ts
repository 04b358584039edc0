/** Score rules by name. A new score is one file here plus one line below. */
import type { ScoreRule } from '../types.js';
import { binpackScore } from './binpack.js';
import { spreadScore } from './spread.js';

export const SCORE_RULES: ReadonlyMap<string, ScoreRule> = new Map([spreadScore, binpackScore].map((r) => [r.name, r]));

export const DEFAULT_SCORE = spreadScore.name;

export function scoreRule(name: string = DEFAULT_SCORE): ScoreRule {
  const rule = SCORE_RULES.get(name);
  if (!rule) throw new Error(`unknown placement score "${name}" (known: ${[...SCORE_RULES.keys()].join(', ')})`);
  return rule;
}
