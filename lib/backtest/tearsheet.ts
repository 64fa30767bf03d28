/**
 * Strategy tear-sheet figures (plotly specs, pure): equity / cumulative PnL,
 * drawdown, trade returns, signal decay and rolling-window Sharpe ratios.
 */
import { drawdownSeries } from '../stats/index.js';
import { barFigure, histogramFigure, lineFigure, type Figure } from '../viz/figure.js';
import type { BacktestResult } from './backtest.js';
import type { PortfolioResult } from './portfolio.js';

/** Either kind of simulation result. */
export type StrategyResult = BacktestResult | PortfolioResult;

/** True for a {@link PortfolioResult} (cross-sectional simulation). */
export function isPortfolioResult(r: StrategyResult): r is PortfolioResult {
  return 'cumPnl' in r;
}

/**
 * Tear-sheet figures of a simulation result: equity curve (signal backtests,
 * compounded) or cumulative PnL as a fraction of the book (portfolio),
 * drawdown, trade-return histogram and decay by holding period (signal
 * backtests), and, when given, train vs test Sharpe per rolling window.
 */
export function strategyFigures(result: StrategyResult, opts: { title?: string; rolling?: { train: number[]; test: number[] } } = {}): Figure[] {
  const figs: Figure[] = [];
  const name = opts.title ? `${opts.title}: ` : '';
  if (isPortfolioResult(result)) {
    const book = result.settings.bookSize;
    const cum = Float64Array.from(result.cumPnl, (x) => x / book);
    figs.push(lineFigure(result.times, { 'cumulative PnL / book': cum }, { title: `${name}cumulative PnL (fraction of book)` }));
    let peak = 0;
    const dd = Float64Array.from(cum, (x) => {
      if (x > peak) peak = x;
      return x - peak;
    });
    figs.push(lineFigure(result.times, { drawdown: dd }, { title: 'drawdown (fraction of book, additive)', height: 300 }));
    figs.push(lineFigure(result.times, { turnover: result.turnover }, { title: 'turnover per bar', height: 300 }));
  } else {
    const init = result.settings.initialCash;
    figs.push(lineFigure(result.times, { equity: Float64Array.from(result.equity, (x) => x / init) }, { title: `${name}equity (initial = 1)` }));
    figs.push(lineFigure(result.times, { drawdown: drawdownSeries(result.returns) }, { title: 'drawdown', height: 300 }));
    const closed = result.trades.filter((t) => t.reason !== 'open');
    if (closed.length > 0) figs.push(histogramFigure(closed.map((t) => t.return), { title: `trade returns (${closed.length} closed trades)`, bins: 50, xTitle: 'return per trade' }));
    figs.push(barFigure(result.decay.map((d) => `${d.horizon}`), result.decay.map((d) => d.meanReturn), { title: 'signal decay: mean signed forward return by holding period (bars)', height: 320 }));
  }
  if (opts.rolling && opts.rolling.train.length > 0) {
    const cats = opts.rolling.train.map((_, i) => `w${i + 1}`);
    figs.push(barFigure(cats, { train: opts.rolling.train, test: opts.rolling.test }, { title: 'rolling windows: Sharpe train vs test', height: 320 }));
  }
  return figs;
}
