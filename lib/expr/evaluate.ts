/**
 * The evaluator: runs an expression's AST on a panel.
 *
 * The AST is turned into a DAG keyed by the canonical text of each
 * subexpression, so a subexpression that occurs several times is computed
 * once. Intermediate buffers are reference-counted and recycled through a pool,
 * so peak memory is a small multiple of one panel field (about the depth of the
 * expression), not one buffer per node. Results can be cached across calls by
 * canonical expression and panel identity ({@link ExprCache}).
 *
 * @module
 */
import { ExprError, suggest } from './ast.js';
import type { Expr } from './ast.js';
import type { GroupCodes } from './kernels.js';
import * as K from './kernels.js';
import { getOperator } from './ops.js';
import type { ArgValue, OpContext } from './ops.js';
import { ADV_RE, checkAst, lookback, normalize, parse, print } from './parser.js';
import type { Panel } from '../data/panel.js';
import { sliceDates } from '../data/panel.js';
import { panelObjectId } from '../data/identity.js';

/** Recycled intermediate buffers by length (at most POOL_CAP each, 4 lengths): avoids allocating and page-faulting a fresh panel-sized array per operator. */
const POOL = new Map<number, Float64Array[]>();
const POOL_CAP = 12;

/**
 * An LRU cache of evaluated expressions, keyed by canonical expression and
 * panel identity (the panel object; see lib/data panelObjectId). Holds copies:
 * callers may modify what `evaluate` returns. Bounded by total bytes.
 * Panels are treated as immutable: mutating a panel's fields after evaluating
 * on it makes its cached results stale (call {@link ExprCache.clear}).
 */
export class ExprCache {
  private readonly map = new Map<string, Float64Array>();
  private bytes = 0;
  /** Number of lookups answered from the cache. */
  hits = 0;
  /** Number of lookups not in the cache. */
  misses = 0;

  /** @param maxBytes most bytes of cached arrays kept (default 512 MiB); least recently used are dropped first. */
  constructor(readonly maxBytes = 512 * 1024 * 1024) {}

  /** The cached result for a canonical expression on a panel (the stored array: do not modify), or undefined. */
  get(panel: Panel, canonicalExpr: string): Float64Array | undefined {
    const k = `${panelObjectId(panel)}|${canonicalExpr}`;
    const v = this.map.get(k);
    if (v) { this.map.delete(k); this.map.set(k, v); this.hits++; } else this.misses++;
    return v;
  }

  /** Stores a copy of a result. */
  set(panel: Panel, canonicalExpr: string, values: Float64Array): void {
    const k = `${panelObjectId(panel)}|${canonicalExpr}`;
    const old = this.map.get(k);
    if (old) { this.bytes -= old.byteLength; this.map.delete(k); }
    if (values.byteLength > this.maxBytes) return;
    this.map.set(k, values.slice());
    this.bytes += values.byteLength;
    for (const [key, v] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(key);
      this.bytes -= v.byteLength;
    }
  }

  /** Number of cached results. */
  get size(): number { return this.map.size; }

  /** Drops everything. */
  clear(): void { this.map.clear(); this.bytes = 0; }
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Cache of results by canonical expression and panel identity (also consulted for subexpressions). */
  cache?: ExprCache;
  /** Filled with counts of this evaluation (for tests and diagnostics). */
  stats?: EvalStats;
}

/** Counts of one evaluation. */
export interface EvalStats {
  /** Distinct subexpressions (DAG nodes) after merging repeated ones. */
  nodes: number;
  /** Operator calls actually run (cache hits excluded). */
  computed: number;
  /** Operator nodes answered from the cache. */
  cacheHits: number;
}

interface Node {
  key: string;
  expr: Expr;
  children: number[]; // node ids per argument (series / group args), -1 for constants
  groupArgs: boolean[];
  refs: number;
  /** Result found in the cache while building the DAG (its inputs are then not evaluated). */
  cached?: Float64Array;
}

type Value = { arr?: Float64Array; num?: number; owned: boolean; groups?: GroupCodes };

/** `o[key]` when `key` is an own property (never an inherited one: `constructor`, `toString`, `__proto__`). */
function own<T>(o: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** Names a panel offers: its fields plus the derived `returns`, `vwap`, `adv{d}`. */
export function availableNames(panel: Panel): string[] {
  return [...Object.keys(panel.fields), 'returns', 'vwap', 'adv20'];
}

function encodeGroups(labels: readonly string[]): GroupCodes {
  const m = new Map<string, number>();
  const codes = new Int32Array(labels.length);
  labels.forEach((l, i) => {
    if (l === undefined || l === null || l === '') { codes[i] = -1; return; }
    let c = m.get(l);
    if (c === undefined) { c = m.size; m.set(l, c); }
    codes[i] = c;
  });
  return { codes, perCell: false, nGroups: m.size };
}

function encodeLabelSeries(x: Float64Array | number, n: number): GroupCodes {
  const m = new Map<number, number>();
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = typeof x === 'number' ? x : x[i]!;
    if (v !== v) { codes[i] = -1; continue; }
    let c = m.get(v);
    if (c === undefined) { c = m.size; m.set(v, c); }
    codes[i] = c;
  }
  return { codes, perCell: true, nGroups: m.size };
}

