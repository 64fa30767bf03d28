/**
 * The model fleet's configuration: tiers from largest to smallest, each with
 * the provider kind that serves it, its context window and keep-alive, and the
 * downgrade / upgrade policy. Read from a JSON file (default
 * `model_fleet.json` in the project root when present) and validated: unknown
 * keys and bad values are rejected with the file and the field named.
 */
import { readJsonFile } from './atomic-json.js';

/** One tier of the fleet. */
export interface FleetTier {
  /** Label shown in status lines ("primary", "small", "emergency", ...). */
  readonly name: string;
  /**
   * Provider kind that serves the tier: 'ollama' is built in; other kinds
   * (e.g. a GGUF file through llama.cpp) are added with {@link registerTierProvider}.
   */
  readonly provider: string;
  /** Model name as the provider knows it (e.g. "deepseek-r1:8b"). */
  readonly model: string;
  /** Approximate memory the loaded model needs, in GB (weights at its quantization; the KV cache of `numCtx` comes on top). */
  readonly sizeGb: number;
  /** Context window in tokens sent with every request (Ollama `num_ctx`). The fleet owns it: a larger one is the classic cause of OOM. */
  readonly numCtx: number;
  /** How long the server keeps the model loaded after a request (Ollama duration string like "30m", or seconds; 0 unloads at once). */
  readonly keepAlive: string | number;
  /** Marks the last-resort tier (reported in status). */
  readonly emergency?: boolean;
}

/** The fleet's policy and tiers. */
export interface FleetConfig {
  /** Tiers, largest first. At least one. */
  readonly tiers: readonly FleetTier[];
  /** Consecutive OOM-class errors on one tier that make the fleet step down. Default 3. */
  readonly oomThreshold: number;
  /** Time after the last tier change (or failed upgrade try) before trying one tier up, in ms. Default 30 min. */
  readonly cooldownMs: number;
  /** Free VRAM required beyond the larger tier's `sizeGb` before an upgrade, in GB. Default 1. */
  readonly upgradeHeadroomGb: number;
  /** Retries of transient (non-OOM) retryable errors per request. Default 2. */
  readonly transientRetries: number;
  /** Minimum time between two `/api/ps` partial-offload checks, in ms. Default 60 s. */
  readonly degradedCheckMs: number;
  /** Entries kept in the state file's history. Default 200. */
  readonly maxHistory: number;
  /** Optional path of the model server's log: OOM lines appearing there count like OOM errors. */
  readonly serverLog?: string;
}

/** The default tiers (the fleet): deepseek-r1:8b, llama3.2:3b, deepseek-r1:1.5b, phi3:mini (emergency). Sizes are the Ollama library's Q4_K_M downloads. */
export const DEFAULT_TIERS: readonly FleetTier[] = [
  { name: 'primary', provider: 'ollama', model: 'deepseek-r1:8b', sizeGb: 5.2, numCtx: 8192, keepAlive: '30m' },
  { name: 'medium', provider: 'ollama', model: 'llama3.2:3b', sizeGb: 2.0, numCtx: 8192, keepAlive: '30m' },
  { name: 'small', provider: 'ollama', model: 'deepseek-r1:1.5b', sizeGb: 1.1, numCtx: 4096, keepAlive: '15m' },
  { name: 'emergency', provider: 'ollama', model: 'phi3:mini', sizeGb: 2.2, numCtx: 2048, keepAlive: '5m', emergency: true },
];

/** Defaults of every policy field. */
export const DEFAULT_FLEET_CONFIG: FleetConfig = {
  tiers: DEFAULT_TIERS,
  oomThreshold: 3,
  cooldownMs: 30 * 60_000,
  upgradeHeadroomGb: 1,
  transientRetries: 2,
  degradedCheckMs: 60_000,
  maxHistory: 200,
};

const TIER_KEYS = new Set(['name', 'provider', 'model', 'sizeGb', 'numCtx', 'keepAlive', 'emergency']);
const CONFIG_KEYS = new Set(['tiers', 'oomThreshold', 'cooldownMs', 'upgradeHeadroomGb', 'transientRetries', 'degradedCheckMs', 'maxHistory', 'serverLog']);

function need(cond: boolean, where: string, msg: string): void {
  if (!cond) throw new RangeError(`${where}: ${msg}`);
}

