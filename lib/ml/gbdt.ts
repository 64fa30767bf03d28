/**
 * A LightGBM-style histogram gradient-boosted decision tree classifier
 * (softmax multiclass), pure TypeScript on typed arrays.
 *
 * Algorithm (Ke et al. 2017, "LightGBM: a highly efficient gradient boosting
 * decision tree"; the multiclass objective of LightGBM's `multiclass`):
 * 1. Binning: per feature, at most `maxBin - 1` value bins from the quantiles
 *    of (a seeded sample of up to 200,000) training values; bin j holds
 *    x <= edge_j (upper edges inclusive; midpoints between distinct values
 *    when there are few), plus one bin for NaN. Codes are bytes.
 * 2. Init score: log of the (weighted) class priors, so round 0 predicts the priors.
 * 3. Each round: softmax probabilities p from the raw scores; per class k,
 *    gradient g = w (p_k - y_k), hessian h = w * K/(K-1) * p_k (1 - p_k)
 *    (LightGBM's multiclass factor); one tree per class.
 * 4. A tree grows leaf-wise: the leaf with the largest split gain is split
 *    next until `numLeaves` leaves (or no split has gain > minGainToSplit,
 *    or `maxDepth`). Gain = G_L^2/(H_L+l2) + G_R^2/(H_R+l2) - G^2/(H+l2);
 *    each child needs >= minDataInLeaf rows and >= minSumHessianInLeaf.
 *    NaN goes to the side that gives the larger gain (stored per node).
 *    Gradient/hessian histograms are built for the smaller child only; the
 *    larger child's is the parent's minus the smaller's (subtraction trick).
 *    Leaf value = -learningRate * G / (H + l2).
 * 5. featureFraction: features sampled per tree; baggingFraction /
 *    baggingFreq: rows sampled without replacement every baggingFreq rounds.
 * 6. Early stopping on the validation multi-class log loss: training stops
 *    after `earlyStoppingRounds` rounds without improvement and the model is
 *    cut back to the best round.
 * Everything random comes from one seeded generator: same data + seed = same model.
 *
 * Prediction on raw values: x <= threshold goes to the left child (the
 * threshold is the bin's upper edge, so raw and binned predictions agree
 * exactly), NaN to the node's default side; class scores = init + sum of the
 * leaves; probabilities = softmax.
 */
import { Rng } from '../stats/rng.js';

/** Training parameters (LightGBM names in camelCase). */
export interface GbdtParams {
  /** Number of classes K >= 2 (labels 0..K-1). */
  numClasses: number;
  /** Boosting rounds (K trees each). Default 100. */
  numRounds: number;
  /** Shrinkage. Default 0.1. */
  learningRate: number;
  /** Maximum leaves per tree. Default 31. */
  numLeaves: number;
  /** Maximum depth, -1 = unlimited. Default -1. */
  maxDepth: number;
  /** Minimum rows per leaf. Default 20. */
  minDataInLeaf: number;
  /** Minimum hessian sum per leaf. Default 1e-3. */
  minSumHessianInLeaf: number;
  /** L2 regularization on leaf values. Default 0. */
  lambdaL2: number;
  /** Minimum gain to split. Default 0. */
  minGainToSplit: number;
  /** Fraction of features per tree. Default 0.8 (the seed system's setting; LightGBM's default is 1). */
  featureFraction: number;
  /** Fraction of rows per bagging round. Default 1 (off). */
  baggingFraction: number;
  /** Resample rows every this many rounds (0 = off). Default 0. */
  baggingFreq: number;
  /** Maximum bins per feature including the NaN bin (<= 256). Default 255. */
  maxBin: number;
  /** Stop after this many rounds without a better validation log loss (0 = off). Default 0. */
  earlyStoppingRounds: number;
  /** Seed of every random choice. Default 42. */
  seed: number;
  /** 'balanced' (w_c = n / (K n_c), the seed system's setting), per-class weights, or null (all 1). Default 'balanced'. */
  classWeight: 'balanced' | readonly number[] | null;
}

