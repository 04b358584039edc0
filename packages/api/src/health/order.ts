/** Stable orders shared by the health model, its diff and its renderers. */
import type { ProblemKind } from './types.js';

/** The most urgent first: without a leader nothing is placed at all. */
export const PROBLEM_ORDER: Readonly<Record<ProblemKind, number>> = {
  'no-leader': 0,
  'machine-lost': 1,
  'unit-failed': 2,
  'unit-lost': 3,
  'unit-unscheduled': 4,
  'unit-unhealthy': 5,
};

/** Byte order of a name (as etcd sorts keys), never locale order. */
export function byName<T>(name: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = name(a);
    const y = name(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
