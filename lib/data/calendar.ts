/**
 * Calendars and annualization inferred from the data: which {@link Frequency} a
 * bar spacing is, and how many bars a year the data actually holds (about 244
 * sessions for China A-shares, 252 for US equities, 8,760 hourly bars for 24/7
 * crypto), with a warning when a given annualization disagrees.
 */
import { barsPerYear, FREQUENCY_MS, type Frequency } from './panel.js';

const DAY_MS = 86_400_000;
/** Mean Gregorian year in days (365.2425). */
const YEAR_DAYS = 365.2425;

/** The {@link Frequency} whose bar length is exactly `ms`, or undefined. */
export function frequencyOfSpacing(ms: number): Frequency | undefined {
  for (const [f, v] of Object.entries(FREQUENCY_MS)) if (v === ms) return f as Frequency;
  return undefined;
}

/** Bars per year inferred by {@link inferBarsPerYear}. */
export interface InferredAnnualization {
  /** Bars per year to annualize with (Sharpe x sqrt(barsPerYear), mean x barsPerYear). */
  readonly barsPerYear: number;
  /**
   * 'sessions': equity, counted from the data (sessions per year x bars per session);
   * 'calendar': crypto trades 24/7, so calendar bars per year (365 days, as `barsPerYear` of panel.ts).
   */
  readonly method: 'sessions' | 'calendar';
  /** Distinct UTC dates with at least one bar. */
  readonly sessions: number;
  /** Years spanned from the first to the last session date (mean Gregorian year). */
  readonly years: number;
}

/**
 * Bars per year inferred from bar open times (epoch ms UTC, strictly increasing:
 * a panel's `times`, the union calendar of all assets).
 * Equity: sessions per year = (sessions - 1) / years spanned between the first and
 * the last session date, times the mean bars per session (1 for daily bars): a
 * 244-session-a-year calendar gives about 244, a NYSE calendar about 252.
 * Crypto: calendar bars (365 x bars per day), whatever the data's gaps (a missing
 * crypto bar is missing data, not a closed market).
 * Whole years give the best estimate: a span of a few months is biased by holidays.
 * @throws Error when fewer than two bar times are given (equity) or the span is under one day.
 */
export function inferBarsPerYear(times: Float64Array, frequency: Frequency, market: 'equity' | 'crypto'): InferredAnnualization {
  const dates = new Set<number>();
  for (const t of times) dates.add(Math.floor(t / DAY_MS));
  const sorted = [...dates].sort((a, b) => a - b);
  const sessions = sorted.length;
  const years = sessions ? (sorted[sessions - 1]! - sorted[0]!) / YEAR_DAYS : 0;
  if (market === 'crypto') return { barsPerYear: (365 * DAY_MS) / FREQUENCY_MS[frequency], method: 'calendar', sessions, years };
  if (sessions < 2 || years <= 0) throw new Error(`inferBarsPerYear: ${times.length} bar time(s) on ${sessions} date(s): need bars on at least two dates`);
  const perSession = times.length / sessions;
  return { barsPerYear: ((sessions - 1) / years) * perSession, method: 'sessions', sessions, years };
}

/**
 * A warning text when `given` bars per year differs from `inferred` by more than
 * `tolerance` (a fraction, default 0.05 = 5 %) of the inferred value; undefined otherwise.
 * Sharpe scales with sqrt(barsPerYear), so 252 for a 244-session market overstates it by 1.6 %.
 */
export function annualizationWarning(given: number, inferred: number, tolerance = 0.05): string | undefined {
  const rel = Math.abs(given - inferred) / inferred;
  if (!(rel > tolerance)) return undefined;
  return `annualization ${given} bars/year differs from the ${inferred.toFixed(1)} inferred from the data by ${(100 * rel).toFixed(1)} % (> ${(100 * tolerance).toFixed(0)} %); pass the inferred value`;
}

/**
 * The default bars per year of `barsPerYear(frequency, market)` checked against
 * the data: the inferred value and a warning when they differ by more than 5 %.
 */
export function checkAnnualization(times: Float64Array, frequency: Frequency, market: 'equity' | 'crypto', given?: number): { inferred: InferredAnnualization; given: number | undefined; warning: string | undefined } {
  const inferred = inferBarsPerYear(times, frequency, market);
  let g = given;
  if (g === undefined) {
    try {
      g = barsPerYear(frequency, market);
    } catch {
      g = undefined; // intraday equity has no default
    }
  }
  return { inferred, given: g, warning: g === undefined ? undefined : annualizationWarning(g, inferred.barsPerYear) };
}
