/** Numeric helpers shared by the tests. */
import assert from 'node:assert/strict';

/**
 * Asserts |a - b| <= tol, treating two NaNs as equal (a NaN on one side only fails).
 * `msg` prefixes the failure message.
 */
export function assertClose(a: number, b: number, tol: number, msg = ''): void {
  assert.ok((Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= tol, `${msg} ${a} vs ${b} (tol ${tol})`);
}

/**
 * Seeded uniform generator in [0, 1): the 32-bit linear congruential generator
 * of Numerical Recipes (a = 1664525, c = 1013904223). Test data only: the same
 * seed gives the same sequence on every run.
 */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}


export { mulberry32 } from '../../lib/stats/index.js';
