/**
 * AlphaGPT's portfolio manager on the trading engine: a scored-formula
 * strategy (a score per bar and asset in [0, 1], e.g. the sigmoid of a mined
 * formula's value: {@link sigmoidScore}) traded under the portfolio rules of
 * lib/risk/rules.ts (validated by `resolvePortfolioRules`), through the same
 * engine path as every other order (pre-trade risk checks, journaled intent,
 * deterministic client order id, broker, fills read back, journal).
 *
 * At the close of each bar t (the rules are written for observed prices; the
 * close of t is the price observed when the score row t is known; orders
 * fill at that close through the PaperBroker's close phase, the backtest's
 * `fill: 'close'` convention):
 * 1. exits, for each held position in asset order: `ruleExit` at the close and
 *    score of t -> a reduce-only market sell of `fraction` of the quantity
 *    held (all of it for fraction 1), tag `rule:<reason>` (stop_loss,
 *    take_profit_1, trailing_stop, moonbag, score_exit);
 * 2. entries: `selectEntries` over the assets with score > buyThreshold and
 *    liquidity >= minLiquidity, not held, best score first, while fewer than
 *    maxOpenPositions are held -> a market buy of `entryAmount` quote, tag `entry`.
 * Long only (AlphaGPT buys tokens). Liquidity defaults to the bar's quote
 * volume (close x volume of bar t; NaN without volume, which fails a positive
 * `minLiquidity`). Partial sales are trade rows of their own (see the engine).
 *
 * Rule state (peak, take profit done, moonbag done) lives in memory: a
 * journal that already has an account is refused (no crash resume for rule
 * replays in this version; use a new journal).
 */
import type { Panel } from '../data/panel.js';
import { evaluate } from '../expr/index.js';
import { marketArrays } from '../backtest/index.js';
import { NO_LIMITS, type RiskLimits, type TradingState } from '../risk/limits.js';
import { openRuleState, resolvePortfolioRules, ruleExit, selectEntries, type PortfolioRules, type RuleState } from '../risk/rules.js';
import { TradingEngine, type EngineSettings } from './engine.js';
import type { Journal, JournalTrade } from './journal.js';
import { PaperBroker, type BarSlice, type PaperCosts } from './paper.js';

/**
 * AlphaGPT's score of a formula: the logistic sigmoid 1 / (1 + e^-x) of the
 * formula's value at each bar and asset (dates x assets, NaN kept), so the
 * 0.85 / 0.45 thresholds apply to any formula's scale.
 */
export function sigmoidScore(expression: string, panel: Panel): Float64Array {
  const v = evaluate(expression, panel);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = 1 / (1 + Math.exp(-v[i]!));
  return out;
}

/** Options of {@link runRulesReplay}. */
export interface RulesReplayOptions {
  panel: Panel;
  /** Score in [0, 1], nDates x nAssets (row t known at the close of t). */
  score: Float64Array;
  /** Liquidity per bar and asset in the unit of `minLiquidity` (default: close x volume of the bar). */
  liquidity?: Float64Array;
  /** Portfolio rules (AlphaGPT defaults for missing keys; unknown keys or bad values throw). */
  rules?: Partial<PortfolioRules>;
  journal: Journal;
  costs?: PaperCosts;
  initialCash?: number;
  limits?: RiskLimits;
  name?: string;
  /** Bar range [start, end) (default: the whole panel). */
  start?: number;
  end?: number;
}

/** Outcome of {@link runRulesReplay}. */
export interface RulesReplayReport {
  rules: PortfolioRules;
  /** Closed trades (partial sales included) plus open positions marked at the last close. */
  trades: JournalTrade[];
  equity: Float64Array;
  finalEquity: number;
  ordersSent: number;
  ordersDenied: number;
  state: TradingState;
}

const REASON_CODE: Record<string, string> = { stop_loss: 's', take_profit_1: 't', trailing_stop: 'r', moonbag: 'm', score_exit: 'x' };

/**
 * Replays stored bars through the engine with a PaperBroker under the
 * portfolio rules (see the module header).
 * @throws RangeError for bad rules, a score of the wrong length or a bad range; Error for a journal with state
 */
