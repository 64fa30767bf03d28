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

/**
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit state generator with
 * period 2^32, returning uniform floats in [0, 1). Test fixtures only (the
 * synthetic panels and the tiny GGUF model keep their exact values); the
 * library's one generator is lib/stats `Rng`.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
