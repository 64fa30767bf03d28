// Pure numerics of lib/optimize: special functions, the seeded RNG, distributions and the Parzen estimators.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logGaussMass, truncnormLogPdf, truncnormPpf } from '../lib/optimize/special.js';
import { erfc, logErfc, logNormalCdf as logNdtr, normalCdf as ndtr, normalPpf as ndtri, normalPpfFromLog as ndtriExp } from '../lib/stats/index.js';
import { Rng, deriveSeed } from '../lib/stats/rng.js';
import { categoricalDistribution, contains, floatDistribution, intDistribution, transformedBounds, untransform } from '../lib/optimize/distributions.js';
import { CategoricalParzenEstimator, MultivariateParzenEstimator, NumericParzenEstimator, defaultGamma, defaultWeights, kernelSigmas, multivariateSigmas, type ParzenParameters } from '../lib/optimize/parzen.js';

const close = (a: number, b: number, rel: number, msg?: string): void => {
  assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-300), `${msg ?? ''} got ${a}, want ${b} (rel ${rel})`);
};

const PARZEN: ParzenParameters = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, weights: defaultWeights };

test('erfc matches reference values (CPython math.erfc) in both tails and the centre', () => {
  const ref: [number, number][] = [
    [-3, 1.9999779095030015],
    [-0.3, 1.3286267594591274],
    [0, 1],
    [0.5, 0.4795001221869535],
    [1, 0.15729920705028513],
    [2, 0.004677734981047265],
    [2.49, 0.000429287867733913],
    [2.5, 0.0004069520174449589],
    [3, 2.2090496998585438e-5],
    [5, 1.5374597944280351e-12],
    [10, 2.088487583762545e-45],
    [20, 5.3958656116079005e-176],
  ];
  for (const [x, want] of ref) close(erfc(x), want, 1e-13, `erfc(${x})`);
  // log form keeps going where erfc underflows: log erfc(30) = -900 - log(30 √π) - tiny
  close(logErfc(30), -900 - Math.log(30 * Math.sqrt(Math.PI)) - 1 / (2 * 900), 1e-9, 'logErfc(30)');
});

test('normal CDF, its log and inverses agree with each other and with known quantiles', () => {
  close(ndtr(1.959963984540054), 0.975, 1e-14);
  close(ndtri(0.975), 1.959963984540054, 1e-14);
  close(ndtri(1e-10), -6.361340902404056, 1e-13);
  close(logNdtr(-10), -53.23128515051248, 1e-13);
  close(logNdtr(-40), -804.6084420137539, 1e-13);
  close(logNdtr(8), -6.220960574271742e-16, 1e-9);
  for (const y of [-2000, -300, -30, -3, -0.7, -0.1, -1e-8]) close(logNdtr(ndtriExp(y)), y, 1e-12, `ndtriExp(${y})`);
  for (const p of [1e-300, 1e-20, 0.01, 0.3, 0.5, 0.9, 0.999999]) close(ndtr(ndtri(p)), p, 1e-12, `ndtri(${p})`);
});

test('truncated normal: mass, quantile and density are consistent', () => {
  // mass by subtraction where that is accurate
  close(Math.exp(logGaussMass(-1, 2)), ndtr(2) - ndtr(-1), 1e-14);
  close(Math.exp(logGaussMass(1, 3)), ndtr(3) - ndtr(1), 1e-13);
  close(Math.exp(logGaussMass(-5, -4)), ndtr(-4) - ndtr(-5), 1e-12);
  // far right tail stays accurate by symmetry (subtraction would give 0)
  close(logGaussMass(40, 41), logGaussMass(-41, -40), 1e-14);
  // ppf inverts the truncated CDF
  for (const [a, b] of [[-1, 2], [0.5, 2], [-3, -2.5], [3, 9]] as const) {
    for (const q of [0.01, 0.3, 0.5, 0.97]) {
      const z = truncnormPpf(q, a, b);
      assert.ok(z >= a && z <= b, `ppf(${q}; ${a}, ${b}) = ${z} outside`);
      close(Math.exp(logGaussMass(a, z) - logGaussMass(a, b)), q, 1e-10, `cdf(ppf(${q}; ${a}, ${b}))`);
    }
  }
  // density integrates to 1 (midpoint rule), zero outside
  let s = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) s += Math.exp(truncnormLogPdf(0.2 + (1.3 * (i + 0.5)) / n, 0.9, 0.4, 0.2, 1.5)) * (1.3 / n);
  close(s, 1, 1e-7, 'integral');
  assert.equal(truncnormLogPdf(1.6, 0.9, 0.4, 0.2, 1.5), -Infinity);
});

