/**
 * `npm run bench:generator [-- UPDATES]`: what the Transformer buys over the
 * GRU baseline. Both policies (same width 32, batch 16, seed, learning rate)
 * are trained by REINFORCE on the planted-signal reward of the tests (mean
 * per-date IC x 10 of a formula with next-day returns on a 80 x 20 synthetic
 * panel whose `sig` field drives returns; `sig` alone scores about 3.8), and
 * the script prints the mean reward per update, the first and last three
 * updates' averages, the final entropy and the seconds per update (sampling
 * + update on the pure-JS tfjs CPU backend), with the machine load.
 */
import { cpus, loadavg } from 'node:os';
import { buildVocab, trainGenerator } from '../lib/mine/index.js';
import { syntheticPanel } from '../test/helpers/panels.js';
import { plantedReward } from '../test/helpers/planted-reward.js';

const updates = Number(process.argv[2] ?? 25);
const panel = syntheticPanel(80, 20, 4);
const reward = plantedReward(panel);
const vocab = buildVocab(['sig', 'noise', 'close', 'volume'], [3, 5], 6);
process.stdout.write(`${vocab.tokens.length} tokens, formulas up to ${vocab.maxLength}; ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const model of ['transformer', 'gru'] as const) {
  const t0 = performance.now();
  const { policy, curve } = trainGenerator({ vocab, reward, updates, model, dModel: 32, batch: 16, seed: 1, lr: 1e-2 });
  const s = (performance.now() - t0) / 1000;
  const params = Object.values(policy.checkpoint().weights).reduce((n, w) => n + w.values.length, 0);
  policy.dispose();
  const m = curve.map((c) => c.meanReward);
  process.stdout.write(`${model.padEnd(11)} ${params} parameters; mean reward first 3 ${avg(m.slice(0, 3)).toFixed(2)} -> last 3 ${avg(m.slice(-3)).toFixed(2)}; best ${curve.at(-1)!.bestSoFar.toFixed(2)}; entropy ${curve[0]!.entropy.toFixed(2)} -> ${curve.at(-1)!.entropy.toFixed(2)}; ${(s / updates).toFixed(2)} s per update\n  curve: ${m.map((x) => x.toFixed(2)).join(' ')}\n`);
}
process.stdout.write(`load after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
