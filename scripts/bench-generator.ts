/**
 * `npm run bench:generator [-- UPDATES [DECAYS [SEEDS]]]`: what the Transformer buys
 * over the GRU baseline, and what AlphaGPT's low-rank decay changes. The
 * policies (same width 32, batch 16, seed, learning rate) are trained by
 * REINFORCE on the planted-signal reward of the tests (mean per-date IC x 10
 * of a formula with next-day returns on a 80 x 20 synthetic panel whose `sig`
 * field drives returns; `sig` alone scores about 3.8): the Transformer without
 * and with low-rank decay (DECAYS, comma-separated, default 0.001,0.01,0.03;
 * 5 Newton-Schulz iterations) and the GRU. The script prints per run the mean
 * reward per update, the first and last three updates' averages, the entropy
 * and the attention stable rank first -> last, and the wall and CPU seconds
 * per update (sampling + update on the pure-JS tfjs CPU backend), with the
 * machine load. SEEDS > 1 (default 1: seed 1 only) repeats every run with
 * seeds 1..SEEDS and prints, per setting, the mean and standard deviation
 * over seeds of the last three updates' mean reward, of the final entropy
 * and of the final stable rank (one seed is an anecdote).
 */
import { cpus, loadavg } from 'node:os';
import { buildVocab, trainGenerator } from '../lib/mine/index.js';
import { syntheticPanel } from '../test/helpers/panels.js';
import { plantedReward } from '../test/helpers/planted-reward.js';

const updates = Number(process.argv[2] ?? 25);
const decays = (process.argv[3] ?? '0.001,0.01,0.03').split(',').map(Number);
const seeds = Number(process.argv[4] ?? 1);
const panel = syntheticPanel(80, 20, 4);
const reward = plantedReward(panel);
const vocab = buildVocab(['sig', 'noise', 'close', 'volume'], [3, 5], 6);
process.stdout.write(`${vocab.tokens.length} tokens, formulas up to ${vocab.maxLength}; ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const f2 = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(2));
const runs: { model: 'transformer' | 'gru'; lowRankDecay: number }[] = [
  { model: 'transformer', lowRankDecay: 0 },
  ...decays.map((d) => ({ model: 'transformer' as const, lowRankDecay: d })),
  { model: 'gru', lowRankDecay: 0 },
];
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - avg(xs)) ** 2, 0) / Math.max(1, xs.length - 1));
const summary: string[] = [];
for (const { model, lowRankDecay } of runs) {
  const lastReward: number[] = [], lastEntropy: number[] = [], lastRank: number[] = [], firstReward: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    const { policy, curve } = trainGenerator({ vocab, reward, updates, model, dModel: 32, batch: 16, seed, lr: 1e-2, lowRankDecay });
    const s = (performance.now() - t0) / 1000, cpu = process.cpuUsage(c0);
    const params = Object.values(policy.checkpoint().weights).reduce((n, w) => n + w.values.length, 0);
    policy.dispose();
    const m = curve.map((c) => c.meanReward);
    const name = `${model}${lowRankDecay > 0 ? ` LoRD ${lowRankDecay}` : ''}${seeds > 1 ? ` seed ${seed}` : ''}`;
    firstReward.push(avg(m.slice(0, 3)));
    lastReward.push(avg(m.slice(-3)));
    lastEntropy.push(curve.at(-1)!.entropy);
    if (curve.at(-1)!.stableRank !== null) lastRank.push(curve.at(-1)!.stableRank!);
    process.stdout.write(
      `${name.padEnd(22)} ${params} parameters; mean reward first 3 ${avg(m.slice(0, 3)).toFixed(2)} -> last 3 ${avg(m.slice(-3)).toFixed(2)}; best ${curve.at(-1)!.bestSoFar.toFixed(2)}; `
      + `entropy ${curve[0]!.entropy.toFixed(2)} -> ${curve.at(-1)!.entropy.toFixed(2)}; stable rank ${f2(curve[0]!.stableRank)} -> ${f2(curve.at(-1)!.stableRank)}; `
      + `${(s / updates).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6 / updates).toFixed(2)} s CPU per update\n  curve: ${m.map((x) => x.toFixed(2)).join(' ')}\n`,
    );
  }
  const ms = (xs: number[]) => (xs.length ? `${avg(xs).toFixed(2)} +- ${sd(xs).toFixed(2)}` : '-');
  summary.push(`${`${model}${lowRankDecay > 0 ? ` LoRD ${lowRankDecay}` : ''}`.padEnd(22)} first 3 ${ms(firstReward)}; last 3 ${ms(lastReward)}; final entropy ${ms(lastEntropy)}; final stable rank ${ms(lastRank)}`);
}
if (seeds > 1) process.stdout.write(`over seeds 1..${seeds} (mean +- sd):\n${summary.join('\n')}\n`);
process.stdout.write(`load after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