test('Rng: same seed same stream, different seeds differ, uniform moments and unbiased ints', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const sa = Array.from({ length: 50 }, () => a.nextUint32());
  assert.deepEqual(sa, Array.from({ length: 50 }, () => b.nextUint32()));
  assert.notDeepEqual(sa, Array.from({ length: 50 }, () => c.nextUint32()));
  assert.notEqual(deriveSeed(1, 2), deriveSeed(2, 1));
  const r = new Rng(7);
  const n = 100000;
  let m = 0;
  let m2 = 0;
  const counts = new Array<number>(6).fill(0);
  for (let i = 0; i < n; i++) {
    const u = r.random();
    assert.ok(u >= 0 && u < 1);
    m += u;
    m2 += u * u;
    counts[r.int(6)]++;
  }
  // mean 1/2 (sd of the mean 0.0009), variance 1/12
  assert.ok(Math.abs(m / n - 0.5) < 0.005, `mean ${m / n}`);
  assert.ok(Math.abs(m2 / n - (m / n) ** 2 - 1 / 12) < 0.002);
  // chi-square with 5 d.o.f.: 99.9% quantile is 20.5
  const chi = counts.reduce((acc, k) => acc + (k - n / 6) ** 2 / (n / 6), 0);
  assert.ok(chi < 20.5, `chi2 ${chi}`);
  assert.throws(() => new Rng(NaN), /seed/);
});

test('distributions: validation, step adjustment, transforms', () => {
  assert.throws(() => floatDistribution('x', 2, 1), /'x'.*low \(2\) must be <= high/);
  assert.throws(() => floatDistribution('x', 0, 1, { log: true }), /log=true needs low > 0/);
  assert.throws(() => floatDistribution('x', -1e308, 1e308), /overflows/);
  assert.throws(() => floatDistribution('x', 0, Infinity), /finite/);
  assert.throws(() => floatDistribution('x', 1, 2, { log: true, step: 0.1 }), /step and log/);
  assert.throws(() => intDistribution('k', 1, 10, { log: true, step: 2 }), /log=true needs step = 1/);
  assert.throws(() => intDistribution('k', 1.5, 10), /integers/);
  assert.throws(() => categoricalDistribution('c', []), /non-empty/);
  assert.throws(() => categoricalDistribution('c', ['a', 'a']), /duplicate/);
  // Optuna's rule: high lowered to the last grid point
  assert.equal(floatDistribution('x', 0, 1, { step: 0.3 }).high, 0.9);
  assert.equal(intDistribution('k', 1, 10, { step: 4 }).high, 9);
  const d = floatDistribution('x', 0, 1, { step: 0.1 });
  assert.deepEqual(transformedBounds(d), { lo: -0.05, hi: 1.05 });
  assert.equal(untransform(d, 0.2999), 0.3); // snapped, float noise removed
  assert.equal(untransform(d, 1.04), 1);
  const li = intDistribution('k', 1, 100, { log: true });
  close(transformedBounds(li).lo, Math.log(0.5), 1e-15);
  assert.equal(untransform(li, Math.log(7.4)), 7);
  assert.ok(contains(d, 0.7) && !contains(d, 0.75) && !contains(d, 1.1));
  assert.ok(contains(categoricalDistribution('c', [1, 'a', true]), true) && !contains(categoricalDistribution('c', [1, 'a']), '1'));
});

