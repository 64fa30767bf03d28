/**
 * Calendars and annualization inferred from the data: which {@link Frequency} a
 * bar spacing is, and how many bars a year the data actually holds (about 244
 * sessions for China A-shares, 252 for US equities, 8,760 hourly bars for 24/7
 * crypto), with a warning when a given annualization disagrees.
 *
 * Floor of lib/data: panel.ts imports this file, never the reverse, so the
 * frequency table and the annualization conventions live here.
 */
/** Bar frequency of a dataset, as a pandas/freqtrade-style string. */
export type Frequency = '1m' | '5m' | '15m' | '1h' | '4h' | '1d';

/** Milliseconds per bar for each frequency (calendar time; '1d' is one calendar day). */
export const FREQUENCY_MS: Readonly<Record<Frequency, number>> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
};

/**
 * Bars per year used to annualize returns and Sharpe ratios.
 * Equities daily: 252 trading days. Crypto trades 24/7, so intraday crypto
 * frequencies use calendar bars per year (365 days).
 */
export function barsPerYear(frequency: Frequency, market: 'equity' | 'crypto' = frequency === '1d' ? 'equity' : 'crypto'): number {
  if (market === 'equity') {
    if (frequency !== '1d') throw new Error(`barsPerYear: intraday equity frequency ${frequency} needs session hours; not supported`);
    return 252;
  }
  return (365 * 86_400_000) / FREQUENCY_MS[frequency];
}

/**
 * Bars per calendar day of a frequency: 1 for daily bars, 24 for 1h, 288 for
 * 5m (24/7 markets). For equities only daily bars are supported (1), as in
 * {@link barsPerYear}. Used to express turnover per day whatever the
 * annualization (e.g. 244 trading days a year still has 1 daily bar per day).
 * @throws Error for intraday equity frequencies (session hours unknown).
 */
export function barsPerDay(frequency: Frequency, market: 'equity' | 'crypto' = frequency === '1d' ? 'equity' : 'crypto'): number {
  if (market === 'equity' && frequency !== '1d') throw new Error(`barsPerDay: intraday equity frequency ${frequency} needs session hours; not supported`);
  return 86_400_000 / FREQUENCY_MS[frequency];
}

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

/** Shortest span (years between the first and last session) from which equity bars per year are inferred; shorter panels use the convention. */
export const MIN_INFER_YEARS = 1;

/** The part of a panel the annualization depends on (a structural subset of `Panel`). */
export interface CalendarLike {
  readonly times: Float64Array;
  readonly frequency: Frequency;
  readonly market: 'equity' | 'crypto';
  /** The panel's declared bars per year (set by a loader from the catalog, or by the user). */
  readonly barsPerYear?: number;
}

/** Bars per year of a panel's calendar and where the figure comes from. */
export interface PanelAnnualization {
  /** Bars per year to annualize with. */
  readonly barsPerYear: number;
  /**
   * 'panel': the panel's own `barsPerYear` (from the catalog or set by the user);
   * 'inferred': {@link inferBarsPerYear} on the panel's times, rounded to 0.1 bar
   * (equity spanning at least {@link MIN_INFER_YEARS} year; crypto: calendar bars);
   * 'convention': {@link barsPerYear} (252 daily equity) because the span is too short to infer.
   */
  readonly source: 'panel' | 'inferred' | 'convention';
}

const inferredCache = new WeakMap<Float64Array, PanelAnnualization>();

/**
 * Bars per year of a panel: its declared `barsPerYear`, else inferred from its
 * bar times (see {@link PanelAnnualization.source}), else the convention.
 * A 244-session-a-year A-share panel gives about 244; the bundled S&P 500 sample 251.8.
 * Cached per `times` array (O(nDates) once).
 * @throws Error for an intraday equity panel too short to infer (no convention exists).
 */
