/**
 * Look-ahead check (freqtrade's `lookahead-analysis` idea, applied to factor
 * values): compute a factor on the whole panel, then again on histories cut
 * at several bars; a value at bar t < cut that differs between the two used
 * data from after the cut, i.e. from its future. Any such value is reported.
 *
 * Works for expressions (lib/expr) and for custom factor code (any function
 * panel -> dates x assets values), which is where look-ahead usually hides.
 */
import { sliceDates, formatTime, type Panel } from '../data/panel.js';
import { checkShape } from './kernels.js';

/** A factor computation: panel -> dates x assets values (date-major, length T x N). */
export type FactorFunction = (panel: Panel) => Float64Array;

/** One value that changed when the history was cut. */
export interface LookaheadChange {
  /** Cut: the truncated history holds bars [0, cut). */
  cut: number;
  /** Bar index and time (formatted for the panel's frequency). */
  bar: number;
  time: string;
  asset: string;
  /** Value on the full history and on the truncated one. */
  full: number;
  truncated: number;
}

/** Result of {@link lookaheadCheck}. */
export interface LookaheadResult {
  /** True when no value changed at any cut. */
  ok: boolean;
  /** Bars where the history was cut. */
  cuts: number[];
  /** Values compared in all (bars before each cut x assets). */
  compared: number;
  /** Changed values in all. */
  changed: number;
  /** The first changes (at most `maxExamples`), earliest cut first. */
  examples: LookaheadChange[];
}

/**
 * Compares a factor's values on the full panel with its values on histories
 * truncated at `cuts` (default: 5 bars evenly spread over the second half of
 * the panel, so warm-up windows are filled). Values are equal when both are
 * NaN or they differ by at most `tolerance` x max(1, |full|) (default 1e-9:
 * summation order may differ on a shorter array).
 * @throws RangeError for a cut outside [2, T - 1] or values of the wrong length.
 */
export function lookaheadCheck(compute: FactorFunction, panel: Panel, opts: { cuts?: readonly number[]; tolerance?: number; maxExamples?: number } = {}): LookaheadResult {
  const T = panel.times.length;
  const N = panel.assets.length;
  const cuts = [...new Set(opts.cuts ?? Array.from({ length: 5 }, (_, i) => Math.floor(T / 2 + ((i + 1) * (T / 2)) / 6)))].sort((a, b) => a - b);
  for (const c of cuts) if (!Number.isInteger(c) || c < 2 || c > T - 1) throw new RangeError(`lookaheadCheck: cut ${c} outside [2, ${T - 1}]`);
  const tol = opts.tolerance ?? 1e-9;
  const maxEx = opts.maxExamples ?? 10;
  const full = compute(panel);
  checkShape('factor values (full history)', full, T, N);
  const examples: LookaheadChange[] = [];
  let compared = 0;
  let changed = 0;
  for (const cut of cuts) {
    const sub = sliceDates(panel, 0, cut);
    const part = compute(sub);
    checkShape(`factor values (history cut at bar ${cut})`, part, cut, N);
    for (let i = 0; i < cut * N; i++) {
      const a = full[i]!;
      const b = part[i]!;
      compared++;
      const same = (a !== a && b !== b) || a === b || Math.abs(a - b) <= tol * Math.max(1, Math.abs(a));
      if (same) continue;
      changed++;
      if (examples.length < maxEx) {
        const bar = Math.floor(i / N);
        examples.push({ cut, bar, time: formatTime(panel.times[bar]!, panel.frequency), asset: panel.assets[i % N]!, full: a, truncated: b });
      }
    }
  }
  return { ok: changed === 0, cuts, compared, changed, examples };
}
