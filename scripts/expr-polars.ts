/**
 * The nodejs-polars side of `npm run bench:expr -- --vs-pandas`: the
 * engine's formulas (canonical ASTs) written as polars expressions over a
 * long frame (one row per asset and date, sorted by asset then date):
 * time-series operators are rolling expressions `.over('sym')`,
 * cross-sectional ones aggregate `.over('date')`. NaN becomes null on
 * loading (polars' missing value), so nulls propagate as the engine's NaN do.
 *
 * What polars (nodejs-polars 0.24) cannot express without a per-row
 * callback is reported as unsupported: `ts_rank`, `ts_argmax`/`ts_argmin`,
 * `ts_product`; `ts_corr`/`ts_cov` are written from rolling means (no
 * rolling correlation in the Node binding), `decay_linear` as a sum of
 * shifted terms (weighted rolling sums do not accept nulls).
 *
 * Benchmark helper only, not part of lib/.
 * @module
 */
import pl from 'nodejs-polars';
import type { Expr as PlExpr, DataFrame } from 'nodejs-polars';
import type { Expr } from '../lib/expr/index.js';
import type { Panel } from '../lib/data/panel.js';

/** Thrown for an operator polars cannot express as a vectorized expression. */
export class PolarsUnsupported extends Error {}

type V = PlExpr | number;

const lit = (v: V): PlExpr => (typeof v === 'number' ? pl.lit(v) : v);
const ex = (v: V): PlExpr => (typeof v === 'number' ? pl.lit(v) : v);
const bySym = (e: PlExpr): PlExpr => e.over('sym');
const byDate = (e: PlExpr): PlExpr => e.over('date');
/** Null where the value is not finite (the engine's invariant). */
const finite = (e: PlExpr): PlExpr => pl.when(e.isFinite()).then(e).otherwise(pl.lit(null));
const flag = (c: PlExpr): PlExpr => c.cast(pl.Float64);

function rollMean(x: PlExpr, d: number): PlExpr {
  return bySym(x.rollingMean({ windowSize: d }));
}

/** Rolling covariance from rolling means (population), times d / (d - 1) when `sample`. */
function rollCov(x: PlExpr, y: PlExpr, d: number, sample: boolean): PlExpr {
  const c = rollMean(x.mul(y), d).minus(rollMean(x, d).mul(rollMean(y, d)));
  return sample ? c.mul(d / (d - 1)) : c;
}

/**
 * The plan of `e` as polars steps: each distinct subexpression becomes one
 * intermediate column (`withColumns`, in dependency order), as a polars user
 * would write it; nesting the expressions instead repeats shared
 * subexpressions (each `rank` uses its input four times), which polars does
 * not deduplicate inside window expressions and which grows exponentially
 * with depth. Returns the steps and the final column (or a constant).
 * @throws PolarsUnsupported for an operator polars cannot express.
 */
export function polarsPlan(e: Expr, fields: readonly string[]): { steps: [string, PlExpr][]; result: V } {
  const steps: [string, PlExpr][] = [];
  const memo = new Map<string, V>();
  const visit = (x: Expr): V => {
    if (x.type === 'number') return x.value;
    if (x.type === 'field' && fields.includes(x.name)) return pl.col(x.name);
    const key = JSON.stringify(x, ['type', 'op', 'args', 'name', 'value']);
    const known = memo.get(key);
    if (known !== undefined) return known;
    const v = polarsStep(x, fields, visit);
    if (typeof v === 'number') { memo.set(key, v); return v; }
    const name = `_n${steps.length}`;
    steps.push([name, v]);
    const c = pl.col(name);
    memo.set(key, c);
    return c;
  };
  return { steps, result: visit(e) };
}

