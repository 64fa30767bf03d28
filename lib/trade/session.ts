/**
 * Paper sessions on stored bars for the CLI and notebooks: resolve an exported
 * strategy's panel, replay it through the engine with the PaperBroker and a
 * journal, and compare with `backtestSignals` on the same range (parity).
 */
import { BUNDLED, loadBundledPanel, loadPanel, selectAssets, type BundledName, type Panel } from '../data/index.js';
import { backtestSignals, loadStrategy, type StrategyDocument } from '../backtest/index.js';
import type { RiskLimits } from '../risk/limits.js';
import { runReplay, type KillRequest, type ReplayOptions, type ReplayReport, type TradingEngine } from './engine.js';
import { Journal } from './journal.js';
import { compareTrades, type TradeParityReport } from './parity.js';
import { replayMarks, writeMarks } from './marks.js';
import { strategyMasks } from './strategy.js';

/**
 * The panel a strategy was exported on: a bundled sample or a catalog dataset
 * (by `dataset.name`), restricted to the strategy's assets in their order.
 * @throws Error when the strategy names no dataset or the dataset lacks an asset
 */
export async function strategyPanel(doc: StrategyDocument): Promise<Panel> {
  const name = doc.dataset.name;
  if (!name) throw new Error(`strategy "${doc.name}" names no dataset; replay it from code with runReplay({ panel, ... })`);
  const full = name in BUNDLED ? await loadBundledPanel(name as BundledName) : await loadPanel(name);
  const missing = doc.dataset.assets.filter((a) => !full.assets.includes(a));
  if (missing.length > 0) throw new Error(`strategy "${doc.name}": dataset "${name}" lacks ${missing.join(', ')}`);
  return selectAssets(full, doc.dataset.assets);
}

/**
 * Loads an exported strategy for trading, verified: the document is read and
 * checked (schema, hash, factors), its panel is loaded ({@link strategyPanel}),
 * and the strategy is re-run on that panel; every stored metric must be
 * reproduced, so an edited file or changed data is refused before any order.
 * @param dir strategy folder, or a name under the strategies folder
 * @returns the document and the panel it was verified on
 * @throws Error naming the file (from `loadStrategy`) when it is refused
 */
export async function loadTradableStrategy(dir: string): Promise<{ doc: StrategyDocument; panel: Panel }> {
  // The dataset named inside the document decides the panel, so the first read is unverified; the second verifies.
  const unverified = await loadStrategy(dir, { verify: false });
  const panel = await strategyPanel(unverified);
  const doc = await loadStrategy(dir, { panel });
  return { doc, panel };
}

/** Bar range [start, end) of `panel` between ISO dates (inclusive bounds by bar open time); defaults: the strategy's evaluation period. */
export function replayRange(doc: StrategyDocument, panel: Panel, from?: string, to?: string): { start: number; end: number } {
  const ms = (s: string, label: string) => {
    const x = Date.parse(s);
    if (!Number.isFinite(x)) throw new Error(`--${label}: not a date: ${s}`);
    return x;
  };
  const lo = ms(from ?? doc.dataset.periodStart, 'from'), hi = ms(to ?? doc.dataset.periodEnd, 'to');
  let start = -1, end = -1;
  for (let t = 0; t < panel.times.length; t++) {
    const x = panel.times[t]!;
    if (start < 0 && x >= lo) start = t;
    if (x <= hi) end = t + 1;
  }
  if (start < 0 || end <= start) throw new Error(`strategy "${doc.name}": no bars between ${new Date(lo).toISOString()} and ${new Date(hi).toISOString()} in dataset ${doc.dataset.name}`);
  return { start, end };
}

/** The one summary line of `alphalab trade paper --replay --json` (and more for notebooks). */
export interface PaperSummary {
  strategy: string;
  bars: number;
  /** Orders in the journal (all sessions). */
  orders: number;
  /** Trades: closed round trips plus open positions marked at the last close. */
  trades: number;
  /** Final equity - initial cash (the strategy's cash unit). */
  pnl: number;
  parity: { ok: boolean; differences: number };
  state: string;
  resumed: boolean;
  range: { from: string; to: string };
}

/** Options of {@link paperReplay}. */
export interface PaperReplayOptions {
  doc: StrategyDocument;
  panel?: Panel;
  /** Journal path (a DuckDB file; ':memory:' for throwaway runs). */
  db: string;
  from?: string;
  to?: string;
  limits?: RiskLimits;
  killSwitch?: () => KillRequest | null;
  onBar?: (t: number, equity: number, engine: TradingEngine) => void;
  /** Engine hook at each bar's open (`runReplay`'s `onBarOpen`, e.g. {@link forceExitHook} of requests.ts). */
  onBarOpen?: ReplayOptions['onBarOpen'];
}

/**
 * Replays an exported strategy on stored bars through the engine and the
 * PaperBroker, journaled in `db` (continuing a previous run of the same
 * journal), and checks parity with `backtestSignals` on the same range and settings.
 */
export async function paperReplay(o: PaperReplayOptions): Promise<{ summary: PaperSummary; report: ReplayReport; parity: TradeParityReport; panel: Panel }> {
  const doc = o.doc;
  if (doc.kind !== 'signals' || !doc.execution) throw new Error(`strategy "${doc.name}" is a "${doc.kind}" strategy; paper trading runs "signals" strategies (entry/exit rules)`);
  const panel = o.panel ?? (await strategyPanel(doc));
  const range = replayRange(doc, panel, o.from, o.to);
  const masks = strategyMasks(doc, panel);
  const execution = { ...doc.execution, ...range };
  const journal = await Journal.open(o.db);
  try {
    const report = await runReplay({ panel, signals: masks, execution, journal, name: doc.name, ...(o.limits ? { limits: o.limits } : {}), ...(o.killSwitch ? { killSwitch: o.killSwitch } : {}), ...(o.onBar ? { onBar: o.onBar } : {}), ...(o.onBarOpen ? { onBarOpen: o.onBarOpen } : {}) });
    // marks of the open positions for readers of the journal (the dashboard's unrealized PnL)
    await writeMarks(journal, replayMarks(report.trades, range.end - 1, panel.times[range.end - 1]!));
    const bt = backtestSignals(panel, masks, execution);
    const parity = compareTrades(report.trades, bt.trades);
    const counts = await journal.counts();
    const iso = (t: number) => new Date(panel.times[t]!).toISOString();
    const summary: PaperSummary = { strategy: doc.name, bars: range.end - range.start, orders: counts.orders, trades: report.trades.length, pnl: report.pnl, parity: { ok: parity.ok, differences: parity.differences }, state: report.state, resumed: report.resumedFrom !== null, range: { from: iso(range.start), to: iso(range.end - 1) } };
    return { summary, report, parity, panel };
  } finally {
    journal.close();
  }
}
