/**
 * Instruction examples from market data: for symbol s and bar t, the
 * question shows only closes at or before t (returns over 1, 5 and
 * `lookback` bars, RSI(14), daily volatility, distance from the
 * `lookback`-bar mean); the reference answer is the realized move from t to
 * t + horizon, which the question never sees. A test perturbs every bar after
 * t and checks that the question is unchanged.
 *
 * Examples are identified by a sha256 of their content (deduplicated), built
 * incrementally (per symbol, only dates after the last one built), and
 * stored as JSON lines.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { field, type Panel } from '../data/index.js';

/** The reference answer. */
export interface ReferenceAnswer {
  /** Sign of the realized move: 'up' when close[t+h] > close[t], else 'down'. */
  readonly direction: 'up' | 'down';
  /** close[t+h] / close[t] - 1, as a fraction. */
  readonly realizedReturn: number;
}

/** One instruction example. */
export interface TrainingExample {
  /** sha256 (hex, 16 chars) of question + answer text. */
  readonly id: string;
  readonly symbol: string;
  /** Bar time t of the question, epoch ms UTC. */
  readonly t: number;
  /** Bars ahead of the answer. */
  readonly horizon: number;
  /** Bar time t + horizon, whose close the answer uses, epoch ms UTC (examples shown to a model must end before the questions it is tested on). */
  readonly answerT: number;
  readonly question: string;
  readonly answer: ReferenceAnswer;
  /** The answer as the model should write it (JSON text). */
  readonly answerText: string;
}

