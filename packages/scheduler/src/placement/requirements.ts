/** A unit's `[X-Fleet]` requirements, parsed by core once per unit record (memoized with its requests: unit-memo.ts). */
export { requirementsOf } from './unit-memo.js';
