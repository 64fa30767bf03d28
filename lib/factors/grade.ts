/**
 * Factor grade (AAA to E) and pass/fail with rejection reasons in words.
 * Pure functions; the thresholds are data so a caller can change any of them.
 */

/** Letter grades, best first. */
export const GRADES = ['AAA', 'AA', 'A', 'BBB', 'BB', 'B', 'C', 'D', 'E'] as const;

/** A letter grade from {@link GRADES}. */
export type Grade = (typeof GRADES)[number];

/**
 * The metrics a grade is built from. Sign conventions: `rankIc`, `icir`,
 * `spreadT` and `monotonicity` are judged by absolute value (a reliably
 * negative factor is as useful as a positive one, traded the other way);
 * `sharpe`, `sortino`, `calmar` are those of the long-short portfolio traded
 * in the factor's direction (the sign of its mean Rank IC).
 */
export interface GradeMetrics {
  /** Mean per-date Rank IC (Spearman). */
  rankIc: number;
  /** Rank ICIR: mean / std of the per-date Rank IC (not annualized). */
  icir: number;
  /** t-statistic of the top-minus-bottom quantile spread (mean / standard error; Newey-West when horizon > 1). */
  spreadT: number;
  /** Spearman correlation between bucket index and mean forward return of the bucket. */
  monotonicity: number;
  /** Mean of the top- and bottom-quantile turnover (fraction of names new per rebalance). */
  turnover: number;
  /** Annualized Sharpe of the directional long-short portfolio. */
  sharpe: number;
  /** Annualized Sortino of the directional long-short portfolio. */
  sortino: number;
  /** Calmar (annual return / max drawdown) of the directional long-short portfolio. */
  calmar: number;
  /** Two-sided p-value of mean Rank IC = 0. */
  pValue: number;
}

/**
 * One criterion: `pass` is the level a factor must reach, `strong` the level
 * that earns full points; `gate` makes a miss a rejection (pass = false) with
 * a reason. For `turnover` and `pValue` lower is better, so `pass` is a
 * maximum there.
 */
export interface Criterion {
  pass: number;
  strong: number;
  gate: boolean;
}

/**
 * Thresholds of every criterion, the points-to-grade cutoffs and the cap on
 * the grade of a rejected factor. Defaults ({@link DEFAULT_THRESHOLDS}):
 * |Rank IC| > 0.02 (strong 0.05), |ICIR| > 0.3 (0.6), |spread t| > 2 (3),
 * |monotonicity| > 0.6 (0.9), turnover < 0.8 (0.4), Sharpe > 0.5 (1.5),
 * Sortino > 0.7 (2), Calmar > 0.3 (1), p < 0.05 (0.01); gates: Rank IC, ICIR,
 * monotonicity, turnover, p-value (the defaults).
 */
export interface GradeThresholds {
  rankIc: Criterion;
  icir: Criterion;
  spreadT: Criterion;
  monotonicity: Criterion;
  turnover: Criterion;
  sharpe: Criterion;
  sortino: Criterion;
  calmar: Criterion;
  pValue: Criterion;
  /**
   * Minimum points for AAA, AA, A, BBB, BB, B, C, D (8 descending numbers);
   * fewer points give E. Each of the 9 criteria scores 0 (misses `pass`),
   * 1 (meets `pass`) or 2 (meets `strong`): 18 points at most.
   */
  cutoffs: readonly number[];
  /** Best grade a rejected factor (some gate missed) can get. Default 'BB' (below investment grade). */
  rejectedCap: Grade;
}

/** The default thresholds (see {@link GradeThresholds}). */
export const DEFAULT_THRESHOLDS: Readonly<GradeThresholds> = Object.freeze({
  rankIc: { pass: 0.02, strong: 0.05, gate: true },
  icir: { pass: 0.3, strong: 0.6, gate: true },
  spreadT: { pass: 2, strong: 3, gate: false },
  monotonicity: { pass: 0.6, strong: 0.9, gate: true },
  turnover: { pass: 0.8, strong: 0.4, gate: true },
  sharpe: { pass: 0.5, strong: 1.5, gate: false },
  sortino: { pass: 0.7, strong: 2, gate: false },
  calmar: { pass: 0.3, strong: 1, gate: false },
  pValue: { pass: 0.05, strong: 0.01, gate: true },
  cutoffs: [17, 15, 13, 11, 9, 7, 5, 3],
  rejectedCap: 'BB',
});

/** Result of {@link gradeFactor}. */
export interface GradeResult {
  grade: Grade;
  /** True when every gated criterion is met. */
  pass: boolean;
  /** One sentence per missed gate, e.g. "|Rank IC| 0.008 < 0.02", "turnover 0.91 > 0.8". */
  reasons: string[];
  /** Missed criteria that are not gates, same wording. */
  warnings: string[];
  /** Points per criterion (0, 1, 2) and their total. */
  points: Record<keyof GradeMetrics, number> & { total: number };
}