/** Defaults: LightGBM's, with the seed system's featureFraction 0.8, balanced classes and seed 42. */
export const DEFAULT_GBDT_PARAMS: Readonly<Omit<GbdtParams, 'numClasses'>> = Object.freeze({
  numRounds: 100, learningRate: 0.1, numLeaves: 31, maxDepth: -1, minDataInLeaf: 20, minSumHessianInLeaf: 1e-3, lambdaL2: 0,
  minGainToSplit: 0, featureFraction: 0.8, baggingFraction: 1, baggingFreq: 0, maxBin: 255, earlyStoppingRounds: 0, seed: 42,
  classWeight: 'balanced' as const,
});

/** One tree, nodes in flat arrays; node 0 is the root; a leaf has left = -1. */
export interface Tree {
  /** Class whose score the tree adds to. */
  classId: number;
  feature: Int32Array;
  /** Split threshold (x <= threshold -> left). */
  threshold: Float64Array;
  /** 1 = NaN goes left. */
  defaultLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf value (0 on internal nodes). */
  value: Float64Array;
  /** Split gain (0 on leaves). */
  gain: Float64Array;
  /** Training rows that reached the node. */
  count: Int32Array;
}

/** Per-feature importance. */
export interface FeatureImportance {
  name: string;
  /** Total split gain. */
  gain: number;
  /** Number of splits. */
  split: number;
}

/** Training history. */
export interface TrainLog {
  /** Training log loss per round (weighted by the class weights). */
  trainLoss: number[];
  /** Validation log loss per round (unweighted), empty without a validation set. */
  validLoss: number[];
  /** Rounds kept (the best round under early stopping). */
  bestIteration: number;
  trainMs: number;
}

/** Training data: row-major n x F matrix and labels 0..K-1. */
export interface Dataset {
  X: Float64Array;
  y: Uint8Array;
  nRows: number;
  nFeatures: number;
  /** Optional per-row weights (multiplied with the class weights). */
  weight?: Float64Array;
}

/** The serialized form of {@link GbdtModel} (plain JSON). */
export interface GbdtModelJson {
  format: 'alphalab-gbdt';
  version: 1;
  numClasses: number;
  featureNames: string[];
  initScore: number[];
  bestIteration: number;
  params: Omit<GbdtParams, 'classWeight'> & { classWeight: 'balanced' | number[] | null };
  trees: { classId: number; feature: number[]; threshold: number[]; defaultLeft: number[]; left: number[]; right: number[]; value: number[]; gain: number[]; count: number[] }[];
}

/** A trained classifier: predictProba on raw feature rows, importance, JSON save/load. */
export class GbdtModel {
  constructor(
    readonly numClasses: number,
    readonly featureNames: string[],
    readonly initScore: Float64Array,
    readonly trees: Tree[],
    readonly params: GbdtParams,
    readonly log: TrainLog,
  ) {}

  get nFeatures(): number {
    return this.featureNames.length;
  }

  /** Number of boosting rounds in the model. */
  get nRounds(): number {
    return this.trees.length / this.numClasses;
  }

