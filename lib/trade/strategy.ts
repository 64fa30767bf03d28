/**
 * Strategies as the engine sees them: per bar and asset, which of the four
 * signals (long entry / long exit / short entry / short exit) are on. A
 * signal row `t` is known at the close of bar `t` (the backtest's
 * convention); the engine reads row `t` no earlier than that.
 *
 * Sources: an exported strategy document (`loadStrategy` / `verifyStrategy`
 * from lib/backtest; its factors evaluated causally with lib/expr, its rules
 * compiled with `compileSignals`), precomputed masks (e.g. the ML engine's
 * signals), or a scored formula (buy above a score threshold, sell below).
 */
import type { Panel } from '../data/panel.js';
import { evaluate } from '../expr/index.js';
import { compileSignals, type SignalMasks, type StrategyDocument } from '../backtest/index.js';

/** Signal bits of {@link SignalSource.flags}. */
export const LONG_ENTRY = 1, LONG_EXIT = 2, SHORT_ENTRY = 4, SHORT_EXIT = 8;

/** Per-bar signals of a strategy. */
export interface SignalSource {
  readonly name: string;
  /** Bits {@link LONG_ENTRY} | {@link LONG_EXIT} | {@link SHORT_ENTRY} | {@link SHORT_EXIT} of asset `a` at signal row `t`. */
  flags(t: number, a: number): number;
}

/** A signal source over precomputed masks (nDates x nAssets, date-major). */
export function masksSource(name: string, masks: SignalMasks, nAssets: number): SignalSource {
  const { longEntry: le, longExit: lx, shortEntry: se, shortExit: sx } = masks;
  return {
    name,
    flags(t, a) {
      const j = t * nAssets + a;
      return (le !== null && le[j] === 1 ? LONG_ENTRY : 0) | (lx !== null && lx[j] === 1 ? LONG_EXIT : 0) | (se !== null && se[j] === 1 ? SHORT_ENTRY : 0) | (sx !== null && sx[j] === 1 ? SHORT_EXIT : 0);
    },
  };
}

/**
 * The signal masks of an exported "signals" strategy on a panel: every factor
 * expression evaluated with lib/expr over the whole panel (causal: row t uses
 * bars up to t; lib/expr's look-ahead tests prove it), then the rules compiled.
 * @throws Error when the document is not of kind "signals", or from evaluation
 */
export function strategyMasks(doc: Pick<StrategyDocument, 'name' | 'kind' | 'factors' | 'signal'>, panel: Panel): SignalMasks {
  if (doc.kind !== 'signals' || !doc.signal) throw new Error(`strategy "${doc.name}": the trading engine runs "signals" strategies; this one is "${doc.kind}"`);
  const factors: Record<string, Float64Array> = {};
  for (const [k, e] of Object.entries(doc.factors)) factors[k] = evaluate(e, panel);
  return compileSignals({ ...doc.signal, factors }, panel.times.length, panel.assets.length);
}

/**
 * Masks of a scored formula: long entry where `score > buy`, long exit where
 * `score < sell` (AlphaGPT's 0.85 / 0.45 on a score in [0, 1]); NaN scores
 * give no signal. Output nDates x nAssets like the score.
 * @throws RangeError when sell > buy
 */
export function scoreThresholdMasks(score: Float64Array, buy: number, sell: number): SignalMasks {
  if (!(sell <= buy)) throw new RangeError(`scoreThresholdMasks: sell threshold ${sell} must be <= buy threshold ${buy}`);
  const le = new Uint8Array(score.length), lx = new Uint8Array(score.length);
  for (let i = 0; i < score.length; i++) {
    const s = score[i]!;
    le[i] = s > buy ? 1 : 0;
    lx[i] = s < sell ? 1 : 0;
  }
  return { longEntry: le, longExit: lx, shortEntry: null, shortExit: null };
}
