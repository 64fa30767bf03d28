/**
 * Benchmark: TPE vs random search on standard test functions.
 *
 * For each function (Branin 2-D, Hartmann-6, shifted sphere 5-D, Rosenbrock 4-D)
 * and each of N seeds, runs a 200-trial study with RandomSampler({seed}),
 * TPESampler({seed}) (Optuna defaults, univariate) and TPESampler({seed,
 * multivariate: true}), and prints the mean (± standard error over seeds) of
 * the best value found after 50, 100 and 200 trials, how often each TPE
 * variant beat random on the same seed, and the mean gap to the known minimum.
 *
 * Usage: npm run bench:optimize [-- --seeds 20 --trials 200]
 */
import { RandomSampler, TPESampler, createStudy, type Sampler } from '../lib/optimize/index.js';
import { branin, hartmann6, rosenbrock4, shiftedSphere5, type TestFunction } from '../lib/optimize/testfunctions.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`bench-optimize: --${name} needs a positive integer, got ${process.argv[i + 1]}`);
  return v;
}

const nSeeds = arg('seeds', 20);
const nTrials = arg('trials', 200);
const checkpoints = [50, 100, 200].filter((c) => c <= nTrials);

/** Best-so-far value after each checkpoint for one study. */
async function run(fn: TestFunction, sampler: Sampler): Promise<number[]> {
  const study = await createStudy({ sampler });
  const bestAt: number[] = [];
  let best = Infinity;
  let i = 0;
  await study.optimize(
    (trial) => {
      const x = fn.bounds.map(([lo, hi], d) => trial.suggestFloat(`x${d}`, lo, hi));
      return fn.f(x);
    },
    {
      nTrials,
      callbacks: [
        (_s, t) => {
          i++;
          if (t.value !== null && t.value < best) best = t.value;
          if (checkpoints.includes(i)) bestAt.push(best);
        },
      ],
    },
  );
  return bestAt;
}

function meanSe(v: number[]): [number, number] {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, v.length - 1));
  return [m, sd / Math.sqrt(v.length)];
}

const fmt = (x: number): string => (Math.abs(x) >= 1000 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toFixed(4));

const t0 = Date.now();
const samplers: [string, (seed: number) => Sampler][] = [
  ['random', (seed) => new RandomSampler({ seed })],
  ['TPE', (seed) => new TPESampler({ seed })],
  ['TPE multivariate', (seed) => new TPESampler({ seed, multivariate: true })],
];
console.log(`Random search vs TPE (Optuna defaults: 10 startup trials, 24 EI candidates, gamma min(ceil(0.1 n), 25)), univariate and multivariate.`);
console.log(`${nSeeds} seeds x ${nTrials} trials per function and sampler; minimization; mean ± s.e. over seeds of the best value so far.`);
console.log(`"wins" = seeds where that TPE variant's best is below random's at the same trial count.\n`);
const rows: string[][] = [['function', 'min', 'trials', ...samplers.map(([n]) => n), 'TPE wins', 'TPE-mv wins']];
const summary: string[] = [];
const msPerStudy = samplers.map(() => 0);
for (const fn of [branin, hartmann6, shiftedSphere5, rosenbrock4]) {
  const res: number[][][] = samplers.map(() => []);
  const tf = Date.now();
  for (let s = 0; s < nSeeds; s++) {
    for (const [j, [, make]] of samplers.entries()) {
      const ts = performance.now();
      res[j].push(await run(fn, make(s)));
      msPerStudy[j] += (performance.now() - ts) / (nSeeds * 4);
    }
  }
  checkpoints.forEach((c, k) => {
    const cells = res.map((r) => {
      const [m, e] = meanSe(r.map((x) => x[k]));
      return `${fmt(m)} ± ${fmt(e)}`;
    });
    const wins = (j: number): string => `${res[j].filter((r, s) => r[k] < res[0][s][k]).length}/${nSeeds}`;
    rows.push([k === 0 ? fn.name : '', k === 0 ? fmt(fn.minimum) : '', String(c), ...cells, wins(1), wins(2)]);
  });
  const last = checkpoints.length - 1;
  const gap = (j: number): number => meanSe(res[j].map((x) => x[last]))[0] - fn.minimum;
  summary.push(`${fn.name}: mean gap to the minimum after ${checkpoints[last]} trials: random ${fmt(gap(0))}, TPE ${fmt(gap(1))} (${(gap(0) / gap(1)).toFixed(1)}x smaller), TPE multivariate ${fmt(gap(2))}`);
  console.error(`  ${fn.name}: ${((Date.now() - tf) / 1000).toFixed(1)} s`);
}
const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
for (const [i, r] of rows.entries()) {
  console.log(r.map((c, j) => (j < 3 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
console.log('');
for (const line of summary) console.log(line);
console.log(`mean wall time of one ${nTrials}-trial study (trivial objective, all functions): ${samplers.map(([n], j) => `${n} ${msPerStudy[j].toFixed(0)} ms`).join(', ')}`);
console.log(`\ntotal ${((Date.now() - t0) / 1000).toFixed(1)} s (node ${process.version})`);
