import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../lib/stats/index.js';
import { buildVocab, frobeniusNorm, lowRankDecayStep, newtonSchulz, spectralNorm, stableRank, trainGenerator, type DenseMatrix } from '../lib/mine/index.js';
import { syntheticPanel } from './helpers/panels.js';
import { plantedReward } from './helpers/planted-reward.js';

const mat = (rows: number, cols: number, values: number[]): DenseMatrix => ({ rows, cols, values: Float64Array.from(values) });
/** Naive A B for small matrices (independent of lowrank.ts). */
const mul = (a: DenseMatrix, b: DenseMatrix): DenseMatrix => {
  const out: number[] = [];
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < b.cols; j++) {
    let s = 0;
    for (let k = 0; k < a.cols; k++) s += a.values[i * a.cols + k]! * b.values[k * b.cols + j]!;
    out.push(s);
  }
  return mat(a.rows, b.cols, out);
};
const tr = (a: DenseMatrix): DenseMatrix => mat(a.cols, a.rows, Array.from({ length: a.rows * a.cols }, (_, k) => a.values[(k % a.rows) * a.cols + Math.floor(k / a.rows)]!));
const rot = (t: number) => mat(2, 2, [Math.cos(t), -Math.sin(t), Math.sin(t), Math.cos(t)]);
const gaussian = (rows: number, cols: number, seed: number): DenseMatrix => {
  const rng = new Rng(seed);
  return mat(rows, cols, Array.from({ length: rows * cols }, () => Math.sqrt(-2 * Math.log(1 - rng.random())) * Math.cos(2 * Math.PI * rng.random())));
};
const close = (a: DenseMatrix, b: DenseMatrix, tol: number, what: string) => {
  assert.deepEqual([a.rows, a.cols], [b.rows, b.cols]);
  for (let i = 0; i < a.values.length; i++) assert.ok(Math.abs(a.values[i]! - b.values[i]!) <= tol, `${what}[${i}]: ${a.values[i]} vs ${b.values[i]}`);
};
const eye = (n: number) => mat(n, n, Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0)));

test('newtonSchulz: hand-computed 2x2 case: W = R(0.3) diag(3, 1) R(-0.7)^T, one step maps the normalized singular values 3/sqrt(10), 1/sqrt(10) to 1.5 s - 0.5 s^3 and keeps the singular vectors', () => {
  const U = rot(0.3), V = rot(-0.7);
  const W = mul(mul(U, mat(2, 2, [3, 0, 0, 1])), tr(V));
  // by hand: 3/sqrt(10) = 0.9486832981 -> 1.4230249472 - 0.5 * 0.8538149682 = 0.9961174631; 1/sqrt(10) = 0.3162277660 -> 0.4743416490 - 0.5 * 0.0316227766 = 0.4585302607
  const expected = mul(mul(U, mat(2, 2, [0.9961174631, 0, 0, 0.4585302607])), tr(V));
  close(newtonSchulz(W, 1), expected, 1e-9, 'NS_1');
  // zero iterations: W / ||W||_F
  close(newtonSchulz(W, 0), mat(2, 2, Array.from(W.values, (x) => x / Math.sqrt(10))), 1e-12, 'NS_0');
  // many iterations: the polar factor U V^T
  close(newtonSchulz(W, 40), mul(U, tr(V)), 1e-12, 'NS_40');
  assert.deepEqual(Array.from(newtonSchulz(mat(2, 2, [0, 0, 0, 0])).values), [0, 0, 0, 0]);
  assert.throws(() => newtonSchulz(mat(2, 2, [1, 2, 3]), 5), /does not match/);
});

test('newtonSchulz: SVD-free checks of the polar factor on random tall, wide and rank-2 matrices: X^T X = I (tall), X X^T = I (wide), X^T W symmetric positive semi-definite, a projector of trace 2 for rank 2', () => {
  const tall = gaussian(6, 4, 1);
  const X = newtonSchulz(tall, 40);
  close(mul(tr(X), X), eye(4), 1e-9, 'X^T X');
  const P = mul(tr(X), tall); // W = X P, P = (W^T W)^(1/2) symmetric
  close(P, tr(P), 1e-9, 'X^T W symmetric');
  for (let i = 0; i < 4; i++) assert.ok(P.values[i * 5]! > 0);
  const wide = gaussian(3, 7, 2);
  const Y = newtonSchulz(wide, 40);
  close(mul(Y, tr(Y)), eye(3), 1e-9, 'X X^T');
  // rank 2: a b^T + c d^T (5 x 4); X^T X is the projector onto the row space
  const a = gaussian(5, 1, 3), b = gaussian(1, 4, 4), c = gaussian(5, 1, 5), d = gaussian(1, 4, 6);
  const ab = mul(a, b), cd = mul(c, d);
  const R2 = mat(5, 4, Array.from(ab.values, (x, i) => x + cd.values[i]!));
  const Z = newtonSchulz(R2, 40);
  const Pr = mul(tr(Z), Z);
  close(mul(Pr, Pr), Pr, 1e-9, 'projector');
  assert.ok(Math.abs(Pr.values[0]! + Pr.values[5]! + Pr.values[10]! + Pr.values[15]! - 2) < 1e-9);
  close(mul(R2, Pr), R2, 1e-9, 'W P = W');
});

