/**
 * A strategy against buy-and-hold (vectorbt's `stats()` with a benchmark):
 * the equal-weight buy-and-hold of the strategy's universe over the same
 * bars, a side-by-side statistics table, and an equity chart with the
 * strategy's entries and exits marked. Pure.
 */
import type { Panel } from '../data/panel.js';
import { performanceStats, type PerformanceStats } from '../stats/index.js';
import type { Figure } from '../viz/figure.js';
import { toPlotArray } from '../viz/figure.js';
import type { BacktestResult } from './backtest.js';
import type { PortfolioResult } from './portfolio.js';

/**
 * Per-bar returns of an equal-weight buy-and-hold of every asset, rebalanced
 * to equal weights each bar (the mean close-to-close return of the assets
 * with both closes), for bars [start, end) of `panel`; the first bar's return
 * is against the previous close (0 when start = 0). Fractions, length end - start.
 */
export function buyAndHoldReturns(panel: Panel, start: number, end: number, priceField = 'close'): Float64Array {
  const p = panel.fields[priceField];
  if (!p) throw new Error(`buyAndHoldReturns: panel has no field "${priceField}"`);
  const N = panel.assets.length;
  const out = new Float64Array(end - start);
  for (let t = start; t < end; t++) {
    if (t === 0) continue;
    let s = 0;
    let n = 0;
    for (let a = 0; a < N; a++) {
      const r = p[t * N + a]! / p[(t - 1) * N + a]! - 1;
      if (Number.isFinite(r)) {
        s += r;
        n++;
      }
    }
    out[t - start] = n ? s / n : 0;
  }
  return out;
}

/** Rows `{ metric, strategy, buy_and_hold }` of the two return series' statistics (annualized with `annualization` bars/year). */
export function statsVersusBenchmark(strategy: ArrayLike<number>, benchmark: ArrayLike<number>, annualization: number): { metric: string; strategy: number; buy_and_hold: number }[] {
  const a = performanceStats(strategy, annualization);
  const b = performanceStats(benchmark, annualization);
  const keys: [keyof PerformanceStats, string][] = [
    ['totalReturn', 'total return'], ['annualReturn', 'annual return (CAGR)'], ['annualVolatility', 'annual volatility'], ['sharpe', `Sharpe (${annualization} bars/year)`],
    ['sortino', 'Sortino'], ['maxDrawdown', 'max drawdown'], ['calmar', 'Calmar'], ['hitRate', 'positive bars'], ['nBars', 'bars'],
  ];
  return keys.map(([k, label]) => ({ metric: label, strategy: a[k] as number, buy_and_hold: b[k] as number }));
}

/** Equity of the strategy (growth of 1) and of buy-and-hold, with entry (triangle up) and exit (triangle down) markers for signal backtests. */
export function equityVersusBenchmarkFigure(result: BacktestResult | PortfolioResult, benchmark: ArrayLike<number>, title = 'Strategy vs equal-weight buy-and-hold'): Figure {
  const x = Array.from(result.times);
  const growth = (r: ArrayLike<number>): number[] => {
    let v = 1;
    return Array.from(r, (z) => (v *= 1 + (Number.isFinite(z) ? z : 0)));
  };
  const eq = growth(result.returns);
  const data: Record<string, unknown>[] = [
    { type: 'scatter', mode: 'lines', name: 'strategy', x, y: toPlotArray(eq) },
    { type: 'scatter', mode: 'lines', name: 'buy and hold', x, y: toPlotArray(growth(benchmark)), line: { dash: 'dot', color: '#888' } },
  ];
  if ('trades' in result && result.trades.length) {
    const at = (time: number): number => eq[Math.max(0, x.indexOf(time))] ?? NaN;
    const entries = result.trades;
    const exits = result.trades.filter((t) => t.reason !== 'open');
    data.push({ type: 'scatter', mode: 'markers', name: `entries (${entries.length})`, x: entries.map((t) => t.entryTime), y: entries.map((t) => at(t.entryTime)), text: entries.map((t) => `${t.asset} ${t.side > 0 ? 'long' : 'short'}`), marker: { symbol: 'triangle-up', size: 8, color: '#2a2' } });
    data.push({ type: 'scatter', mode: 'markers', name: `exits (${exits.length})`, x: exits.map((t) => t.exitTime), y: exits.map((t) => at(t.exitTime)), text: exits.map((t) => `${t.asset} ${t.reason}`), marker: { symbol: 'triangle-down', size: 8, color: '#c22' } });
  }
  return { data, layout: { title: { text: title, x: 0, xref: 'paper', xanchor: 'left' }, height: 450, margin: { t: 60, r: 20, b: 40, l: 60 }, xaxis: { type: 'date' }, yaxis: { title: { text: 'growth of 1' } } } };
}