  /** Raw class scores of `n` rows (row-major, F columns): n x K. */
  predictRaw(X: Float64Array, n: number = X.length / this.nFeatures): Float64Array {
    const K = this.numClasses, F = this.nFeatures;
    if (X.length !== n * F) throw new RangeError(`predict: X has ${X.length} values, expected ${n} rows x ${F} features`);
    const out = new Float64Array(n * K);
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) out[i * K + k] = this.initScore[k]!;
    for (const tr of this.trees) {
      const k = tr.classId;
      for (let i = 0; i < n; i++) {
        let node = 0;
        const o = i * F;
        while (tr.left[node]! >= 0) {
          const x = X[o + tr.feature[node]!]!;
          node = x <= tr.threshold[node]! || (x !== x && tr.defaultLeft[node] === 1) ? tr.left[node]! : tr.right[node]!;
        }
        out[i * K + k] += tr.value[node]!;
      }
    }
    return out;
  }

  /** Class probabilities of `n` rows: n x K, row-major (softmax of the raw scores). */
  predictProba(X: Float64Array, n: number = X.length / this.nFeatures): Float64Array {
    const raw = this.predictRaw(X, n);
    softmaxRows(raw, this.numClasses);
    return raw;
  }

  /** Feature importance by total gain and by split count, in feature order. */
  importance(): FeatureImportance[] {
    const imp = this.featureNames.map((name) => ({ name, gain: 0, split: 0 }));
    for (const tr of this.trees) for (let n = 0; n < tr.left.length; n++) if (tr.left[n]! >= 0) {
      imp[tr.feature[n]!]!.gain += tr.gain[n]!;
      imp[tr.feature[n]!]!.split++;
    }
    return imp;
  }

  /** Serializable form (thresholds and values survive JSON exactly: shortest round-trip doubles). */
  toJSON(): GbdtModelJson {
    const cw = this.params.classWeight;
    const classWeight: 'balanced' | number[] | null = cw === null ? null : cw === 'balanced' ? 'balanced' : Array.from(cw as readonly number[]);
    return {
      format: 'alphalab-gbdt', version: 1, numClasses: this.numClasses, featureNames: [...this.featureNames], initScore: Array.from(this.initScore),
      bestIteration: this.log.bestIteration,
      params: { ...this.params, classWeight },
      trees: this.trees.map((t) => ({
        classId: t.classId, feature: Array.from(t.feature), threshold: Array.from(t.threshold), defaultLeft: Array.from(t.defaultLeft),
        left: Array.from(t.left), right: Array.from(t.right), value: Array.from(t.value), gain: Array.from(t.gain), count: Array.from(t.count),
      })),
    };
  }

  /**
   * Rebuilds a model from {@link toJSON} output.
   * @throws Error naming the field when the document is not an alphalab-gbdt v1 model or a tree is malformed.
   */
  static fromJSON(doc: GbdtModelJson): GbdtModel {
    if (doc?.format !== 'alphalab-gbdt' || doc.version !== 1) throw new Error(`GbdtModel.fromJSON: not an alphalab-gbdt v1 document (format ${String(doc?.format)}, version ${String(doc?.version)})`);
    const F = doc.featureNames.length;
    const trees = doc.trees.map((t, i): Tree => {
      const n = t.left.length;
      for (const k of ['feature', 'threshold', 'defaultLeft', 'right', 'value', 'gain', 'count'] as const) if (t[k].length !== n) throw new Error(`GbdtModel.fromJSON: trees[${i}].${k} has ${t[k].length} entries, left has ${n}`);
      for (let j = 0; j < n; j++) if (t.left[j]! >= 0 && (t.feature[j]! < 0 || t.feature[j]! >= F || t.left[j]! >= n || t.right[j]! >= n)) throw new Error(`GbdtModel.fromJSON: trees[${i}] node ${j} points outside the tree or the features`);
      return {
        classId: t.classId, feature: Int32Array.from(t.feature), threshold: Float64Array.from(t.threshold), defaultLeft: Uint8Array.from(t.defaultLeft),
        left: Int32Array.from(t.left), right: Int32Array.from(t.right), value: Float64Array.from(t.value), gain: Float64Array.from(t.gain), count: Int32Array.from(t.count),
      };
    });
    return new GbdtModel(doc.numClasses, [...doc.featureNames], Float64Array.from(doc.initScore), trees, { ...doc.params }, { trainLoss: [], validLoss: [], bestIteration: doc.bestIteration, trainMs: 0 });
  }
}

/** In-place softmax of each row of an n x K matrix (max-shifted). */
export function softmaxRows(m: Float64Array, K: number): void {
  for (let o = 0; o < m.length; o += K) {
    let mx = -Infinity;
    for (let k = 0; k < K; k++) if (m[o + k]! > mx) mx = m[o + k]!;
    let s = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(m[o + k]! - mx);
      m[o + k] = e;
      s += e;
    }
    for (let k = 0; k < K; k++) m[o + k] = m[o + k]! / s;
  }
}

/** Mean multi-class log loss of probabilities `p` (n x K) against labels, probabilities clipped at 1e-15 (scikit-learn's convention). */
export function logLoss(p: Float64Array, y: ArrayLike<number>, K: number, weight?: ArrayLike<number>): number {
  let s = 0, w = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = weight ? weight[i]! : 1;
    s -= wi * Math.log(Math.max(p[i * K + y[i]!]!, 1e-15));
    w += wi;
  }
  return s / w;
}

/** Per-feature bin edges (see the module comment). */
export class BinMapper {
  constructor(readonly edges: Float64Array[]) {}

  /** Bins per feature: value bins plus the NaN bin. */
  nBins(f: number): number {
    return this.edges[f]!.length + 2;
  }