test('defaultWeights and defaultGamma are Optuna\'s', () => {
  assert.deepEqual(defaultWeights(0), []);
  assert.deepEqual(defaultWeights(3), [1, 1, 1]);
  const w = defaultWeights(30); // ramp 1/30 .. 1 over the 5 oldest, then 25 ones
  assert.equal(w.length, 30);
  close(w[0], 1 / 30, 1e-15);
  close(w[4], 1, 1e-15);
  close(w[2], (1 / 30 + 1) / 2, 1e-15);
  assert.ok(w.slice(5).every((x) => x === 1));
  assert.deepEqual([0, 1, 10, 11, 100, 250, 1000].map(defaultGamma), [0, 1, 1, 2, 10, 25, 25]);
});

test('kernel bandwidths: hand-computed case with prior, endpoints rule and magic clip', () => {
  // centres 0.2, 0.7 and the prior 0.5 on [0, 1]: neighbours give 0.3 (0.2: first kernel -> right gap 0.3)
  // and 0.2 (0.7: last kernel -> left gap 0.2); magic clip min = 1 / min(100, 1 + 3) = 0.25.
  const sig = kernelSigmas([0.2, 0.7], 0, 1, PARZEN);
  close(sig[0], 0.3, 1e-12);
  assert.equal(sig[1], 0.25);
  // with endpoints the farther neighbour counts: 0.2 -> max(0.2, 0.3); 0.7 -> max(0.2, 0.3)
  const withEnds = Array.from(kernelSigmas([0.2, 0.7], 0, 1, { considerEndpoints: true, considerMagicClip: false }));
  close(withEnds[0], 0.3, 1e-12);
  close(withEnds[1], 0.3, 1e-12);
});

test('numeric Parzen estimator: density integrates to 1, grid probabilities sum to 1, samples follow it', () => {
  const cont = floatDistribution('x', -2, 3);
  const est = new NumericParzenEstimator([-1.5, 0.1, 0.2, 2.7], cont, PARZEN);
  let s = 0;
  let mean = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const x = -2 + (5 * (i + 0.5)) / n;
    const p = Math.exp(est.logPdf(x)) * (5 / n);
    s += p;
    mean += x * p;
  }
  close(s, 1, 1e-6, 'continuous integral');
  const rng = new Rng(3);
  const xs = est.sample(rng, 20000);
  assert.ok(xs.every((x) => x >= -2 && x <= 3));
  const sm = xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(sm - mean) < 0.05, `sample mean ${sm} vs density mean ${mean}`);

  const grid = intDistribution('k', 2, 20, { step: 3 }); // 2, 5, ..., 20
  const eg = new NumericParzenEstimator([5, 5, 14], grid, PARZEN);
  let sg = 0;
  for (let k = 2; k <= 20; k += 3) sg += Math.exp(eg.logPdf(k));
  close(sg, 1, 1e-12, 'grid sum');
  const ks = eg.sample(new Rng(4), 3000);
  assert.ok(ks.every((k) => contains(grid, k)));
  const freq5 = ks.filter((k) => k === 5).length / ks.length;
  assert.ok(Math.abs(freq5 - Math.exp(eg.logPdf(5))) < 0.03, `freq of 5: ${freq5} vs p ${Math.exp(eg.logPdf(5))}`);

  const logInt = intDistribution('n', 1, 1000, { log: true });
  const el = new NumericParzenEstimator([3, 10, 400], logInt, PARZEN);
  let sl = 0;
  for (let k = 1; k <= 1000; k++) sl += Math.exp(el.logPdf(k));
  close(sl, 1, 1e-10, 'log-int sum');
});