/**
 * Evaluates an expression on a panel.
 *
 * Names resolve to the panel's fields first; otherwise the derived fields are
 * computed: `returns` = close / delay(close, 1) - 1, `vwap` = (high + low +
 * close) / 3 when the panel has no `vwap` field, `adv{d}` = ts_mean(volume, d)
 * (share volume). A group argument that names a key of `panel.groups` uses
 * those fixed per-asset labels; one that names a key of `panel.labels` (text
 * labels per date and asset, e.g. an ingested `industry` column) uses the label
 * of each date; any other group argument is evaluated as a
 * series whose values (per date and asset) are the labels; NaN = no group.
 *
 * @returns a new Float64Array of length nDates * nAssets, date-major, NaN = missing, never an infinity.
 * @throws ExprError for a parse error, an unknown field (with a "did you mean" hint) or an unknown group.
 */
export function evaluate(e: string | Expr, panel: Panel, opts: EvaluateOptions = {}): Float64Array {
  return evaluateMany([e], panel, opts)[0]!;
}

/**
 * Evaluates several expressions on one panel in one pass: their DAGs are
 * merged, so a subexpression shared by several expressions (e.g. `returns`,
 * `rank(volume)`, `delta(close, 1)`) is computed once for the whole batch.
 * Same semantics as {@link evaluate} for each expression; `stats` counts the
 * whole batch.
 * @returns one new Float64Array per expression (length nDates * nAssets, date-major), in input order.
 * @throws ExprError as {@link evaluate}; a parse error names the expression's index.
 */