  /** Bin code of value x for feature f: smallest j with x <= edge_j, edges.length when above all, edges.length + 1 for NaN. */
  bin(f: number, x: number): number {
    const e = this.edges[f]!;
    if (x !== x) return e.length + 1;
    let lo = 0, hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x <= e[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Bins a row-major n x F matrix into bytes: row-major (default) or column-major (`out[f * n + i]`). */
  binMatrix(X: Float64Array, n: number, F: number, columnMajor = false): Uint8Array {
    const out = new Uint8Array(n * F);
    for (let i = 0; i < n; i++) for (let f = 0; f < F; f++) out[columnMajor ? f * n + i : i * F + f] = this.bin(f, X[i * F + f]!);
    return out;
  }

  /**
   * Edges from the data: a seeded sample of up to `sampleRows` rows; per feature the sorted finite
   * values; midpoints between distinct values when there are at most maxBin - 2 of them, else
   * quantile values (deduplicated).
   */
  static fit(X: Float64Array, n: number, F: number, maxBin: number, rng: Rng, sampleRows = 200_000): BinMapper {
    if (!Number.isInteger(maxBin) || maxBin < 3 || maxBin > 256) throw new RangeError(`maxBin must be an integer in 3..256, got ${maxBin}`);
    const rows = sampleIndices(n, Math.min(n, sampleRows), rng);
    const maxValueBins = maxBin - 1;
    const col = new Float64Array(rows.length);
    const edges: Float64Array[] = [];
    for (let f = 0; f < F; f++) {
      let m = 0;
      for (const r of rows) {
        const v = X[r * F + f]!;
        if (v === v) col[m++] = v;
      }
      const v = col.subarray(0, m).sort();
      const distinct: number[] = [];
      for (let i = 0; i < m; i++) if (i === 0 || v[i]! !== v[i - 1]!) distinct.push(v[i]!);
      let e: number[];
      if (distinct.length <= maxValueBins) {
        e = [];
        for (let i = 0; i + 1 < distinct.length; i++) {
          const mid = distinct[i]! + (distinct[i + 1]! - distinct[i]!) / 2;
          e.push(mid < distinct[i + 1]! ? mid : distinct[i]!);
        }
      } else {
        e = [];
        for (let q = 1; q < maxValueBins; q++) {
          const x = v[Math.min(m - 1, Math.floor((q * m) / maxValueBins))]!;
          if (e.length === 0 || x > e[e.length - 1]!) e.push(x);
        }
        if (e.length && e[e.length - 1]! >= distinct[distinct.length - 1]!) e.pop();
      }
      edges.push(Float64Array.from(e));
    }
    return new BinMapper(edges);
  }
}

/** `k` distinct indices of 0..n-1 (partial Fisher-Yates), sorted ascending. */
function sampleIndices(n: number, k: number, rng: Rng): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const a = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rng.random() * (n - i));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a.slice(0, k).sort();
}

interface Split {
  gain: number;
  feature: number;
  bin: number;
  defaultLeft: boolean;
  gl: number;
  hl: number;
  cl: number;
}

const NO_SPLIT: Split = { gain: -Infinity, feature: -1, bin: -1, defaultLeft: false, gl: 0, hl: 0, cl: 0 };

/** Everything a tree needs that does not change between trees. */
interface GrowContext {
  /** Training bins, column-major: bins[f * n + r]. */
  bins: Uint8Array;
  /** Training rows. */
  n: number;
  /** Scratch: gradients / hessians of a leaf's rows in leaf order (LightGBM's ordered gradients). */
  gOrd: Float64Array;
  hOrd: Float64Array;
  F: number;
  offsets: Int32Array;
  totalBins: number;
  mapper: BinMapper;
  p: GbdtParams;
}

/**
 * Histogram of the rows idx[s, s + c): (g, h, count) triples at (offset_f + bin) * 3.
 * Column by column over the column-major bins with the leaf's gradients gathered once in
 * row order (LightGBM's ordered gradients); rows are summed in ascending order per feature.
 */
