/**
 * AlphaGPT's low-rank decay (LoRD) and stable-rank monitor, on plain dense
 * matrices (row-major Float64Array, rows x cols), SVD-free.
 *
 * Variant implemented (read from AlphaGPT's `NewtonSchulzLowRankDecay` and
 * `StableRankMonitor`, model/alphagpt.py of the AlphaGPT code base, github
 * imbue-bit/AlphaGPT and its forks; our own code):
 * - {@link newtonSchulz}: X0 = W / ||W||_F (Frobenius, so every singular
 *   value is in (0, 1]; AlphaGPT's comment says "spectral" but it divides by
 *   the Frobenius norm), then k cubic Newton-Schulz steps
 *   X <- 1.5 X - 0.5 X (X^T X) (AlphaGPT: Y <- 0.5 Y (3 I - Y^T Y), the same
 *   polynomial). Each step maps every singular value s to 1.5 s - 0.5 s^3 and
 *   keeps the singular vectors, so X -> U V^T (the orthogonal polar factor,
 *   the sign of W: a subgradient of the nuclear norm). With few steps the
 *   small singular values are not yet at 1: after k steps a value s << 1 is
 *   about 1.5^k s.
 * - {@link lowRankDecayStep}: W <- W - decay * X. With X = U V^T this
 *   subtracts `decay` from every singular value (a proximal-like step on the
 *   nuclear norm, the L1 norm of the spectrum): relative to their size the
 *   small singular values shrink fastest, a pull toward low rank that, unlike
 *   L2 decay, a scale-invariant layer (QK-norm) cannot undo by rescaling.
 *   Applied after each optimizer step, decoupled from the gradient (like
 *   AdamW's weight decay); AlphaGPT's defaults: decay 1e-3, 5 iterations.
 * - {@link stableRank}: ||W||_F^2 / ||W||_2^2, in [1, rank]. AlphaGPT takes
 *   ||W||_2 from an SVD; here the spectral norm comes from power iteration on
 *   W^T W ({@link spectralNorm}).
 *
 * @module
 */

/** A dense matrix: row-major values with its shape. */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  /** rows x cols values, row-major. */
  readonly values: Float64Array;
}

function check(m: DenseMatrix, what: string): void {
  if (!(Number.isInteger(m.rows) && Number.isInteger(m.cols) && m.rows >= 1 && m.cols >= 1) || m.values.length !== m.rows * m.cols) {
    throw new RangeError(`${what}: matrix shape ${m.rows} x ${m.cols} does not match ${m.values.length} values`);
  }
}

/** Frobenius norm sqrt(sum w_ij^2). */
export function frobeniusNorm(m: DenseMatrix): number {
  let s = 0;
  for (const v of m.values) s += v * v;
  return Math.sqrt(s);
}

/** C = A^T A (cols x cols) of a rows x cols matrix. */
function gram(a: Float64Array, r: number, c: number): Float64Array {
  const g = new Float64Array(c * c);
  for (let k = 0; k < r; k++) {
    const row = k * c;
    for (let i = 0; i < c; i++) {
      const aki = a[row + i]!;
      if (aki === 0) continue;
      const gi = i * c;
      for (let j = 0; j < c; j++) g[gi + j]! += aki * a[row + j]!;
    }
  }
  return g;
}

/**
 * Approximate orthogonal polar factor U V^T of W (the matrix sign) by
 * `iterations` cubic Newton-Schulz steps from W / ||W||_F (see the module
 * comment). Returns a new rows x cols matrix; a zero matrix gives zeros.
 * @throws RangeError for a bad shape or iterations not a non-negative integer.
 */
