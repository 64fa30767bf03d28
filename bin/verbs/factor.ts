/**
 * `alphalab factor "<expr>" --dataset NAME [--horizon N] [--html FILE] [--json] [--no-store]`:
 * one factor, every validation metric plus the alphalens statistics, a
 * summary and interpretation on the terminal, the whole tear sheet as HTML.
 * The evaluation is recorded in the trial store (it counts for the deflated
 * Sharpe) unless `--no-store`.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  evaluateFactor, FactorStore, factorTable, interpretFactor, tearSheetSummary, tearSheetTitle, withAlphalens, writeTearSheet,
} from '../../lib/factors/index.js';
import { ANNUALIZATION_HELP, loadDatasetByName, positiveInt, positiveNumber, printJson, stages } from './common.js';

interface FactorFlags {
  dataset: string;
  horizon: number;
  annualization?: number;
  html?: string;
  json?: boolean;
  store: boolean;
  db?: string;
}

/** Registers `factor`. */
export function registerFactor(program: Command): void {
  program
    .command('factor')
    .description('evaluate one factor expression: metrics, alphalens statistics, interpretation; tear sheet to HTML')
    .argument('<expr>', 'factor expression, e.g. "-ts_delta(close, 5)"')
    .option('-d, --dataset <name>', 'bundled sample (sp500_daily, binance_perp_1h) or catalog dataset', 'sp500_daily')
    .option('-H, --horizon <bars>', 'forward-return horizon in bars', positiveInt, 1)
    .option('--annualization <bars>', ANNUALIZATION_HELP, positiveNumber)
    .option('--html <file>', 'write the tear sheet (summary, interpretation, every figure) to this HTML file')
    .option('--no-store', 'do not record the evaluation in the trial store (it then does not count as a trial)')
    .option('--db <path>', 'DuckDB file of the trial store (default data/quant.duckdb)')
    .option('--json', 'print one JSON summary line')
    .action(async (expr: string, o: FactorFlags) => {
      const bar = stages(o.html ? 4 : 3, !o.json);
      bar.step(`loading ${o.dataset}`);
      const panel = await loadDatasetByName(o.dataset, o.annualization);
      bar.step('evaluating');
      const store = o.store ? await FactorStore.open(o.db) : false;
      try {
        const report = await evaluateFactor(expr, panel, { store, dataset: o.dataset, horizon: o.horizon, source: 'cli' });
        bar.step('alphalens statistics');
        const full = withAlphalens(report, panel);
        let html: string | undefined;
        if (o.html) {
          bar.step('tear sheet');
          html = await writeTearSheet(resolve(o.html), full);
        }
        bar.stop();
        const row = factorTable([full])[0]!;
        const notes = interpretFactor(full);
        if (o.json) {
          printJson({
            ...row, dataset: o.dataset, horizon: o.horizon, annualization: full.annualization, ic_skew: full.alphalens.icDistribution.skew, ic_kurtosis: full.alphalens.icDistribution.kurtosis,
            quantile_returns: full.alphalens.quantileReturns.map((q) => ({ horizon: q.horizon, mean_demeaned: q.mean, std_error: q.stdError })),
            interpretation: notes, run_id: store ? report.runId : null, cached: report.cached, trials: report.deflatedSharpe?.nTrials ?? null, html: html ?? null,
          });
          return;
        }
        process.stdout.write(`${tearSheetTitle(full)}\n`);
        const rows = tearSheetSummary(full);
        const w = Math.max(...rows.map(([k]) => k.length));
        for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(w)}  ${v}\n`);
        for (const l of notes) process.stdout.write(`* ${l}\n`);
        if (html) process.stdout.write(`tear sheet: ${html}\n`);
        if (!store) process.stdout.write('(not recorded in the trial store: --no-store)\n');
      } finally {
        if (store) store.db.close();
      }
    });
}