test('stableRank: ||W||_F^2 / ||W||_2^2 of diag(4, 2, 1, 1) under orthogonal reflections is 22/16, spectral norm 4 by power iteration', () => {
  const D = mat(4, 4, [4, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  const house = (v: number[]) => { // I - 2 v v^T / v^T v
    const n = v.reduce((s, x) => s + x * x, 0);
    return mat(4, 4, Array.from({ length: 16 }, (_, k) => (k % 5 === 0 ? 1 : 0) - (2 * v[Math.floor(k / 4)]! * v[k % 4]!) / n));
  };
  const W = mul(mul(house([1, -2, 0.5, 3]), D), house([0.3, 1, -1, 2]));
  assert.ok(Math.abs(spectralNorm(W) - 4) < 1e-9, String(spectralNorm(W)));
  assert.ok(Math.abs(frobeniusNorm(W) ** 2 - 22) < 1e-9);
  assert.ok(Math.abs(stableRank(W) - 22 / 16) < 1e-9, String(stableRank(W)));
  assert.ok(Number.isNaN(stableRank(mat(2, 2, [0, 0, 0, 0]))));
});

test('low-rank decay: with an exact polar factor one step lowers every singular value by the decay (spectral norm 4 -> 3.5); repeated steps lower the stable rank of a random matrix at every step', () => {
  const W = mat(2, 2, [4, 0, 0, 1]);
  const W1 = lowRankDecayStep(W, 0.5, 40);
  close(W1, mat(2, 2, [3.5, 0, 0, 0.5]), 1e-12, 'diag step');
  let G = gaussian(16, 16, 7);
  let prev = stableRank(G);
  const start = prev;
  for (let k = 0; k < 10; k++) {
    G = lowRankDecayStep(G, 0.2, 5);
    const s = stableRank(G);
    assert.ok(s < prev, `step ${k}: ${s} >= ${prev}`);
    prev = s;
  }
  assert.ok(prev < 0.8 * start, `${start} -> ${prev}`);
  assert.throws(() => lowRankDecayStep(W, -1), /lowRankDecay must be/);
});

test('generator: low-rank decay 0 trains bit-identically to the code before the option (golden checkpoint ids); decay > 0 changes the Transformer, lowers its attention stable rank, and is refused for the GRU', () => {
  const panel = syntheticPanel(80, 20, 4);
  const reward = plantedReward(panel);
  const vocab = buildVocab(['sig', 'noise', 'close', 'volume'], [3, 5], 6);
  const base = { vocab, reward, updates: 3, dModel: 16, batch: 8, seed: 4, lr: 1e-2 };
  // golden ids: the same runs on main before the option existed (commit 76fc608)
  const t0 = trainGenerator({ ...base, model: 'transformer', lowRankDecay: 0 });
  const g0 = trainGenerator({ ...base, model: 'gru' });
  try {
    assert.equal(t0.policy.checkpointId(), 'transformer@3:39e24c486929');
    assert.equal(g0.policy.checkpointId(), 'gru@3:3ee15269a4aa');
    assert.ok(g0.curve.every((c) => c.stableRank === null));
    assert.ok(t0.curve.every((c) => c.stableRank !== null && c.stableRank >= 1 && c.stableRank <= 16));
    // the monitor reads the policy's Q and K matrices: recompute from the checkpoint
    const ck = t0.policy.checkpoint();
    const names = ['l0.wq', 'l0.wk', 'l1.wq', 'l1.wk'];
    const direct = names.reduce((s, n) => s + stableRank(mat(16, 16, ck.weights[n]!.values)), 0) / names.length;
    assert.ok(Math.abs(direct - t0.curve.at(-1)!.stableRank!) < 1e-9);
    const t1 = trainGenerator({ ...base, model: 'transformer', lowRankDecay: 0.05, lowRankIterations: 5 });
    try {
      assert.notEqual(t1.policy.checkpointId(), t0.policy.checkpointId());
      assert.ok(t1.curve.at(-1)!.stableRank! < t0.curve.at(-1)!.stableRank!, `${t1.curve.at(-1)!.stableRank} vs ${t0.curve.at(-1)!.stableRank}`);
    } finally {
      t1.policy.dispose();
    }
  } finally {
    t0.policy.dispose();
    g0.policy.dispose();
  }
  assert.throws(() => trainGenerator({ ...base, model: 'gru', lowRankDecay: 1e-3 }), /has none/);
  assert.throws(() => trainGenerator({ ...base, lowRankDecay: -1 }), /lowRankDecay must be/);
  assert.throws(() => trainGenerator({ ...base, lowRankDecay: 1e-3, lowRankIterations: 0 }), /lowRankIterations must be/);
});