function buildHistogram(ctx: GrowContext, feats: Int32Array, idx: Int32Array, s: number, c: number, g: Float64Array, h: Float64Array, hist: Float64Array): void {
  hist.fill(0);
  const { bins, n, offsets, gOrd, hOrd } = ctx;
  for (let i = 0; i < c; i++) {
    const r = idx[s + i]!;
    gOrd[i] = g[r]!;
    hOrd[i] = h[r]!;
  }
  const rows = idx.subarray(s, s + c);
  const contiguous = c > 0 && rows[c - 1]! - rows[0]! === c - 1;
  for (let q = 0; q < feats.length; q++) {
    const f = feats[q]!;
    const off = offsets[f]!;
    const colStart = f * n;
    if (contiguous) {
      const base = colStart + rows[0]!;
      for (let i = 0; i < c; i++) {
        const o = (off + bins[base + i]!) * 3;
        hist[o] += gOrd[i]!;
        hist[o + 1] += hOrd[i]!;
        hist[o + 2]++;
      }
    } else {
      for (let i = 0; i < c; i++) {
        const o = (off + bins[colStart + rows[i]!]!) * 3;
        hist[o] += gOrd[i]!;
        hist[o + 1] += hOrd[i]!;
        hist[o + 2]++;
      }
    }
  }
}

/** Best split of a leaf with totals (G, H, C) from its histogram. */
function bestSplit(ctx: GrowContext, feats: Int32Array, hist: Float64Array, G: number, H: number, C: number): Split {
  const { p, offsets, mapper } = ctx;
  const l2 = p.lambdaL2;
  const parent = (G * G) / (H + l2);
  let best = NO_SPLIT;
  for (const f of feats) {
    const nb = mapper.nBins(f);
    const o = offsets[f]! * 3;
    const mo = o + (nb - 1) * 3;
    const gm = hist[mo]!, hm = hist[mo + 1]!, cm = hist[mo + 2]!;
    let gl = 0, hl = 0, cl = 0;
    // Value bins 0 .. nb-2; a threshold after bin b (b < nb - 2) sends bins <= b left.
    for (let b = 0; b < nb - 2; b++) {
      gl += hist[o + b * 3]!;
      hl += hist[o + b * 3 + 1]!;
      cl += hist[o + b * 3 + 2]!;
      for (let side = 0; side < (cm > 0 ? 2 : 1); side++) {
        const GL = side ? gl + gm : gl, HL = side ? hl + hm : hl, CL = side ? cl + cm : cl;
        const GR = G - GL, HR = H - HL, CR = C - CL;
        if (CL < p.minDataInLeaf || CR < p.minDataInLeaf || HL < p.minSumHessianInLeaf || HR < p.minSumHessianInLeaf) continue;
        const gain = (GL * GL) / (HL + l2) + (GR * GR) / (HR + l2) - parent;
        if (gain > best.gain) best = { gain, feature: f, bin: b, defaultLeft: side === 1, gl: GL, hl: HL, cl: CL };
      }
    }
  }
  return best.gain > p.minGainToSplit ? best : NO_SPLIT;
}

/** Growable node arrays of one tree. */
class TreeBuilder {
  feature: number[] = [];
  threshold: number[] = [];
  defaultLeft: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  gain: number[] = [];
  count: number[] = [];
  binOf: number[] = [];
  add(count: number): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.defaultLeft.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(0);
    this.gain.push(0);
    this.count.push(count);
    this.binOf.push(-1);
    return this.left.length - 1;
  }
  build(classId: number): Tree {
    return {
      classId, feature: Int32Array.from(this.feature), threshold: Float64Array.from(this.threshold), defaultLeft: Uint8Array.from(this.defaultLeft),
      left: Int32Array.from(this.left), right: Int32Array.from(this.right), value: Float64Array.from(this.value), gain: Float64Array.from(this.gain), count: Int32Array.from(this.count),
    };
  }
}

interface Leaf {
  node: number;
  start: number;
  count: number;
  depth: number;
  G: number;
  H: number;
  hist: Float64Array;
  split: Split;
}

/**
 * Grows one tree leaf-wise on rows idx[0 .. nIdx) (reordered in place into leaf segments).
 * Returns the tree, its per-node threshold bins (for binned traversal) and the leaves' row segments.
 */