/** Options of {@link buildExamples}. */
export interface BuildOptions {
  /** Symbols (default all of the panel). */
  readonly symbols?: readonly string[];
  /** Bars of history shown (>= 15 for RSI(14)). */
  readonly lookback: number;
  /** Bars ahead of the answer. */
  readonly horizon: number;
  /** Bars between questions of one symbol (bars with index % stride == 0). */
  readonly stride: number;
  /** Only dates within the last `daysBack` answerable bars. */
  readonly daysBack: number;
  /** Per symbol: only dates strictly after this time (incremental builds). */
  readonly after?: Readonly<Record<string, number>>;
  /** Ids already built (skipped). */
  readonly known?: ReadonlySet<string>;
  /** At most this many new examples (the latest kept). */
  readonly limit?: number;
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}%`;

/** The answer text a model should produce. */
export function answerText(a: ReferenceAnswer, horizon: number): string {
  return JSON.stringify({ direction: a.direction, reason: `the close moved ${pct(a.realizedReturn)} over the next ${horizon} bars` });
}

/**
 * The question for bar `t` of one symbol, from `close[t - lookback .. t]` only.
 * RSI(14) is Cutler's variant (simple means of gains and losses over the last
 * 14 changes); volatility is the sample standard deviation of the last
 * `lookback` one-bar returns.
 * @returns undefined when a close in the window is missing or not positive.
 */
export function questionAt(symbol: string, close: (i: number) => number, t: number, time: number, lookback: number, horizon: number): string | undefined {
  if (t < lookback || lookback < 15) return undefined;
  for (let i = t - lookback; i <= t; i++) {
    const c = close(i);
    if (!(c > 0)) return undefined;
  }
  const c = close(t);
  const r = (k: number) => c / close(t - k) - 1;
  let gain = 0;
  let loss = 0;
  for (let i = t - 13; i <= t; i++) {
    const d = close(i) - close(i - 1);
    if (d > 0) gain += d;
    else loss -= d;
  }
  const rsi = gain + loss === 0 ? 50 : (100 * gain) / (gain + loss);
  const rets: number[] = [];
  let mean = 0;
  for (let i = t - lookback + 1; i <= t; i++) rets.push(close(i) / close(i - 1) - 1);
  for (const x of rets) mean += x / rets.length;
  let v = 0;
  for (const x of rets) v += (x - mean) ** 2;
  const vol = Math.sqrt(v / (rets.length - 1));
  let sma = 0;
  for (let i = t - lookback + 1; i <= t; i++) sma += close(i) / lookback;
  const date = new Date(time).toISOString().slice(0, 10);
  return [
    `${symbol} on ${date}: close ${c.toFixed(2)}.`,
    `Returns: 1 bar ${pct(r(1))}, 5 bars ${pct(r(5))}, ${lookback} bars ${pct(r(lookback))}.`,
    `RSI(14) ${rsi.toFixed(1)}; volatility ${(100 * vol).toFixed(2)}% per bar; close vs ${lookback}-bar mean ${pct(c / sma - 1)}.`,
    `Will the close be higher or lower ${horizon} bars from now? Answer as JSON: {"direction": "up" or "down", "reason": "..."}`,
  ].join('\n');
}

/** Content id of an example. */
export function exampleId(question: string, answer: string): string {
  return createHash('sha256').update(question).update('\u0000').update(answer).digest('hex').slice(0, 16);
}

/**
 * Builds examples from a panel's `close` field (see the module comment),
 * oldest first per symbol, symbols in the given order.
 * @throws Error naming an unknown symbol or bad settings.
 */
export function buildExamples(panel: Panel, o: BuildOptions): TrainingExample[] {
  if (!(o.horizon >= 1) || !(o.stride >= 1) || !(o.daysBack >= 1)) throw new RangeError(`buildExamples: horizon, stride and daysBack must be >= 1 (got ${o.horizon}, ${o.stride}, ${o.daysBack})`);
  const closeF = field(panel, 'close');
  const n = panel.times.length;
  const na = panel.assets.length;
  const symbols = o.symbols ?? panel.assets;
  const lastAnswerable = n - 1 - o.horizon; // the answer needs close[t + horizon]
  const first = Math.max(o.lookback, lastAnswerable - o.daysBack + 1);
  const out: TrainingExample[] = [];
  for (const s of symbols) {
    const a = panel.assets.indexOf(s);
    if (a < 0) throw new Error(`buildExamples: symbol "${s}" is not in the panel (${na} assets)`);
    const close = (i: number) => closeF[i * na + a]!;
    const after = o.after?.[s] ?? -Infinity;
    // bars on a fixed grid (t % stride == 0) so that a longer panel keeps the earlier questions
    for (let t = Math.ceil(first / o.stride) * o.stride; t <= lastAnswerable; t += o.stride) {
      if (panel.times[t]! <= after) continue;
      const q = questionAt(s, close, t, panel.times[t]!, o.lookback, o.horizon);
      const future = close(t + o.horizon);
      if (q === undefined || !(future > 0)) continue;
      const realized = future / close(t) - 1;
      const answer: ReferenceAnswer = { direction: realized > 0 ? 'up' : 'down', realizedReturn: realized };
      const text = answerText(answer, o.horizon);
      const id = exampleId(q, text);
      if (o.known?.has(id)) continue;
      out.push({ id, symbol: s, t: panel.times[t]!, horizon: o.horizon, answerT: panel.times[t + o.horizon]!, question: q, answer, answerText: text });
    }
  }
  // dedupe within the build (identical content from two symbols cannot happen: the symbol is in the text)
  const seen = new Set<string>();
  const unique = out.filter((e) => (seen.has(e.id) ? false : (seen.add(e.id), true)));
  if (o.limit !== undefined && unique.length > o.limit) return unique.sort((x, y) => x.t - y.t || x.symbol.localeCompare(y.symbol)).slice(-o.limit);
  return unique;
}

/** Reads a JSON-lines dataset (missing file: empty). Torn last lines from a crash are skipped. */
export function readDataset(path: string): TrainingExample[] {
  if (!existsSync(path)) return [];
  const out: TrainingExample[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as TrainingExample);
    } catch {
      /* torn line */
    }
  }
  return out;
}

/** Appends examples to a JSON-lines dataset, skipping ids already there; returns those written. */
export function appendDataset(path: string, examples: readonly TrainingExample[]): TrainingExample[] {
  const known = new Set(readDataset(path).map((e) => e.id));
  const fresh = examples.filter((e) => !known.has(e.id));
  if (fresh.length === 0) return [];
  mkdirSync(dirname(path), { recursive: true });
  const torn = existsSync(path) && readFileSync(path, 'utf8').length > 0 && !readFileSync(path, 'utf8').endsWith('\n');
  appendFileSync(path, `${torn ? '\n' : ''}${fresh.map((e) => JSON.stringify(e)).join('\n')}\n`);
  return fresh;
}

/** Per symbol, the latest question time in a dataset (for incremental builds). */
export function lastTimes(examples: readonly TrainingExample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of examples) if (!(e.symbol in out) || e.t > out[e.symbol]!) out[e.symbol] = e.t;
  return out;
}
