/**
 * The research config file (`configs/default.yaml`, `research --config FILE`),
 * in the shape users of the original LLM research tool know: `agent` (llm
 * provider / model / temperature, max_iterations, max_consecutive_failures,
 * validation, early_stop_sharpe, sandbox_timeout, learn_from_failures),
 * `walk_forward` (train / val / test ratios, min_sharpe, decay_threshold),
 * `rolling` (train_window, test_window, min_positive_ratio), plus `research`
 * (goal, category, dataset, seed, costs).
 *
 * One defaults table ({@link RESEARCH_CONFIG_SCHEMA}) says for every key its
 * type, range, default and whether the engine reads it. Unknown keys are
 * rejected with the path and the valid keys; a key the engine does not read
 * yet must stay `null` (or equal the value the engine uses), so nothing in
 * the file is silently ignored. YAML (the `yaml` package, YAML 1.2) or JSON.
 * Pure apart from reading the file.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { closestKey } from './settings.js';

/** Factor families the research loop knows (`research -c`). */
export const RESEARCH_CATEGORIES = ['momentum', 'mean_reversion', 'volatility', 'volume', 'funding', 'price_action', 'quality', 'other'] as const;
/** Proposers (`research -p`). */
export const RESEARCH_PROVIDERS = ['auto', 'ollama', 'openai', 'offline'] as const;

type Kind = 'number' | 'integer' | 'string' | 'boolean';

/** One key of the schema. */
export interface ConfigField {
  kind: Kind;
  /** Default (null = the engine's built-in behaviour). */
  default: unknown;
  /** Allowed values (strings). */
  choices?: readonly string[];
  /** Inclusive bounds (numbers). */
  min?: number;
  max?: number;
  /** Flag of `research` this key sets; absent = the engine does not read the key yet. */
  flag?: string;
  /** For keys the engine does not read: the value it uses anyway (the file may state it), else only null is accepted. */
  engineValue?: unknown;
  /** One line for docs and errors. */
  doc: string;
}

/** Nested schema: section -> key -> field (or sub-section). */
export type ConfigSchema = { [key: string]: ConfigField | ConfigSchema };

const isField = (x: ConfigField | ConfigSchema): x is ConfigField => typeof (x as ConfigField).kind === 'string' && 'doc' in x;

/** The defaults table of the research config. */
export const RESEARCH_CONFIG_SCHEMA: ConfigSchema = {
  research: {
    requirements: { kind: 'string', default: 'find a profitable, robust factor', flag: 'requirements', doc: 'research goal in words' },
    category: { kind: 'string', default: null, choices: RESEARCH_CATEGORIES, flag: 'category', doc: 'factor family (null: any)' },
    dataset: { kind: 'string', default: 'sp500_daily', flag: 'dataset', doc: 'bundled sample or catalog dataset' },
    seed: { kind: 'integer', default: 7, flag: 'seed', doc: 'seed of the offline proposer and of model sampling' },
    cost_bps: { kind: 'number', default: 5, min: 0, flag: 'costBps', doc: 'transaction cost in bps of traded notional' },
  },
  agent: {
    llm: {
      provider: { kind: 'string', default: 'auto', choices: RESEARCH_PROVIDERS, flag: 'provider', doc: 'auto = Ollama if a server answers, else offline' },
      model: { kind: 'string', default: null, flag: 'model', doc: 'model name (null: $OLLAMA_MODEL / $OPENAI_MODEL or the provider default)' },
      base_url: { kind: 'string', default: null, flag: 'baseUrl', doc: 'server base URL (null: $OLLAMA_HOST / $OPENAI_BASE_URL)' },
      timeout: { kind: 'number', default: 180, min: 1, flag: 'timeout', doc: 'model call timeout, seconds' },
      temperature: { kind: 'number', default: null, min: 0, max: 2, doc: 'sampling temperature (not read yet: the providers use their defaults)' },
    },
    max_iterations: { kind: 'integer', default: 10, min: 1, flag: 'iterations', doc: 'max hypotheses per run' },
    max_consecutive_failures: { kind: 'integer', default: 3, min: 1, flag: 'maxFailures', doc: 'stop after this many failures in a row' },
    early_stop_sharpe: { kind: 'number', default: 1.5, flag: 'earlyStopSharpe', doc: 'stop when a validated strategy reaches this Sharpe' },
    validation: {
      mode: { kind: 'string', default: null, choices: ['full'], engineValue: 'full', doc: 'validation pipeline (the engine always runs the full screen)' },
      min_sharpe: { kind: 'number', default: null, doc: 'minimum test Sharpe (not read yet: the engine grade decides)' },
      min_trades: { kind: 'integer', default: null, min: 0, doc: 'minimum trades in the signal stage (not read yet)' },
    },
    sandbox_timeout: { kind: 'number', default: null, min: 1, doc: 'seconds per candidate test (not read yet: expressions run in-process, no sandbox)' },
    learn_from_failures: { kind: 'boolean', default: true, engineValue: true, doc: 'feed failure reasons back into proposals (always on)' },
  },
  walk_forward: {
    train_ratio: { kind: 'number', default: 0.6, min: 0, max: 1, engineValue: 0.6, doc: 'train share of the bars (the engine uses 60/20/20)' },
    val_ratio: { kind: 'number', default: 0.2, min: 0, max: 1, engineValue: 0.2, doc: 'validation share' },
    test_ratio: { kind: 'number', default: 0.2, min: 0, max: 1, engineValue: 0.2, doc: 'test share' },
    min_sharpe: { kind: 'number', default: null, doc: 'minimum test-segment Sharpe (not read yet)' },
    decay_threshold: { kind: 'number', default: null, min: 0, max: 1, doc: 'max allowed test / train Sharpe decay (not read yet)' },
  },
  rolling: {
    train_window: { kind: 'integer', default: null, min: 2, doc: 'train window, bars (not read yet: one year of bars)' },
    test_window: { kind: 'integer', default: null, min: 1, doc: 'test window, bars (not read yet: one quarter of bars)' },
    min_positive_ratio: { kind: 'number', default: null, min: 0, max: 1, doc: 'minimum share of windows with a positive test Sharpe (not read yet)' },
  },
};