function growTree(ctx: GrowContext, feats: Int32Array, idx: Int32Array, nIdx: number, g: Float64Array, h: Float64Array, pool: Float64Array[], classId: number): { tree: Tree; bins: Int32Array; leaves: Leaf[] } {
  const { p, bins, n: nRows } = ctx;
  const tb = new TreeBuilder();
  let G = 0, H = 0;
  for (let ii = 0; ii < nIdx; ii++) {
    G += g[idx[ii]!]!;
    H += h[idx[ii]!]!;
  }
  let poolTop = 0;
  const take = () => pool[poolTop++]!;
  const rootHist = take();
  buildHistogram(ctx, feats, idx, 0, nIdx, g, h, rootHist);
  const root: Leaf = { node: tb.add(nIdx), start: 0, count: nIdx, depth: 0, G, H, hist: rootHist, split: NO_SPLIT };
  root.split = bestSplit(ctx, feats, rootHist, G, H, nIdx);
  const leaves: Leaf[] = [root];
  const tmp = new Int32Array(nIdx);
  while (leaves.length < p.numLeaves) {
    let bi = -1;
    for (let i = 0; i < leaves.length; i++) {
      const l = leaves[i]!;
      if (l.split.feature >= 0 && (p.maxDepth < 0 || l.depth < p.maxDepth) && (bi < 0 || l.split.gain > leaves[bi]!.split.gain)) bi = i;
    }
    if (bi < 0) break;
    const leaf = leaves[bi]!;
    const sp = leaf.split;
    const missingBin = ctx.mapper.nBins(sp.feature) - 1;
    // Partition the leaf's rows: left in place, right through tmp (order kept).
    let nl = 0, nr = 0;
    for (let ii = leaf.start; ii < leaf.start + leaf.count; ii++) {
      const r = idx[ii]!;
      const b = bins[sp.feature * nRows + r]!;
      if (b <= sp.bin || (b === missingBin && sp.defaultLeft)) idx[leaf.start + nl++] = r;
      else tmp[nr++] = r;
    }
    idx.set(tmp.subarray(0, nr), leaf.start + nl);
    const n = leaf.node;
    tb.feature[n] = sp.feature;
    tb.threshold[n] = ctx.mapper.edges[sp.feature]![sp.bin]!;
    tb.binOf[n] = sp.bin;
    tb.defaultLeft[n] = sp.defaultLeft ? 1 : 0;
    tb.gain[n] = sp.gain;
    const ln = tb.add(nl), rn = tb.add(nr);
    tb.left[n] = ln;
    tb.right[n] = rn;
    const L: Leaf = { node: ln, start: leaf.start, count: nl, depth: leaf.depth + 1, G: sp.gl, H: sp.hl, hist: leaf.hist, split: NO_SPLIT };
    const R: Leaf = { node: rn, start: leaf.start + nl, count: nr, depth: leaf.depth + 1, G: leaf.G - sp.gl, H: leaf.H - sp.hl, hist: leaf.hist, split: NO_SPLIT };
    // Subtraction trick: build the smaller child's histogram, the larger one = parent - smaller (in the parent's buffer).
    const small = nl <= nr ? L : R, large = nl <= nr ? R : L;
    small.hist = take();
    buildHistogram(ctx, feats, idx, small.start, small.count, g, h, small.hist);
    const lh = large.hist, sh = small.hist;
    for (let i = 0; i < lh.length; i++) lh[i] = lh[i]! - sh[i]!;
    L.split = bestSplit(ctx, feats, L.hist, L.G, L.H, L.count);
    R.split = bestSplit(ctx, feats, R.hist, R.G, R.H, R.count);
    leaves.splice(bi, 1, L, R);
  }
  for (const l of leaves) tb.value[l.node] = (-p.learningRate * l.G) / (l.H + p.lambdaL2);
  const tree = tb.build(classId);
  return { tree, bins: Int32Array.from(tb.binOf), leaves };
}

