/**
 * Settings of continuous training, read from `training_config.json` and
 * validated (unknown keys rejected, every field checked with its name).
 * Keys are camelCase; the snake_case spelling (days_back, incremental_days,
 * batch_size, ...) is accepted for the same field.
 */
import { readJsonFile } from '../llm/index.js';

/** A weekly schedule entry: days and a time (UTC). */
export interface WeeklySlot {
  /** Days as three-letter names: mon, tue, wed, thu, fri, sat, sun. */
  readonly days: readonly string[];
  /** "HH:MM" UTC. */
  readonly time: string;
}

/** Continuous-training settings. */
export interface TrainingConfig {
  /** Model every variant derives from (`from` of /api/create). Default "llama3.2:3b". */
  readonly baseModel: string;
  /** Name prefix of variants: `<prefix>:<run id>`. Default "alphalab-analyst". */
  readonly variantPrefix: string;
  /** Context window of the variant's tier, tokens (the few-shot block is budgeted against it). Default 4096. */
  readonly numCtx: number;
  /** Tokens reserved for the answer (num_predict). Default 256. */
  readonly maxAnswerTokens: number;
  /** Dataset: a bundled sample or catalog dataset. Default "sp500_daily". */
  readonly dataset: string;
  /** Symbols used (default: the first `maxSymbols` of the panel, in panel order). */
  readonly symbols?: readonly string[];
  /** Cap on symbols when `symbols` is not given. Default 20. */
  readonly maxSymbols: number;
  /** First build: question dates within the last `daysBack` bars whose answer is known. Default 250. */
  readonly daysBack: number;
  /** Later builds: only dates after each symbol's last built date, within the last `incrementalDays` bars. Default 30. */
  readonly incrementalDays: number;
  /** Bars of history a question shows (returns, RSI, volatility). Default 20. */
  readonly lookback: number;
  /** Bars ahead the reference answer looks (the realized move). Default 5. */
  readonly horizon: number;
  /** Bars between two questions of one symbol. Default 5. */
  readonly stride: number;
  /** Most new examples added per run. Default 500. */
  readonly batchSize: number;
  /** Examples held out for evaluation (the latest dates). Default 40. */
  readonly evalExamples: number;
  /** Most few-shot examples in a variant. Default 8. */
  readonly fewShotMax: number;
  /** Keywords an answer must contain (case-insensitive). Default ["direction"]. */
  readonly requiredKeywords: readonly string[];
  /** Variants kept on the server (the promoted one always stays). Default 3. */
  readonly keepModels: number;
  /** LoRA adapters for /api/create (file name -> blob digest), when the user has one. */
  readonly adapters?: Readonly<Record<string, string>>;
  /** Schedule: a daily time and/or weekly slots (UTC). */
  readonly schedule: { readonly daily?: string; readonly weekly?: readonly WeeklySlot[] };
  /** Folder of the dataset, registry and reports. Default "data/train". */
  readonly outDir: string;
  /** Seed of the few-shot choice. Default 7. */
  readonly seed: number;
}

/** Defaults of every field. */
export const DEFAULT_TRAINING_CONFIG: TrainingConfig = {
  baseModel: 'llama3.2:3b',
  variantPrefix: 'alphalab-analyst',
  numCtx: 4096,
  maxAnswerTokens: 256,
  dataset: 'sp500_daily',
  maxSymbols: 20,
  daysBack: 250,
  incrementalDays: 30,
  lookback: 20,
  horizon: 5,
  stride: 5,
  batchSize: 500,
  evalExamples: 40,
  fewShotMax: 8,
  requiredKeywords: ['direction'],
  keepModels: 3,
  schedule: { daily: '03:30' },
  outDir: 'data/train',
  seed: 7,
};

const INT_FIELDS = ['numCtx', 'maxAnswerTokens', 'maxSymbols', 'daysBack', 'incrementalDays', 'lookback', 'horizon', 'stride', 'batchSize', 'evalExamples', 'fewShotMax', 'keepModels', 'seed'] as const;
const STRING_FIELDS = ['baseModel', 'variantPrefix', 'dataset', 'outDir'] as const;
const KNOWN = new Set<string>([...INT_FIELDS, ...STRING_FIELDS, 'symbols', 'requiredKeywords', 'adapters', 'schedule']);
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Validates a parsed config and fills defaults.
 * @throws RangeError naming the source and the field.
 */