/** One node as a polars expression over its children's columns (or numbers). */
function polarsStep(e: Expr, fields: readonly string[], visit: (x: Expr) => V): V {
  if (e.type === 'number') return e.value;
  if (e.type === 'field') {
    if (fields.includes(e.name)) return pl.col(e.name);
    if (e.name === 'returns') return finite(pl.col('close').div(bySym(pl.col('close').shift(1))).minus(1));
    if (e.name === 'vwap') return pl.col('high').plus(pl.col('low')).plus(pl.col('close')).div(3);
    const m = /^adv(\d+)$/.exec(e.name);
    if (m) return rollMean(pl.col('volume'), Number(m[1]));
    throw new PolarsUnsupported(`field ${e.name}`);
  }
  const a = e.args.map(visit);
  const x = (): PlExpr => ex(a[0]!);
  const y = (): PlExpr => ex(a[1]!);
  const d = (k: number): number => a[k] as number;
  switch (e.op) {
    case 'add': return x().plus(a[1]!);
    case 'sub': return x().minus(a[1]!);
    case 'mul': return x().mul(a[1]!);
    case 'div': return finite(x().div(a[1]!));
    case 'pow':
      if (typeof a[1] !== 'number') throw new PolarsUnsupported('pow with a series exponent');
      return finite(x().pow(a[1]));
    case 'signed_power':
      if (typeof a[1] !== 'number') throw new PolarsUnsupported('signed_power with a series exponent');
      return finite(sign(x()).mul(x().abs().pow(a[1])));
    case 'neg': return x().mul(-1);
    case 'abs': return x().abs();
    case 'log': return finite(pl.when(x().gt(0)).then(x().log()).otherwise(pl.lit(null)));
    case 'sqrt': return finite(x().pow(0.5));
    case 'exp': return finite(x().exp());
    case 'sign': return sign(x());
    case 'lt': return flag(x().lt(lit(a[1]!)));
    case 'le': return flag(x().ltEq(lit(a[1]!)));
    case 'gt': return flag(x().gt(lit(a[1]!)));
    case 'ge': return flag(x().gtEq(lit(a[1]!)));
    case 'eq': return flag(x().eq(lit(a[1]!)));
    case 'ne': return flag(x().neq(lit(a[1]!)));
    case 'and': return flag(x().neq(0).and(y().neq(0)));
    case 'or': return flag(x().neq(0).or(y().neq(0)));
    case 'min': return pl.minHorizontal([x(), y()]);
    case 'max': return pl.maxHorizontal([x(), y()]);
    case 'if_else': return pl.when(x().isNull()).then(pl.lit(null)).when(x().neq(0)).then(ex(a[1]!)).otherwise(ex(a[2]!));
    case 'rank': {
      const r = byDate(x().rank('average'));
      const n = byDate(x().count()).cast(pl.Float64);
      return pl.when(x().isNull()).then(pl.lit(null)).when(n.eq(1)).then(pl.lit(0.5)).otherwise(r.minus(1).div(n.minus(1)));
    }
    case 'scale': return finite(x().mul(a[1]!).div(byDate(x().abs().sum())));
    case 'zscore': return finite(x().minus(byDate(x().mean())).div(byDate(x().std())));
    case 'delay': return bySym(x().shift(d(1)));
    case 'delta': return x().minus(bySym(x().shift(d(1))));
    case 'ts_sum': return bySym(x().rollingSum({ windowSize: d(1) }));
    case 'ts_mean': return rollMean(x(), d(1));
    case 'ts_std': return bySym(x().rollingStd({ windowSize: d(1) }));
    case 'ts_min': return bySym(x().rollingMin({ windowSize: d(1) }));
    case 'ts_max': return bySym(x().rollingMax({ windowSize: d(1) }));
    case 'decay_linear': {
      const w = d(1);
      let acc = x().mul(w);
      for (let i = 1; i < w; i++) acc = acc.plus(bySym(x().shift(i)).mul(w - i));
      return acc.div((w * (w + 1)) / 2);
    }
    case 'ts_cov': return rollCov(x(), y(), d(2), true);
    case 'ts_corr': {
      const w = d(2);
      // population variances from rolling means, like the covariance (the binding's rollingVar ignores ddof)
      const vx = rollCov(x(), x(), w, false), vy = rollCov(y(), y(), w, false);
      return finite(rollCov(x(), y(), w, false).div(vx.mul(vy).pow(0.5)));
    }
    default: throw new PolarsUnsupported(e.op);
  }
}

function sign(x: PlExpr): PlExpr {
  return pl.when(x.gt(0)).then(pl.lit(1.0)).when(x.lt(0)).then(pl.lit(-1.0)).when(x.isNull()).then(pl.lit(null)).otherwise(pl.lit(0.0));
}

/** The panel's fields as a long frame (sym, date, fields...), sorted by asset then date; NaN -> null. */
export function longFrame(panel: Panel, fields: readonly string[]): DataFrame {
  const T = panel.times.length, N = panel.assets.length;
  const sym = new Int32Array(T * N), date = new Int32Array(T * N);
  const cols: Record<string, unknown> = { sym, date };
  for (let a = 0; a < N; a++) for (let t = 0; t < T; t++) { sym[a * T + t] = a; date[a * T + t] = t; }
  for (const f of fields) {
    const src = panel.fields[f]!, out = new Float64Array(T * N);
    for (let a = 0; a < N; a++) for (let t = 0; t < T; t++) out[a * T + t] = src[t * N + a]!;
    cols[f] = out;
  }
  return pl.DataFrame(cols).withColumns(...fields.map((f) => pl.col(f).fillNan(null)));
}

/** A result column of the long frame back in the engine's date-major layout (null -> NaN). */
export function toDateMajor(df: DataFrame, name: string, T: number, N: number): Float64Array {
  const v = df.getColumn(name).toArray() as (number | null)[];
  const out = new Float64Array(T * N);
  for (let a = 0; a < N; a++) for (let t = 0; t < T; t++) { const u = v[a * T + t]; out[t * N + a] = u === null || u === undefined ? NaN : u; }
  return out;
}