test('categorical Parzen estimator: smoothed counts by hand', () => {
  const d = categoricalDistribution('c', ['a', 'b', 'c']);
  // one observation of 'a', priorWeight 1: kernel rows [1.5, .5, .5]/2.5 and uniform prior, weights 1/2 each
  const e = new CategoricalParzenEstimator([0], d, PARZEN);
  close(Math.exp(e.logPdf(0)), 0.5 * 0.6 + 0.5 / 3, 1e-15);
  close(Math.exp(e.logPdf(1)), 0.5 * 0.2 + 0.5 / 3, 1e-15);
  const empty = new CategoricalParzenEstimator([], d, PARZEN);
  close(Math.exp(empty.logPdf(2)), 1 / 3, 1e-15);
  const draws = e.sample(new Rng(5), 6000);
  const fa = draws.filter((i) => i === 0).length / draws.length;
  assert.ok(Math.abs(fa - (0.3 + 1 / 6)) < 0.03, `freq of a ${fa}`);
});

test('numeric Parzen logPdf equals the weighted mixture of truncated normal densities computed term by term', () => {
  const d = floatDistribution('x', 1e-3, 10, { log: true });
  const obs = [0.01, 0.5, 2, 7];
  const est = new NumericParzenEstimator(obs, d, PARZEN);
  const lo = Math.log(1e-3);
  const hi = Math.log(10);
  for (const x of [0.001, 0.02, 1, 9.99]) {
    let p = 0;
    for (let i = 0; i < est.mus.length; i++) p += est.weights[i] * Math.exp(truncnormLogPdf(Math.log(x), est.mus[i], est.sigmas[i], lo, hi));
    close(est.logPdf(x), Math.log(p), 1e-12, `x=${x}`);
  }
  assert.equal(est.logPdf(11), -Infinity);
});

test('multivariate bandwidth: Optuna rule 0.2 n^(-1/(d+4)) range with the magic clip', () => {
  // n = 50, d = 2 on [0, 1]: 0.2 * 50^(-1/6) = 0.10424..., above the clip 1/52
  close(multivariateSigmas(50, 2, 0, 1, PARZEN)[0], 0.2 * Math.pow(50, -1 / 6), 1e-15);
  // n = 4, d = 2 on [0, 2]: 0.2 * 4^(-1/6) * 2 = 0.3175 is below the clip 2 / 6 = 0.3333
  close(multivariateSigmas(4, 2, 0, 2, PARZEN)[0], 2 / 6, 1e-15);
  assert.equal(multivariateSigmas(3, 1, 0, 1, PARZEN).length, 3);
});

test('joint Parzen estimator: product kernels, checked term by term, and normalized over a mixed space', () => {
  const dx = floatDistribution('x', 0, 1);
  const dc = categoricalDistribution('c', ['a', 'b', 'c']);
  const xs = [0.1, 0.15, 0.8];
  const cs = [0, 0, 2];
  const ex = new NumericParzenEstimator(xs, dx, PARZEN, 2);
  const ec = new CategoricalParzenEstimator(cs, dc, PARZEN);
  const joint = new MultivariateParzenEstimator([ex, ec]);
  for (const [x, c] of [[0.12, 0], [0.5, 1], [0.9, 2]] as const) {
    let p = 0;
    for (let k = 0; k < ex.mus.length; k++) {
      p += ex.weights[k] * Math.exp(truncnormLogPdf(x, ex.mus[k], ex.sigmas[k], 0, 1)) * ec.probs[k * 3 + c];
    }
    close(joint.logPdf([x, c]), Math.log(p), 1e-12, `(${x}, ${c})`);
  }
  let total = 0;
  const n = 4000;
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) total += Math.exp(joint.logPdf([(i + 0.5) / n, c])) / n;
  close(total, 1, 1e-6, 'sum over c, integral over x');
  // draws keep pairs together: x near 0.1 comes with 'a' far more often than with 'c'
  const draws = joint.sample(new Rng(1), 4000).filter(([x]) => x < 0.2);
  const a = draws.filter(([, c]) => c === 0).length;
  const cc = draws.filter(([, c]) => c === 2).length;
  assert.ok(a > 3 * cc, `a ${a} vs c ${cc}`);
});