/** Error in a config file: names the file and the key path. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    message: string,
  ) {
    super(`${file}: ${path ? `${path}: ` : ''}${message}`);
    this.name = 'ConfigError';
  }
}

function checkValue(file: string, path: string, f: ConfigField, v: unknown): void {
  if (v === null) return;
  const ok = f.kind === 'integer' ? Number.isInteger(v) : f.kind === 'number' ? typeof v === 'number' && Number.isFinite(v) : typeof v === f.kind;
  if (!ok) throw new ConfigError(file, path, `expected ${f.kind === 'integer' ? 'an integer' : `a ${f.kind}`}, got ${JSON.stringify(v)}`);
  if (f.choices && !f.choices.includes(v as string)) throw new ConfigError(file, path, `"${String(v)}" is not one of ${f.choices.join(', ')}`);
  if (f.min !== undefined && (v as number) < f.min) throw new ConfigError(file, path, `${String(v)} < ${f.min}`);
  if (f.max !== undefined && (v as number) > f.max) throw new ConfigError(file, path, `${String(v)} > ${f.max}`);
  if (!f.flag && f.engineValue === undefined) throw new ConfigError(file, path, `the engine does not read this key yet (${f.doc}); leave it null`);
  if (!f.flag && f.engineValue !== undefined && v !== f.engineValue) throw new ConfigError(file, path, `the engine does not read this key yet and uses ${JSON.stringify(f.engineValue)}; ${JSON.stringify(v)} would be ignored`);
}

/**
 * Validates a parsed config object against the schema and returns the flag
 * values it sets (flag name -> value; nulls left out).
 * @throws ConfigError naming the file and key: unknown key (listing the valid ones), wrong type, out of range, a value for a key the engine does not read.
 */
export function validateResearchConfig(raw: unknown, file = '<config>', schema: ConfigSchema = RESEARCH_CONFIG_SCHEMA, prefix = ''): Record<string, unknown> {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(file, prefix, 'expected a mapping of keys');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${k}` : k;
    const spec = schema[k];
    if (!spec) {
      const near = closestKey(k, Object.keys(schema));
      throw new ConfigError(file, path, `unknown key${near ? ` (did you mean "${near}"?)` : ''}; valid keys${prefix ? ` of ${prefix}` : ''}: ${Object.keys(schema).join(', ')}`);
    }
    if (isField(spec)) {
      checkValue(file, path, spec, v);
      if (spec.flag && v !== null) out[spec.flag] = v;
    } else Object.assign(out, validateResearchConfig(v, file, spec, path));
  }
  if (!prefix) {
    const wf = (raw as { walk_forward?: Record<string, number | null> }).walk_forward;
    if (wf && [wf.train_ratio, wf.val_ratio, wf.test_ratio].every((x) => typeof x === 'number')) {
      const s = wf.train_ratio! + wf.val_ratio! + wf.test_ratio!;
      if (Math.abs(s - 1) > 1e-9) throw new ConfigError(file, 'walk_forward', `train_ratio + val_ratio + test_ratio = ${s}, must be 1`);
    }
  }
  return out;
}

/**
 * Reads a research config file (YAML, or JSON for `.json`) and validates it.
 * @returns the flag values it sets (see {@link validateResearchConfig}).
 * @throws ConfigError naming the file (and line for YAML syntax errors) or the key.
 */
export function loadResearchConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, '', `cannot read: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    throw new ConfigError(file, '', `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
  return validateResearchConfig(raw, file);
}

/** The schema's defaults as a nested object (what `configs/default.yaml` holds). */
export function researchConfigDefaults(schema: ConfigSchema = RESEARCH_CONFIG_SCHEMA): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, isField(v) ? v.default : researchConfigDefaults(v)]));
}