export async function runRulesReplay(o: RulesReplayOptions): Promise<RulesReplayReport> {
  const rules = resolvePortfolioRules(o.rules);
  const panel = o.panel;
  const m = marketArrays(panel, false);
  const T = m.T, N = m.N;
  if (o.score.length !== T * N) throw new RangeError(`rules replay: score has ${o.score.length} values, the panel ${T} x ${N}`);
  const start = o.start ?? 0, end = o.end ?? T;
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end <= T && start < end)) throw new RangeError(`rules replay: range [${start}, ${end}) is not inside [0, ${T}]`);
  let liquidity = o.liquidity;
  if (liquidity === undefined) {
    liquidity = new Float64Array(T * N);
    for (let i = 0; i < T * N; i++) liquidity[i] = m.volume ? m.close[i]! * m.volume[i]! : NaN;
  } else if (liquidity.length !== T * N) throw new RangeError(`rules replay: liquidity has ${liquidity.length} values, the panel ${T} x ${N}`);

  const j = o.journal;
  if ((await j.account()) !== null) throw new Error(`journal ${j.db.path} already has a session: a rules replay starts on a new journal (rule state is not resumed in this version)`);
  const runTag = Math.random().toString(36).slice(2, 10);
  const name = o.name ?? 'rules';
  await j.setMeta({ run_tag: runTag, strategy: name, venue: 'paper', mode: 'rules', rules: JSON.stringify(rules) });
  const initialCash = o.initialCash ?? 10_000;
  const paper = new PaperBroker(panel.assets, o.costs ?? { feeBps: 0, slippageBps: 0, impact: 0 }, initialCash, j);
  const times = new Map<number, number>();
  panel.times.forEach((x, i) => times.set(x, i));
  const settings: EngineSettings = { fill: 'close', sizing: { kind: 'fixedFraction', fraction: 1 }, stops: { stopLoss: NaN, takeProfit: NaN, trailingStop: NaN }, maxOpenPositions: rules.maxOpenPositions, initialCash, limits: o.limits ?? NO_LIMITS, runTag };
  const engine = new TradingEngine(paper, j, panel.assets, settings, (x) => times.get(x) ?? -1);
  const states: Array<RuleState | null> = panel.assets.map(() => null);
  const equity = new Float64Array(end - start);
  let eq = initialCash;

  for (let t = start; t < end; t++) {
    const r = t * N, e = r + N;
    const b: BarSlice = { index: t, time: panel.times[t]!, open: m.open.subarray(r, e), high: m.high.subarray(r, e), low: m.low.subarray(r, e), close: m.close.subarray(r, e), volume: m.volume ? m.volume.subarray(r, e) : null, funding: null };
    engine.at(t, 'open', b.time);
    paper.beginBar(b);
    engine.at(t, 'settle', b.time);
    paper.settleBar();
    await engine.sync();
    engine.at(t, 'close', b.time);
    paper.closeBar();
    const id = (code: string, a: number) => `${runTag}-${t}-${code}${a}`;
    // 1. exits by the rules
    for (let a = 0; a < N; a++) {
      const p = engine.positions[a];
      if (!p) {
        states[a] = null;
        continue;
      }
      const px = b.close[a]!;
      if (px !== px) continue;
      const st = (states[a] ??= openRuleState(p.entryPrice));
      const act = ruleExit(st, px, o.score[r + a]!, rules);
      if (act.fraction <= 0) continue;
      const q = act.fraction >= 1 ? Math.abs(p.qty) : Math.abs(p.qty) * act.fraction;
      await engine.send({ clientOrderId: id(`r${REASON_CODE[act.reason]}`, a), symbol: panel.assets[a]!, side: 'sell', type: 'market', quantity: q, reduceOnly: true, tag: `rule:${act.reason}` }, t, { reducing: true, notional: q * px, positionNotionalAfter: (Math.abs(p.qty) - q) * px });
      if (!engine.positions[a]) states[a] = null;
    }
    // 2. entries
    const held = panel.assets.filter((_, a) => engine.positions[a] !== null);
    const candidates = panel.assets.map((symbol, a) => ({ symbol, score: o.score[r + a]!, liquidity: liquidity![r + a]!, a })).filter((c) => c.score === c.score && b.close[c.a]! === b.close[c.a]!);
    for (const c of selectEntries(candidates, held, rules)) {
      const a = panel.assets.indexOf(c.symbol);
      await engine.send({ clientOrderId: id('ce', a), symbol: c.symbol, side: 'buy', type: 'market', notional: rules.entryAmount, tag: 'entry' }, t, { reducing: false, notional: rules.entryAmount, positionNotionalAfter: rules.entryAmount });
      const p = engine.positions[a];
      if (p) states[a] = openRuleState(p.entryPrice);
    }
    eq = await engine.mark(b.close);
    equity[t - start] = eq;
  }
  return { rules, trades: [...engine.trades, ...engine.openTrades(end - 1)], equity, finalEquity: eq, ordersSent: engine.ordersSent, ordersDenied: engine.ordersDenied, state: engine.state };
}
