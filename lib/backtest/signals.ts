/**
 * Signals: entry/exit masks derived from factor panels by threshold rules and
 * cross-sectional quantile membership, plus the causal volatility estimate
 * used by volatility-targeted sizing. Pure computations on typed arrays.
 */
import type { SignalMasks } from './kernel.js';

/**
 * A boolean rule on factor values, evaluated per bar and asset:
 * - `{ factor, op, value }`: threshold, e.g. `{ factor: 'z', op: '<', value: -2 }`
 *   is `zscore(funding) < -2` when `z` holds that factor; NaN compares false.
 * - `{ factor, quantile: 'top' | 'bottom', q }`: cross-sectional quantile
 *   membership at each bar among the assets with a finite value: with `n`
 *   such assets and `k = max(1, floor(q * n))`, the top set is the assets with
 *   a value >= the k-th largest value (ties at the threshold included), the
 *   bottom set those <= the k-th smallest. `q` in (0, 1].
 * - `{ all: [...] }`, `{ any: [...] }`, `{ not: c }`: conjunction, disjunction, negation.
 */
export type Condition =
  | { factor: string; op: '<' | '<=' | '>' | '>='; value: number }
  | { factor: string; quantile: 'top' | 'bottom'; q: number }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/** Entry and exit rules of a signal, on named factors (the serializable part of a {@link SignalSpec}). */
export interface SignalRules {
  /** Open a long position (when flat). */
  longEntry?: Condition;
  /** Close a long position. */
  longExit?: Condition;
  /** Open a short position (when flat). */
  shortEntry?: Condition;
  /** Close a short position. */
  shortExit?: Condition;
}

/**
 * A signal: rules on named factor panels. Each factor is a `Float64Array` of
 * length nDates * nAssets (date-major), causal (row t uses data up to bar t's close),
 * e.g. the output of `evaluate('ts_zscore(funding_rate, 72)', panel)` from lib/expr.
 */
export interface SignalSpec extends SignalRules {
  factors: Readonly<Record<string, Float64Array>>;
}

/** Type guard: precomputed masks rather than a rule-based spec. */
export function isSignalMasks(x: SignalSpec | SignalMasks): x is SignalMasks {
  return !('factors' in x);
}

function evalCondition(c: Condition, factors: Readonly<Record<string, Float64Array>>, T: number, N: number, path: string): Uint8Array {
  const out = new Uint8Array(T * N);
  if ('all' in c || 'any' in c) {
    const parts = 'all' in c ? c.all : c.any;
    if (!Array.isArray(parts) || parts.length === 0) throw new Error(`signal condition ${path}: "${'all' in c ? 'all' : 'any'}" needs a non-empty list`);
    const masks = parts.map((p, i) => evalCondition(p, factors, T, N, `${path}.${'all' in c ? 'all' : 'any'}[${i}]`));
    if ('all' in c) {
      out.fill(1);
      for (const m of masks) for (let i = 0; i < out.length; i++) out[i] &= m[i]!;
    } else {
      for (const m of masks) for (let i = 0; i < out.length; i++) out[i] |= m[i]!;
    }
    return out;
  }
  if ('not' in c) {
    const m = evalCondition(c.not, factors, T, N, `${path}.not`);
    for (let i = 0; i < out.length; i++) out[i] = 1 - m[i]!;
    return out;
  }
  const f = factors[c.factor];
  if (!f) throw new Error(`signal condition ${path}: unknown factor "${c.factor}"; factors: ${Object.keys(factors).join(', ') || '(none)'}`);
  if (f.length !== T * N) throw new Error(`signal condition ${path}: factor "${c.factor}" has length ${f.length}, expected ${T} x ${N} = ${T * N}`);
  if ('op' in c) {
    const v = c.value;
    if (!Number.isFinite(v)) throw new Error(`signal condition ${path}: value must be a finite number, got ${v}`);
    switch (c.op) {
      case '<': for (let i = 0; i < out.length; i++) out[i] = f[i]! < v ? 1 : 0; break;
      case '<=': for (let i = 0; i < out.length; i++) out[i] = f[i]! <= v ? 1 : 0; break;
      case '>': for (let i = 0; i < out.length; i++) out[i] = f[i]! > v ? 1 : 0; break;
      case '>=': for (let i = 0; i < out.length; i++) out[i] = f[i]! >= v ? 1 : 0; break;
      default: throw new Error(`signal condition ${path}: unknown operator "${(c as { op: string }).op}"`);
    }
    return out;
  }
  if ('quantile' in c) {
    if (!(c.q > 0 && c.q <= 1)) throw new Error(`signal condition ${path}: q must be in (0, 1], got ${c.q}`);
    if (c.quantile !== 'top' && c.quantile !== 'bottom') throw new Error(`signal condition ${path}: quantile must be "top" or "bottom", got "${String(c.quantile)}"`);
    const buf = new Float64Array(N);
    for (let t = 0; t < T; t++) {
      let n = 0;
      for (let a = 0; a < N; a++) {
        const v = f[t * N + a]!;
        if (v === v) buf[n++] = v;
      }
      if (n === 0) continue;
      const sorted = buf.subarray(0, n).sort();
      const k = Math.max(1, Math.floor(c.q * n));
      if (c.quantile === 'top') {
        const thr = sorted[n - k]!;
        for (let a = 0; a < N; a++) out[t * N + a] = f[t * N + a]! >= thr ? 1 : 0;
      } else {
        const thr = sorted[k - 1]!;
        for (let a = 0; a < N; a++) out[t * N + a] = f[t * N + a]! <= thr ? 1 : 0;
      }
    }
    return out;
  }
  throw new Error(`signal condition ${path}: not a condition: ${JSON.stringify(c)}`);
}