export function evaluateMany(es: readonly (string | Expr)[], panel: Panel, opts: EvaluateOptions = {}): Float64Array[] {
  const exprs = es.map((e, i) => {
    try {
      if (typeof e !== 'string') checkAst(e);
      return normalize(typeof e === 'string' ? parse(e) : e);
    } catch (err) {
      if (err instanceof ExprError && es.length > 1) throw new ExprError(`expression ${i}: ${err.message}`, err.position);
      throw err;
    }
  });
  const T = panel.times.length;
  const N = panel.assets.length;
  const size = T * N;
  const cache = opts.cache;

  // ---- build the DAG (post-order, deduplicated by canonical key)
  const nodes: Node[] = [];
  const ids = new Map<string, number>();
  const visit = (x: Expr, asGroup: boolean): number => {
    const key = (asGroup && x.type === 'field' ? 'group:' : '') + print(x);
    const known = ids.get(key);
    if (known !== undefined) { nodes[known]!.refs++; return known; }
    let children: number[] = [];
    let groupArgs: boolean[] = [];
    const cached = x.type === 'call' && !asGroup ? cache?.get(panel, key) : undefined;
    if (cached) {
      const id = nodes.length;
      nodes.push({ key, expr: x, children, groupArgs, refs: 1, cached });
      ids.set(key, id);
      return id;
    }
    if (x.type === 'call') {
      const op = getOperator(x.op)!;
      groupArgs = op.args.map((s) => s.kind === 'group');
      children = x.args.map((a, k) => {
        const kind = op.args[k]!.kind;
        return kind === 'series' || kind === 'group' ? visit(a, kind === 'group') : -1;
      });
    }
    const id = nodes.length;
    nodes.push({ key, expr: x, children, groupArgs, refs: 1 });
    ids.set(key, id);
    return id;
  };
  // roots hold an extra reference, so they are never released
  const roots = exprs.map((x) => visit(x, false));
  for (const r of roots) nodes[r]!.refs++;
  const isRoot = new Set(roots);
  const stats = opts.stats;
  if (stats) { stats.nodes = nodes.length; stats.computed = 0; stats.cacheHits = 0; }

  // ---- buffer pool (shared across calls; bounded)
  let pool = POOL.get(size);
  if (!pool) { pool = []; POOL.set(size, pool); if (POOL.size > 4) POOL.delete(POOL.keys().next().value!); }
  const ctx: OpContext = { T, N, alloc: () => pool!.pop() ?? new Float64Array(size) };
  const release = (v: Value | undefined): void => {
    if (v && v.owned && v.arr) { if (pool!.length < POOL_CAP) pool!.push(v.arr); v.arr = undefined; }
  };

  const values: (Value | undefined)[] = new Array(nodes.length);
  const derived = (name: string, pos: number): Value => {
    const f = own(panel.fields, name);
    if (f) {
      if (f.length !== size) throw new ExprError(`panel field ${name} has length ${f.length}, expected ${T} dates x ${N} assets = ${size} at ${pos}`, pos);
      return { arr: f, owned: false };
    }
    const need = (n: string): Float64Array => {
      const g = own(panel.fields, n);
      if (!g) throw new ExprError(`field ${name} needs the panel field ${n}, which this panel lacks (fields: ${Object.keys(panel.fields).join(', ')}) at ${pos}`, pos);
      if (g.length !== size) throw new ExprError(`panel field ${n} has length ${g.length}, expected ${T} dates x ${N} assets = ${size} at ${pos}`, pos);
      return g;
    };
    if (name === 'returns') return { arr: K.simpleReturns(need('close'), T, N, ctx.alloc()), owned: true };
    if (name === 'vwap') return { arr: K.typicalPrice(need('high'), need('low'), need('close'), ctx.alloc()), owned: true };
    const m = ADV_RE.exec(name);
    if (m) {
      const d = Number(m[1]);
      return { arr: K.rollingSum(need('volume'), T, N, d, true, ctx.alloc()), owned: true };
    }
    const s = suggest(name, availableNames(panel));
    throw new ExprError(`unknown field ${name} at ${pos}${s ? `: did you mean ${s}?` : `; fields: ${availableNames(panel).join(', ')}`}`, pos);
  };

  for (let id = 0; id < nodes.length; id++) {
    const node = nodes[id]!;
    const x = node.expr;
    if (x.type === 'number') { values[id] = { num: x.value, owned: false }; continue; }
    if (x.type === 'field') {
      if (node.key.startsWith('group:')) {
        const g = panel.groups ? own(panel.groups, x.name) : undefined;
        if (g) { values[id] = { groups: encodeGroups(g), owned: false }; continue; }
        // A text label panel (may change over time): its codes are the groups of each date (-1 = none).
        const lab = panel.labels ? own(panel.labels, x.name) : undefined;
        if (lab) { values[id] = { groups: { codes: lab.codes, perCell: true, nGroups: lab.levels.length }, owned: false }; continue; }
        if (!own(panel.fields, x.name) && x.name !== 'returns' && x.name !== 'vwap' && !ADV_RE.test(x.name)) {
          const names = [...Object.keys(panel.groups ?? {}), ...Object.keys(panel.labels ?? {}), ...Object.keys(panel.fields)];
          const s = suggest(x.name, names);
          throw new ExprError(`unknown group ${x.name} at ${x.pos}${s ? `: did you mean ${s}?` : `; groups: ${Object.keys(panel.groups ?? {}).join(', ') || '(none in this panel)'}`}`, x.pos);
        }
        const v = derived(x.name, x.pos);
        values[id] = { groups: encodeLabelSeries(v.arr!, size), owned: false };
        release(v);
        continue;
      }
      values[id] = derived(x.name, x.pos);
      continue;
    }
    // call
    const hit = node.cached;
    if (hit) {
      values[id] = { arr: hit, owned: false };
      if (stats) stats.cacheHits++;
    } else {
      if (stats) stats.computed++;
      const op = getOperator(x.op)!;
      const args: ArgValue[] = x.args.map((a, k) => {
        const c = node.children[k]!;
        if (c < 0) return (a as { value: number }).value;
        const v = values[c]!;
        if (node.groupArgs[k]) return v.groups ?? encodeLabelSeries(v.arr ?? v.num!, size);
        return v.arr ?? v.num!;
      });
      const out = op.run(ctx, args);
      values[id] = { arr: out, owned: true };
      if (cache && isRoot.has(id)) cache.set(panel, node.key, out);
    }
    // release children whose last consumer this was
    for (const c of node.children) {
      if (c < 0) continue;
      const ch = nodes[c]!;
      if (--ch.refs === 0) { release(values[c]); values[c] = undefined; }
    }
  }
  const handedOut = new Set<number>();
  return roots.map((id) => {
    const r = values[id]!;
    if (!r.arr) return K.fill(new Float64Array(size), r.num!);
    if (r.owned && !handedOut.has(id)) { handedOut.add(id); return r.arr; }
    return r.arr.slice();
  });
}

/**
 * Evaluates an expression on rows [start, end) of a panel, loading only the
 * history it needs: rows [start - lookback(e), end). For expressions without
 * recursive indicators the result equals rows [start, end) of the full-panel
 * evaluation (strict windows depend only on their d bars).
 * @returns Float64Array of length (end - start) * nAssets, date-major.
 * @throws RangeError when the range is outside [0, nDates]; ExprError as {@link evaluate}.
 */
export function evaluateRange(e: string | Expr, panel: Panel, start: number, end: number, opts: EvaluateOptions = {}): Float64Array {
  const expr = typeof e === 'string' ? parse(e) : e;
  const T = panel.times.length;
  if (start < 0 || end > T || start > end) throw new RangeError(`evaluateRange: rows [${start}, ${end}) outside [0, ${T}]`);
  const s0 = Math.max(0, start - lookback(expr));
  const sub = sliceDates(panel, s0, end);
  const out = evaluate(expr, sub, opts);
  return out.slice((start - s0) * panel.assets.length);
}