/** Leaf index reached by binned row r; bins[r * rowStride + f * colStride]. */
function binnedLeaf(tree: Tree, tbins: Int32Array, bins: Uint8Array, rowStride: number, colStride: number, r: number, mapper: BinMapper): number {
  let node = 0;
  while (tree.left[node]! >= 0) {
    const f = tree.feature[node]!;
    const b = bins[r * rowStride + f * colStride]!;
    const missing = b === mapper.nBins(f) - 1;
    node = (missing ? tree.defaultLeft[node] === 1 : b <= tbins[node]!) ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}

/** Resolves partial parameters over the defaults and checks every field. @throws RangeError naming the field. */
export function resolveGbdtParams(p: Partial<GbdtParams> & { numClasses: number }): GbdtParams {
  const r: GbdtParams = { ...DEFAULT_GBDT_PARAMS, ...p };
  const int = (k: keyof GbdtParams, min: number) => {
    const v = r[k] as number;
    if (!Number.isInteger(v) || v < min) throw new RangeError(`gbdt: ${k} must be an integer >= ${min}, got ${v}`);
  };
  int('numClasses', 2);
  int('numRounds', 1);
  int('numLeaves', 2);
  int('minDataInLeaf', 1);
  int('baggingFreq', 0);
  int('earlyStoppingRounds', 0);
  if (!(r.learningRate > 0)) throw new RangeError(`gbdt: learningRate must be > 0, got ${r.learningRate}`);
  if (!(r.featureFraction > 0 && r.featureFraction <= 1)) throw new RangeError(`gbdt: featureFraction must be in (0, 1], got ${r.featureFraction}`);
  if (!(r.baggingFraction > 0 && r.baggingFraction <= 1)) throw new RangeError(`gbdt: baggingFraction must be in (0, 1], got ${r.baggingFraction}`);
  if (!(r.lambdaL2 >= 0) || !(r.minSumHessianInLeaf >= 0)) throw new RangeError('gbdt: lambdaL2 and minSumHessianInLeaf must be >= 0');
  if (Array.isArray(r.classWeight) && (r.classWeight.length !== r.numClasses || r.classWeight.some((w) => !(w >= 0)))) throw new RangeError(`gbdt: classWeight needs ${r.numClasses} weights >= 0`);
  return r;
}

/**
 * Trains a softmax multiclass GBDT (see the module comment).
 * @param train training rows; `valid` optional validation rows (early stopping and the validation loss curve).
 * @param onRound progress callback (round, train loss, validation loss or NaN).
 * @throws RangeError for bad parameters, a label outside 0..K-1, mismatched shapes or an infinite feature value.
 */
export function trainGbdt(
  train: Dataset,
  params: Partial<GbdtParams> & { numClasses: number },
  opts: { valid?: Dataset; featureNames?: string[]; onRound?: (round: number, trainLoss: number, validLoss: number) => void } = {},
): GbdtModel {
  const t0 = performance.now();
  const p = resolveGbdtParams(params);
  const K = p.numClasses, n = train.nRows, F = train.nFeatures;
  const check = (d: Dataset, name: string) => {
    if (d.X.length !== d.nRows * d.nFeatures || d.y.length !== d.nRows || d.nFeatures !== F) throw new RangeError(`gbdt: ${name} set shape mismatch (X ${d.X.length}, y ${d.y.length}, ${d.nRows} x ${d.nFeatures}, expected ${F} features)`);
    for (let i = 0; i < d.nRows; i++) if (d.y[i]! >= K) throw new RangeError(`gbdt: ${name} row ${i}: label ${d.y[i]} outside 0..${K - 1}`);
    for (let i = 0; i < d.X.length; i++) if (d.X[i] === Infinity || d.X[i] === -Infinity) throw new RangeError(`gbdt: ${name} row ${Math.floor(i / F)}, feature ${opts.featureNames?.[i % F] ?? i % F}: infinite value`);
  };
  check(train, 'training');
  if (opts.valid) check(opts.valid, 'validation');
  if (n < 2 * p.minDataInLeaf) throw new RangeError(`gbdt: ${n} training rows < 2 x minDataInLeaf (${p.minDataInLeaf})`);
  const names = opts.featureNames ?? Array.from({ length: F }, (_, j) => `f${j}`);
  if (names.length !== F) throw new RangeError(`gbdt: ${names.length} feature names for ${F} features`);
  const rng = new Rng(p.seed);
  const mapper = BinMapper.fit(train.X, n, F, p.maxBin, rng);
  const bins = mapper.binMatrix(train.X, n, F, true);
  const offsets = new Int32Array(F);
  let totalBins = 0;
  for (let f = 0; f < F; f++) {
    offsets[f] = totalBins;
    totalBins += mapper.nBins(f);
  }
  const ctx: GrowContext = { bins, n, gOrd: new Float64Array(n), hOrd: new Float64Array(n), F, offsets, totalBins, mapper, p };

  // Row weights = class weight x sample weight.
  const counts = new Float64Array(K);
  for (let i = 0; i < n; i++) counts[train.y[i]!]!++;
  const cw = p.classWeight === 'balanced' ? Array.from(counts, (c) => (c > 0 ? n / (K * c) : 0)) : p.classWeight ?? new Array(K).fill(1);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = cw[train.y[i]!]! * (train.weight ? train.weight[i]! : 1);
  const prior = new Float64Array(K);
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    prior[train.y[i]!] += w[i]!;
    wsum += w[i]!;
  }
  const initScore = prior.map((v) => Math.log(Math.max(v / wsum, 1e-15)));

  const score = new Float64Array(n * K);
  for (let i = 0; i < n; i++) score.set(initScore, i * K);
  const valid = opts.valid;
  const vBins = valid ? mapper.binMatrix(valid.X, valid.nRows, F) : null;
  const vScore = valid ? new Float64Array(valid.nRows * K) : null;
  if (valid) for (let i = 0; i < valid.nRows; i++) vScore!.set(initScore, i * K);

  const prob = new Float64Array(n * K);
  const g = new Float64Array(n), h = new Float64Array(n);
  const nFeat = Math.max(1, Math.round(F * p.featureFraction));
  const pool = Array.from({ length: p.numLeaves + 1 }, () => new Float64Array(totalBins * 3));
  const trees: Tree[] = [];
  const trainLoss: number[] = [], validLoss: number[] = [];
  let bag: Int32Array = Int32Array.from({ length: n }, (_, i) => i);
  let bagged = false;
  const idx = new Int32Array(n);
  let best = Infinity, bestRound = 0;
  const factor = K / (K - 1);
  const hessFloor = 1e-16;
  for (let round = 0; round < p.numRounds; round++) {
    if (p.baggingFreq > 0 && p.baggingFraction < 1 && round % p.baggingFreq === 0) {
      bag = sampleIndices(n, Math.max(1, Math.round(n * p.baggingFraction)), rng);
      bagged = true;
    }
    prob.set(score);
    softmaxRows(prob, K);
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < n; i++) {
        const pk = prob[i * K + k]!;
        const yk = train.y[i] === k ? 1 : 0;
        g[i] = w[i]! * (pk - yk);
        h[i] = Math.max(w[i]! * factor * pk * (1 - pk), hessFloor);
      }
      const feats = nFeat >= F ? Int32Array.from({ length: F }, (_, j) => j) : sampleIndices(F, nFeat, rng);
      idx.set(bag);
      const { tree, bins: tbins, leaves } = growTree(ctx, feats, idx, bag.length, g, h, pool, k);
      trees.push(tree);
      if (!bagged) {
        for (const l of leaves) {
          const v = tree.value[l.node]!;
          for (let ii = l.start; ii < l.start + l.count; ii++) score[idx[ii]! * K + k] += v;
        }
      } else for (let i = 0; i < n; i++) score[i * K + k] += tree.value[binnedLeaf(tree, tbins, bins, 1, n, i, mapper)]!;
      if (valid) for (let i = 0; i < valid.nRows; i++) vScore![i * K + k] += tree.value[binnedLeaf(tree, tbins, vBins!, F, 1, i, mapper)]!;
    }
    prob.set(score);
    softmaxRows(prob, K);
    trainLoss.push(logLoss(prob, train.y, K, w));
    let vl = NaN;
    if (valid) {
      const vp = vScore!.slice();
      softmaxRows(vp, K);
      vl = logLoss(vp, valid.y, K);
      validLoss.push(vl);
      if (vl < best - 1e-12) {
        best = vl;
        bestRound = round + 1;
      }
    }
    opts.onRound?.(round + 1, trainLoss[round]!, vl);
    if (valid && p.earlyStoppingRounds > 0 && round + 1 - bestRound >= p.earlyStoppingRounds) break;
  }
  const rounds = valid && p.earlyStoppingRounds > 0 ? bestRound : trees.length / K;
  return new GbdtModel(K, names, initScore, trees.slice(0, rounds * K), p, { trainLoss, validLoss, bestIteration: rounds, trainMs: performance.now() - t0 });
}