/**
 * A cache of compiled condition masks keyed by the factor arrays' identity and
 * the condition, for grids where many combinations share the same entry or
 * exit rule. Masks are shared: do not modify them. Holds at most `maxBytes`
 * (default 256 MiB), then stops adding.
 */
export class MaskCache {
  private readonly ids = new WeakMap<Float64Array, number>();
  private readonly masks = new Map<string, Uint8Array>();
  private nextId = 0;
  private bytes = 0;
  constructor(readonly maxBytes = 256 * 1024 * 1024) {}

  /** Cache key of a condition on given factor arrays. */
  key(c: Condition, factors: Readonly<Record<string, Float64Array>>): string {
    const names = new Set<string>();
    const walk = (x: Condition): void => {
      if ('all' in x) x.all.forEach(walk);
      else if ('any' in x) x.any.forEach(walk);
      else if ('not' in x) walk(x.not);
      else names.add(x.factor);
    };
    walk(c);
    const parts: string[] = [];
    for (const n of [...names].sort()) {
      const f = factors[n];
      if (!f) return '';
      let id = this.ids.get(f);
      if (id === undefined) this.ids.set(f, (id = this.nextId++));
      parts.push(`${n}#${id}`);
    }
    return `${parts.join(',')}|${JSON.stringify(c)}`;
  }

  get(key: string): Uint8Array | undefined {
    return this.masks.get(key);
  }

  set(key: string, m: Uint8Array): void {
    if (key === '' || this.bytes + m.byteLength > this.maxBytes) return;
    this.masks.set(key, m);
    this.bytes += m.byteLength;
  }
}

/**
 * Compiles a rule-based signal to entry/exit masks (nDates x nAssets, 1 = true).
 * @param cache optional {@link MaskCache} reused across calls (grids)
 * @throws Error naming the condition path (e.g. `longEntry.all[1]`) for an unknown factor, a wrong length or a bad value.
 */
export function compileSignals(spec: SignalSpec, nDates: number, nAssets: number, cache?: MaskCache): SignalMasks {
  const get = (name: keyof SignalRules): Uint8Array | null => {
    const c = spec[name];
    if (c === undefined) return null;
    if (!cache) return evalCondition(c, spec.factors, nDates, nAssets, name);
    const key = cache.key(c, spec.factors);
    let m = cache.get(key);
    if (!m) cache.set(key, (m = evalCondition(c, spec.factors, nDates, nAssets, name)));
    return m;
  };
  const masks = { longEntry: get('longEntry'), longExit: get('longExit'), shortEntry: get('shortEntry'), shortExit: get('shortExit') };
  if (!masks.longEntry && !masks.shortEntry) throw new Error('signal spec has neither longEntry nor shortEntry');
  return masks;
}

/**
 * Causal annualized volatility: at bar t, the sample std (ddof = 1) of the
 * `lookback` close-to-close log returns ending at bar t (closes t-lookback..t),
 * times sqrt(annualization). NaN until `lookback` finite returns are available
 * or when any return in the window is missing. Output nDates x nAssets.
 * @throws RangeError when lookback < 2.
 */
export function rollingVolatility(close: Float64Array, nDates: number, nAssets: number, lookback: number, annualization: number): Float64Array {
  if (!(lookback >= 2) || !Number.isInteger(lookback)) throw new RangeError(`rollingVolatility: lookback must be an integer >= 2, got ${lookback}`);
  const N = nAssets;
  const out = new Float64Array(nDates * N).fill(NaN);
  const r = new Float64Array(nDates);
  const sa = Math.sqrt(annualization);
  for (let a = 0; a < N; a++) {
    r[0] = NaN;
    for (let t = 1; t < nDates; t++) r[t] = Math.log(close[t * N + a]! / close[(t - 1) * N + a]!);
    let sum = 0, sumSq = 0, bad = 0;
    for (let t = 1; t < nDates; t++) {
      const x = r[t]!;
      if (x === x) {
        sum += x;
        sumSq += x * x;
      } else bad++;
      if (t > lookback) {
        const y = r[t - lookback]!;
        if (y === y) {
          sum -= y;
          sumSq -= y * y;
        } else bad--;
      }
      if (t >= lookback && bad === 0) {
        const m = sum / lookback;
        const v = (sumSq - lookback * m * m) / (lookback - 1);
        out[t * N + a] = Math.sqrt(v > 0 ? v : 0) * sa;
      }
    }
  }
  return out;
}