export function panelAnnualization(panel: CalendarLike): PanelAnnualization {
  if (panel.barsPerYear !== undefined) {
    if (!(panel.barsPerYear > 0)) throw new RangeError(`panel.barsPerYear must be > 0, got ${panel.barsPerYear}`);
    return { barsPerYear: panel.barsPerYear, source: 'panel' };
  }
  const hit = inferredCache.get(panel.times);
  if (hit) return hit;
  let out: PanelAnnualization;
  const first = panel.times[0], last = panel.times[panel.times.length - 1];
  const spanYears = first === undefined || last === undefined ? 0 : (Math.floor(last / DAY_MS) - Math.floor(first / DAY_MS)) / YEAR_DAYS;
  if (panel.market === 'crypto' || spanYears >= MIN_INFER_YEARS) {
    const inferred = inferBarsPerYear(panel.times, panel.frequency, panel.market).barsPerYear;
    out = { barsPerYear: Math.round(inferred * 10) / 10, source: 'inferred' };
  } else {
    out = { barsPerYear: barsPerYear(panel.frequency, panel.market), source: 'convention' };
  }
  inferredCache.set(panel.times, out);
  return out;
}

/** Bars per year of a panel ({@link panelAnnualization}'s figure). */
export function panelBarsPerYear(panel: CalendarLike): number {
  return panelAnnualization(panel).barsPerYear;
}

/** An annualization setting resolved against the panel's calendar. */
export interface ResolvedAnnualization {
  /** Bars per year to use: the setting when given, else the panel's. */
  readonly barsPerYear: number;
  /** 'setting' when the user gave it, else the panel's source. */
  readonly source: 'setting' | PanelAnnualization['source'];
  /** The panel's bars per year ({@link panelAnnualization}). */
  readonly calendar: number;
  /** Set when a given setting differs from the panel's figure by more than 5 % (also emitted once as a process warning). */
  readonly warning?: string;
}

const warned = new Set<string>();

/**
 * The bars per year an entry point annualizes with: `given` (a user setting)
 * or the panel's ({@link panelAnnualization}). When `given` differs from the
 * panel's figure by more than 5 % a warning names both; it is returned and
 * emitted once per distinct text as a Node process warning of type
 * 'AnnualizationWarning' (stderr), so a loop over many candidates warns once.
 * @param where the setting's name for the message, e.g. 'PortfolioSettings.annualization'
 * @throws RangeError when `given` is not a positive number.
 */
export function resolveAnnualization(panel: CalendarLike, given: number | undefined, where = 'annualization'): ResolvedAnnualization {
  const cal = panelAnnualization(panel);
  if (given === undefined) return { barsPerYear: cal.barsPerYear, source: cal.source, calendar: cal.barsPerYear };
  if (!(given > 0)) throw new RangeError(`${where} must be > 0, got ${given}`);
  const w = annualizationWarning(given, cal.barsPerYear);
  const warning = w === undefined ? undefined : `${where}: ${w.replace('inferred from the data', cal.source === 'inferred' ? 'inferred from the data' : cal.source === 'panel' ? "of the panel's calendar" : 'of the convention')}`;
  if (warning && !warned.has(warning)) {
    warned.add(warning);
    process.emitWarning(warning, 'AnnualizationWarning');
  }
  return { barsPerYear: given, source: 'setting', calendar: cal.barsPerYear, ...(warning ? { warning } : {}) };
}

/**
 * The panel with its calendar declared as `given` bars per year (a user's
 * `--annualization`), so that every entry point downstream (factor validation,
 * portfolio and bar simulators, screen, walk-forward, mining) annualizes with it.
 * Warns as {@link resolveAnnualization} when `given` is more than 5 % off the
 * figure inferred from the panel. `given` undefined: the panel unchanged.
 * @throws RangeError when `given` is not a positive number.
 */
export function withAnnualization<P extends CalendarLike>(panel: P, given: number | undefined, where = 'annualization'): P {
  if (given === undefined) return panel;
  const { barsPerYear: _declared, ...rest } = panel;
  resolveAnnualization(rest as CalendarLike, given, where);
  return { ...panel, barsPerYear: given };
}