const LABEL: Record<keyof GradeMetrics, string> = {
  rankIc: '|Rank IC|',
  icir: '|ICIR|',
  spreadT: '|spread t|',
  monotonicity: '|monotonicity|',
  turnover: 'turnover',
  sharpe: 'Sharpe',
  sortino: 'Sortino',
  calmar: 'Calmar',
  pValue: 'p-value',
};
const ABS: ReadonlySet<keyof GradeMetrics> = new Set(['rankIc', 'icir', 'spreadT', 'monotonicity']);
const LOWER_BETTER: ReadonlySet<keyof GradeMetrics> = new Set(['turnover', 'pValue']);
const KEYS: readonly (keyof GradeMetrics)[] = ['rankIc', 'icir', 'spreadT', 'monotonicity', 'turnover', 'sharpe', 'sortino', 'calmar', 'pValue'];

/** Number in short form for reasons: 2 significant digits, no exponent for |x| >= 1e-6. */
export function fmtNum(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x !== 0 && Math.abs(x) < 1e-6) return x.toExponential(1);
  return String(Number(x.toPrecision(2)));
}

/** Merges partial thresholds (per criterion, field by field) over the defaults. */
export function resolveThresholds(t?: Partial<{ [K in keyof GradeThresholds]: K extends keyof GradeMetrics ? Partial<Criterion> : GradeThresholds[K] }>): GradeThresholds {
  const out = { ...DEFAULT_THRESHOLDS } as GradeThresholds;
  if (!t) return out;
  for (const k of KEYS) {
    const c = t[k];
    if (c) out[k] = { ...DEFAULT_THRESHOLDS[k], ...c };
  }
  if (t.cutoffs) {
    if (t.cutoffs.length !== 8) throw new RangeError(`thresholds.cutoffs must hold 8 numbers (AAA..D), got ${t.cutoffs.length}`);
    out.cutoffs = t.cutoffs;
  }
  if (t.rejectedCap) {
    if (!(GRADES as readonly string[]).includes(t.rejectedCap)) throw new RangeError(`thresholds.rejectedCap must be one of ${GRADES.join(', ')}, got ${t.rejectedCap}`);
    out.rejectedCap = t.rejectedCap;
  }
  return out;
}

/** Partial thresholds as accepted by {@link gradeFactor}: any criterion field or the cutoffs. */
export type PartialThresholds = Parameters<typeof resolveThresholds>[0];

/**
 * Grades a factor from its metrics. Each of the 9 criteria scores 0, 1 or 2
 * points (see {@link GradeThresholds}); the total maps to a grade by the
 * cutoffs; `pass` requires every gated criterion to be met, and a rejected
 * factor's grade is capped at `rejectedCap`. A NaN metric scores 0 and, when
 * gated, rejects with the reason "<metric> undefined". Comparisons are strict
 * (|Rank IC| must exceed 0.02; turnover must be below 0.8).
 */
export function gradeFactor(metrics: GradeMetrics, thresholds?: PartialThresholds): GradeResult {
  const th = resolveThresholds(thresholds);
  const reasons: string[] = [];
  const warnings: string[] = [];
  const points = { total: 0 } as Record<keyof GradeMetrics, number> & { total: number };
  for (const k of KEYS) {
    const c = th[k];
    const raw = metrics[k];
    const v = ABS.has(k) ? Math.abs(raw) : raw;
    let p = 0;
    let msg: string | undefined;
    if (Number.isNaN(v)) {
      msg = `${LABEL[k].replace(/\|/g, '')} undefined (NaN)`;
    } else if (LOWER_BETTER.has(k)) {
      if (v < c.strong) p = 2;
      else if (v < c.pass) p = 1;
      else msg = `${LABEL[k]} ${fmtNum(v)} >= ${fmtNum(c.pass)}`;
      if (msg && v > c.pass) msg = `${LABEL[k]} ${fmtNum(v)} > ${fmtNum(c.pass)}`;
    } else {
      if (v > c.strong) p = 2;
      else if (v > c.pass) p = 1;
      else msg = `${LABEL[k]} ${fmtNum(v)} ${v < c.pass ? '<' : '<='} ${fmtNum(c.pass)}`;
    }
    points[k] = p;
    points.total += p;
    if (msg) (c.gate ? reasons : warnings).push(msg);
  }
  const pass = reasons.length === 0;
  let gi = th.cutoffs.findIndex((cut) => points.total >= cut);
  if (gi < 0) gi = GRADES.length - 1;
  if (!pass) gi = Math.max(gi, GRADES.indexOf(th.rejectedCap));
  return { grade: GRADES[gi]!, pass, reasons, warnings, points };
}