export function resolveTrainingConfig(raw: unknown = {}, source = 'training config'): TrainingConfig {
  const bad = (f: string, why: string) => new RangeError(`${source}: ${f}: ${why}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('(root)', 'expected a JSON object');
  // snake_case keys of the original tool's config (days_back, incremental_days, batch_size, ...) are read as their camelCase names
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const name = KNOWN.has(k) ? k : k.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    if (!KNOWN.has(name)) throw bad(k, `unknown key (expected one of ${[...KNOWN].join(', ')})`);
    if (name in o) throw bad(k, `given twice (as ${name} and ${k})`);
    o[name] = v;
  }
  const out: Record<string, unknown> = { ...DEFAULT_TRAINING_CONFIG };
  for (const k of INT_FIELDS) {
    if (o[k] === undefined) continue;
    const min = k === 'seed' ? 0 : k === 'numCtx' ? 256 : 1;
    if (!Number.isInteger(o[k]) || (o[k] as number) < min) throw bad(k, `expected an integer >= ${min}, got ${JSON.stringify(o[k])}`);
    out[k] = o[k];
  }
  for (const k of STRING_FIELDS) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== 'string' || (o[k] as string).trim() === '') throw bad(k, 'expected a non-empty string');
    out[k] = o[k];
  }
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(out.variantPrefix as string)) throw bad('variantPrefix', `expected lower-case letters, digits, . _ - (an Ollama model name), got "${out.variantPrefix}"`);
  if (o.symbols !== undefined) {
    if (!Array.isArray(o.symbols) || o.symbols.length === 0 || !o.symbols.every((s) => typeof s === 'string' && s !== '')) throw bad('symbols', 'expected a non-empty array of symbols');
    out.symbols = o.symbols;
  }
  if (o.requiredKeywords !== undefined) {
    if (!Array.isArray(o.requiredKeywords) || !o.requiredKeywords.every((s) => typeof s === 'string' && s !== '')) throw bad('requiredKeywords', 'expected an array of words');
    out.requiredKeywords = o.requiredKeywords;
  }
  if (o.adapters !== undefined) {
    if (typeof o.adapters !== 'object' || o.adapters === null || Array.isArray(o.adapters) || !Object.values(o.adapters).every((v) => typeof v === 'string' && /^sha256:[0-9a-f]+$/.test(v)))
      throw bad('adapters', 'expected {"<file>": "sha256:<digest>"} (upload the adapter blob to the server first)');
    out.adapters = o.adapters;
  }
  if (o.schedule !== undefined) {
    const s = o.schedule as Record<string, unknown>;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw bad('schedule', 'expected {"daily": "HH:MM", "weekly": [{"days": ["mon"], "time": "HH:MM"}]}');
    for (const k of Object.keys(s)) if (k !== 'daily' && k !== 'weekly') throw bad(`schedule.${k}`, 'unknown key (expected daily, weekly)');
    if (s.daily !== undefined && (typeof s.daily !== 'string' || !HHMM.test(s.daily))) throw bad('schedule.daily', `expected "HH:MM" (UTC), got ${JSON.stringify(s.daily)}`);
    if (s.weekly !== undefined) {
      if (!Array.isArray(s.weekly)) throw bad('schedule.weekly', 'expected an array');
      s.weekly.forEach((w: unknown, i: number) => {
        const x = w as Record<string, unknown>;
        if (!Array.isArray(x?.days) || x.days.length === 0 || !x.days.every((d) => typeof d === 'string' && DAYS.includes(d.toLowerCase()))) throw bad(`schedule.weekly[${i}].days`, `expected day names among ${DAYS.join(', ')}`);
        if (typeof x.time !== 'string' || !HHMM.test(x.time)) throw bad(`schedule.weekly[${i}].time`, `expected "HH:MM" (UTC), got ${JSON.stringify(x.time)}`);
      });
    }
    out.schedule = s;
  }
  const c = out as unknown as TrainingConfig;
  if (c.maxAnswerTokens >= c.numCtx) throw bad('maxAnswerTokens', `must be below numCtx (${c.numCtx})`);
  return c;
}

/**
 * Reads and validates a config file; a missing file gives the defaults.
 * @throws Error for invalid JSON, RangeError for a bad field.
 */
export function loadTrainingConfig(path: string): TrainingConfig {
  const raw = readJsonFile(path);
  return raw === undefined ? DEFAULT_TRAINING_CONFIG : resolveTrainingConfig(raw, path);
}

/** Cron patterns (croner, UTC) of the schedule: "M H * * *" for daily, "M H * * d,d" per weekly slot. */
export function schedulePatterns(schedule: TrainingConfig['schedule']): string[] {
  const out: string[] = [];
  const hm = (t: string) => t.split(':').map(Number) as [number, number];
  if (schedule.daily) {
    const [h, m] = hm(schedule.daily);
    out.push(`${m} ${h} * * *`);
  }
  for (const w of schedule.weekly ?? []) {
    const [h, m] = hm(w.time);
    out.push(`${m} ${h} * * ${w.days.map((d) => DAYS.indexOf(d.toLowerCase())).sort((a, b) => a - b).join(',')}`);
  }
  return out;
}