export function newtonSchulz(w: DenseMatrix, iterations = 5): DenseMatrix {
  check(w, 'newtonSchulz');
  if (!(Number.isInteger(iterations) && iterations >= 0)) throw new RangeError(`newtonSchulz: iterations must be a non-negative integer, got ${iterations}`);
  const { rows: r, cols: c } = w;
  const f = frobeniusNorm(w);
  let x = new Float64Array(r * c);
  if (!(f > 0)) return { rows: r, cols: c, values: x };
  for (let i = 0; i < x.length; i++) x[i] = w.values[i]! / f;
  // X (X^T X) costs r c^2 + c^2 r; for a wide matrix iterate on the transpose's layout instead: (X X^T) X is the same polynomial.
  const wide = r < c;
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(r * c);
    if (!wide) {
      const g = gram(x, r, c); // c x c
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < c; j++) {
          let s = 0;
          for (let k = 0; k < c; k++) s += x[i * c + k]! * g[k * c + j]!;
          next[i * c + j] = 1.5 * x[i * c + j]! - 0.5 * s;
        }
      }
    } else {
      const g = new Float64Array(r * r); // X X^T
      for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) {
        let s = 0;
        for (let k = 0; k < c; k++) s += x[i * c + k]! * x[j * c + k]!;
        g[i * r + j] = s;
      }
      for (let i = 0; i < r; i++) {
        for (let j = 0; j < c; j++) {
          let s = 0;
          for (let k = 0; k < r; k++) s += g[i * r + k]! * x[k * c + j]!;
          next[i * c + j] = 1.5 * x[i * c + j]! - 0.5 * s;
        }
      }
    }
    x = next;
  }
  return { rows: r, cols: c, values: x };
}

/**
 * One low-rank decay step: W - decay * newtonSchulz(W, iterations), a new
 * matrix (see the module comment).
 * @throws RangeError for a negative or non-finite decay.
 */
export function lowRankDecayStep(w: DenseMatrix, decay: number, iterations = 5): DenseMatrix {
  if (!(Number.isFinite(decay) && decay >= 0)) throw new RangeError(`lowRankDecay must be a finite number >= 0, got ${decay}`);
  const x = newtonSchulz(w, iterations);
  const out = new Float64Array(w.values.length);
  for (let i = 0; i < out.length; i++) out[i] = w.values[i]! - decay * x.values[i]!;
  return { rows: w.rows, cols: w.cols, values: out };
}

/**
 * Spectral norm ||W||_2 (largest singular value) by power iteration on W^T W
 * from a fixed start vector (1, 2, ..., cols normalized, deterministic),
 * until the estimate changes by less than `tol` (relative) or `maxIter`
 * iterations. 0 for a zero matrix.
 */
export function spectralNorm(w: DenseMatrix, tol = 1e-12, maxIter = 500): number {
  check(w, 'spectralNorm');
  const { rows: r, cols: c } = w;
  const g = gram(w.values, r, c);
  let v = new Float64Array(c);
  for (let i = 0; i < c; i++) v[i] = 1 + i;
  let lambda = 0;
  for (let it = 0; it < maxIter; it++) {
    let n = 0;
    for (const x of v) n += x * x;
    n = Math.sqrt(n);
    if (!(n > 0)) return 0;
    for (let i = 0; i < c; i++) v[i]! /= n;
    const u = new Float64Array(c);
    for (let i = 0; i < c; i++) {
      let s = 0;
      for (let j = 0; j < c; j++) s += g[i * c + j]! * v[j]!;
      u[i] = s;
    }
    let rq = 0; // Rayleigh quotient v^T G v = estimate of sigma_max^2
    for (let i = 0; i < c; i++) rq += v[i]! * u[i]!;
    const done = Math.abs(rq - lambda) <= tol * Math.abs(rq);
    lambda = rq;
    v = u;
    if (done) break;
  }
  return Math.sqrt(Math.max(0, lambda));
}

/** Stable rank ||W||_F^2 / ||W||_2^2 (in [1, rank]); NaN for a zero matrix. */
export function stableRank(w: DenseMatrix): number {
  const s = spectralNorm(w);
  const f = frobeniusNorm(w);
  return s > 0 ? (f * f) / (s * s) : NaN;
}