function validateTier(t: unknown, where: string): FleetTier {
  need(typeof t === 'object' && t !== null && !Array.isArray(t), where, 'expected an object');
  const o = t as Record<string, unknown>;
  for (const k of Object.keys(o)) need(TIER_KEYS.has(k), `${where}.${k}`, `unknown key (expected one of ${[...TIER_KEYS].join(', ')})`);
  need(typeof o.model === 'string' && o.model.trim() !== '', `${where}.model`, 'expected a non-empty model name');
  need(o.provider === undefined || (typeof o.provider === 'string' && o.provider !== ''), `${where}.provider`, 'expected a provider kind such as "ollama"');
  need(typeof o.sizeGb === 'number' && o.sizeGb > 0 && Number.isFinite(o.sizeGb), `${where}.sizeGb`, `expected a positive number of GB, got ${JSON.stringify(o.sizeGb)}`);
  need(Number.isInteger(o.numCtx) && (o.numCtx as number) >= 256, `${where}.numCtx`, `expected an integer >= 256 tokens, got ${JSON.stringify(o.numCtx)}`);
  need(
    (typeof o.keepAlive === 'string' && /^-?\d+(\.\d+)?(ms|s|m|h)?$/.test(o.keepAlive)) || (typeof o.keepAlive === 'number' && Number.isFinite(o.keepAlive)),
    `${where}.keepAlive`,
    `expected a duration like "30m" or a number of seconds, got ${JSON.stringify(o.keepAlive)}`,
  );
  need(o.emergency === undefined || typeof o.emergency === 'boolean', `${where}.emergency`, 'expected true or false');
  need(o.name === undefined || typeof o.name === 'string', `${where}.name`, 'expected a string');
  return {
    name: (o.name as string | undefined) ?? (o.model as string),
    provider: (o.provider as string | undefined) ?? 'ollama',
    model: o.model as string,
    sizeGb: o.sizeGb as number,
    numCtx: o.numCtx as number,
    keepAlive: o.keepAlive as string | number,
    ...(o.emergency !== undefined ? { emergency: o.emergency as boolean } : {}),
  };
}

/**
 * Validates a parsed config object and fills defaults.
 * @param source file name (or "options") used in error messages.
 * @throws RangeError naming the source and field of the first bad value or unknown key.
 */
export function resolveFleetConfig(raw: unknown = {}, source = 'fleet config'): FleetConfig {
  need(typeof raw === 'object' && raw !== null && !Array.isArray(raw), source, 'expected a JSON object');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) need(CONFIG_KEYS.has(k), `${source}: ${k}`, `unknown key (expected one of ${[...CONFIG_KEYS].join(', ')})`);
  let tiers = DEFAULT_TIERS;
  if (o.tiers !== undefined) {
    need(Array.isArray(o.tiers) && o.tiers.length > 0, `${source}: tiers`, 'expected a non-empty array, largest model first');
    tiers = (o.tiers as unknown[]).map((t, i) => validateTier(t, `${source}: tiers[${i}]`));
    const seen = new Set<string>();
    tiers.forEach((t, i) => {
      need(!seen.has(`${t.provider}/${t.model}`), `${source}: tiers[${i}].model`, `"${t.model}" appears twice`);
      seen.add(`${t.provider}/${t.model}`);
    });
  }
  const num = (k: keyof FleetConfig, min: number, int: boolean): number => {
    const v = o[k];
    if (v === undefined) return DEFAULT_FLEET_CONFIG[k] as number;
    need(typeof v === 'number' && Number.isFinite(v) && v >= min && (!int || Number.isInteger(v)), `${source}: ${k}`, `expected ${int ? 'an integer' : 'a number'} >= ${min}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  need(o.serverLog === undefined || (typeof o.serverLog === 'string' && o.serverLog !== ''), `${source}: serverLog`, 'expected a file path');
  return {
    tiers,
    oomThreshold: num('oomThreshold', 1, true),
    cooldownMs: num('cooldownMs', 0, false),
    upgradeHeadroomGb: num('upgradeHeadroomGb', 0, false),
    transientRetries: num('transientRetries', 0, true),
    degradedCheckMs: num('degradedCheckMs', 0, false),
    maxHistory: num('maxHistory', 1, true),
    ...(o.serverLog !== undefined ? { serverLog: o.serverLog as string } : {}),
  };
}

/**
 * Reads and validates a fleet config file; a missing file gives the defaults.
 * @throws Error for invalid JSON, RangeError for a bad field (file and field named).
 */
export function loadFleetConfig(path: string): FleetConfig {
  const raw = readJsonFile(path);
  return raw === undefined ? DEFAULT_FLEET_CONFIG : resolveFleetConfig(raw, path);
}
