/**
 * The one seeded pseudo-random generator of the project: the optimizer's
 * samplers, the offline proposer and every miner draw from it.
 *
 * Generator: xoshiro128** 1.1 (Blackman & Vigna, "Scrambled linear
 * pseudorandom number generators", 2018; reference C code at
 * https://prng.di.unimi.it/xoshiro128starstar.c), 128 bits of state in four
 * uint32 words, period 2^128 - 1. The state is filled from the seed with
 * SplitMix32 (the 32-bit variant of Steele, Lea & Flood's SplitMix, finalizer
 * of MurmurHash3), so nearby seeds give unrelated streams.
 *
 * Doubles in [0, 1) are built from 53 random bits (two draws), like
 * `random()` in most libraries. The same seed always gives the same stream on
 * every JS engine (only 32-bit integer arithmetic is used). Values derived
 * through `Math.log` / `Math.exp` (log-scale draws, TPE kernels) can differ in
 * the last bits between engines or engine versions (ECMAScript does not
 * require correctly rounded transcendentals; Node 20 and Deno 2 differ at
 * ~1e-15), so bit-identical trials are guaranteed within one runtime.
 */

/** Mixes a 32-bit state one SplitMix32 step; returns [newState, output]. */
function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [s, z >>> 0];
}

/**
 * Hashes a list of integers (e.g. a study seed and a trial number) into one
 * uint32 seed with SplitMix32 steps; used to give each trial its own stream so
 * that a resumed study draws exactly what an uninterrupted one would.
 * @throws Error when a part is not a finite number.
 */
export function deriveSeed(...parts: number[]): number {
  let h = 0x2545f491;
  for (const p of parts) {
    if (!Number.isFinite(p)) throw new Error(`deriveSeed: part ${p} is not a finite number`);
    // fold the full double (integers beyond 2^32 included) into two 32-bit words
    const hi = Math.floor(p / 4294967296) | 0;
    const lo = p >>> 0;
    let out: number;
    [h, out] = splitmix32(h ^ lo);
    h ^= out;
    [h, out] = splitmix32(h ^ hi);
    h ^= out;
  }
  return h >>> 0;
}

/** A seeded xoshiro128** generator (see the module comment). */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * @param seed any finite number; it is hashed to 32 bits ({@link deriveSeed}),
   *   so 1 and 2 give unrelated streams.
   * @throws Error when `seed` is not finite.
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    let st = deriveSeed(seed);
    let o: number;
    [st, o] = splitmix32(st);
    this.s0 = o;
    [st, o] = splitmix32(st);
    this.s1 = o;
    [st, o] = splitmix32(st);
    this.s2 = o;
    [st, o] = splitmix32(st);
    this.s3 = o;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // all-zero state is forbidden
  }

  /** Next uint32 (0 .. 2^32-1). */
  nextUint32(): number {
    const s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= t;
    n3 = rotl(n3, 11);
    this.s0 = n0;
    this.s1 = n1;
    this.s2 = n2;
    this.s3 = n3;
    return r >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform double in [low, high) (returns `low` when low == high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /**
   * Uniform integer in 0 .. n-1 (unbiased: rejection on the top partial block).
   * @throws Error when n is not a positive integer ≤ 2^32.
   */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new Error(`Rng.int: n must be an integer in 1..2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /**
   * Index drawn with probability proportional to `weights` (non-negative,
   * not all zero); inverse-CDF on the running sum.
   * @throws Error when the weights are empty, negative, non-finite or sum to 0.
   */
  choice(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i];
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`Rng.choice: weight ${i} is ${w}; weights must be finite and >= 0`);
      total += w;
    }
    if (!(total > 0)) throw new Error('Rng.choice: weights are empty or sum to 0');
    const u = this.random() * total;
    let acc = 0;
    let last = 0;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] > 0) last = i;
      acc += weights[i];
      if (u < acc) return i;
    }
    return last; // rounding: u landed on the very top
  }

  /** A uniformly chosen element of a non-empty array ({@link Rng.int}). @throws RangeError on an empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick: empty array');
    return items[this.int(items.length)]!;
  }

  /** Fisher–Yates shuffle of `a` in place; returns `a`. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A fresh random 32-bit seed from `Math.random` (used when the caller gives none). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296) >>> 0;
}
