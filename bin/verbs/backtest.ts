/**
 * `alphalab backtest --strategy DIR [--html FILE] [--json]`: reloads an
 * exported strategy, re-runs it on its dataset, checks every stored metric
 * against the re-run (bit for bit), and prints the strategy's statistics next
 * to an equal-weight buy-and-hold of its universe; `--html` writes the equity
 * chart with entries / exits and the strategy tear-sheet figures.
 * Exit status 1 when a metric differs from the stored one.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  buyAndHoldReturns, defaultStrategiesDir, equityVersusBenchmarkFigure, loadStrategy, rerunStrategyFull, statsVersusBenchmark, strategyFigures, verifyStrategy,
} from '../../lib/backtest/index.js';
import { type Panel } from '../../lib/data/index.js';
import { fmtNumber, fmtPercent } from '../../lib/notebook/format.js';
import { writeFiguresHtml } from '../../lib/viz/index.js';
import { loadDatasetByName, printJson, printTable, stages } from './common.js';
import { strategyFactors } from './lookahead.js';

/** Registers `backtest`. */
export function registerBacktest(program: Command): void {
  program
    .command('backtest')
    .description('re-run and verify an exported strategy; statistics vs buy-and-hold; chart with entries and exits')
    .requiredOption('-s, --strategy <dir>', 'strategy folder (strategies/<name>) or name')
    .option('-d, --dataset <name>', "dataset (default: the strategy's)")
    .option('--html <file>', 'write the equity chart with entries/exits and the strategy figures to this HTML file')
    .option('--json', 'print one JSON line')
    .action(async (o: { strategy: string; dataset?: string; html?: string; json?: boolean }) => {
      const bar = stages(o.html ? 4 : 3, !o.json);
      bar.step('loading strategy');
      // verified below by verifyStrategy, which reports each mismatch instead of refusing
      const doc = await loadStrategy(o.strategy, { verify: false });
      const name = o.dataset ?? doc.dataset.name;
      if (!name) throw new Error(`strategy "${doc.name}" names no dataset: pass --dataset`);
      bar.step(`loading ${name}`);
      const panel: Panel = await loadDatasetByName(name);
      // Custom factor code next to strategy.json (factors.ts) overrides the expressions of the same name.
      const dir = existsSync(o.strategy) ? o.strategy : join(defaultStrategiesDir(), o.strategy);
      const { factors, custom } = await strategyFactors(dir);
      const factorValues = custom.length ? Object.fromEntries(custom.map((k) => [k, factors[k]!(panel)])) : undefined;
      bar.step('re-running');
      const check = verifyStrategy(doc, panel, factorValues ? { factorValues } : {});
      const run = rerunStrategyFull(doc, panel, factorValues ? { factorValues } : {});
      const T0 = panel.times.indexOf(run.result.times[0]!);
      const bench = buyAndHoldReturns(panel, T0, T0 + run.result.times.length);
      const table = statsVersusBenchmark(run.result.returns, bench, run.result.metrics.annualization);
      let html: string | undefined;
      if (o.html) {
        bar.step('chart');
        html = writeFiguresHtml(resolve(o.html), [equityVersusBenchmarkFigure(run.result, bench, `${doc.name} vs equal-weight buy-and-hold`), ...strategyFigures(run.result, { title: doc.name })], { title: `Backtest ${doc.name}` });
      }
      bar.stop();
      process.exitCode = check.ok ? 0 : 1;
      if (o.json) {
        return printJson({ strategy: doc.name, dataset: name, verified: check.ok, mismatches: check.mismatches, stats: table, trades: 'trades' in run.result ? run.result.trades.length : null, html: html ?? null });
      }
      process.stdout.write(`${doc.name} (${doc.kind}) on ${name}, ${doc.dataset.periodStart} .. ${doc.dataset.periodEnd}\n`);
      process.stdout.write(check.ok ? `verified: all ${Object.keys(doc.metrics).length} stored metrics reproduced exactly\n` : `NOT verified: ${check.mismatches.length} metrics differ\n`);
      for (const m of check.mismatches.slice(0, 10)) process.stdout.write(`  ${m.metric}: stored ${m.stored}, re-run ${m.rerun}\n`);
      const asPercent = new Set(['total return', 'annual return (CAGR)', 'annual volatility', 'max drawdown', 'positive bars']);
      const show = (m: string, v: number): string => (asPercent.has(m) ? fmtPercent(v) : fmtNumber(v));
      printTable(table.map((r) => ({ metric: r.metric, strategy: show(r.metric, r.strategy), buy_and_hold: show(r.metric, r.buy_and_hold) })));
      if (html) process.stdout.write(`chart: ${html}\n`);
    });
}
