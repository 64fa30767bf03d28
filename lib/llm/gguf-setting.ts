/**
 * Where a GGUF model for the in-process provider is configured: the
 * `ALPHALAB_GGUF` variable (environment or `.env`) names the file; the
 * user-owned settings file `llm.settings.json` (in the working directory, or
 * the path in `ALPHALAB_LLM_SETTINGS`) can name it too and holds the other
 * settings:
 *
 *   { "llamaCpp": { "modelPath": "models/qwen2.5-7b-instruct-q4_k_m.gguf",
 *                   "contextSize": 8192, "threads": 8, "temperature": 0.7, "seed": 1 } }
 *
 * The variable wins over the file's modelPath. Unknown keys are rejected
 * with an error naming the file and the key (a typo must not silently fall
 * back to a default).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve, dirname } from 'node:path';
import { envSetting } from './env.js';
import type { LlamaCppSettings } from './provider-llama-cpp.js';

/** The environment variable naming the GGUF model file. */
export const GGUF_ENV = 'ALPHALAB_GGUF';
/** Default settings file name (in the working directory). */
export const LLM_SETTINGS_FILE = 'llm.settings.json';

/** A configured GGUF model and where the configuration came from. */
export interface GgufSetting {
  readonly settings: LlamaCppSettings;
  /** 'ALPHALAB_GGUF' or the settings file's path (for the start line). */
  readonly source: string;
}

const KEYS: Record<keyof LlamaCppSettings, 'string' | 'int' | 'number' | 'gpu' | 'object'> = {
  modelPath: 'string',
  contextSize: 'int',
  threads: 'int',
  temperature: 'number',
  seed: 'int',
  maxTokens: 'int',
  timeoutMs: 'int',
  gpu: 'gpu',
  grammarLimits: 'object',
};

/**
 * Reads the `llamaCpp` section of a settings file (relative modelPath resolved against the file's folder).
 * @throws Error naming the file and key for invalid JSON, an unknown key or a value of the wrong type.
 */
export function readLlmSettingsFile(path: string): Partial<LlamaCppSettings> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error(`${path}: expected a JSON object`);
  for (const k of Object.keys(doc)) if (k !== 'llamaCpp' && k !== '$comment') throw new Error(`${path}: unknown key "${k}" (expected "llamaCpp")`);
  const sec = (doc as { llamaCpp?: unknown }).llamaCpp;
  if (sec === undefined) return {};
  if (typeof sec !== 'object' || sec === null || Array.isArray(sec)) throw new Error(`${path}: "llamaCpp" must be an object`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(sec)) {
    const kind = KEYS[k as keyof LlamaCppSettings];
    if (!kind) throw new Error(`${path}: unknown key "llamaCpp.${k}" (expected one of ${Object.keys(KEYS).join(', ')})`);
    const ok =
      kind === 'string' ? typeof v === 'string' && v !== '' : kind === 'int' ? Number.isInteger(v) : kind === 'number' ? typeof v === 'number' && Number.isFinite(v) : kind === 'gpu' ? v === false || v === 'auto' : typeof v === 'object' && v !== null;
    if (!ok) throw new Error(`${path}: "llamaCpp.${k}" must be ${kind === 'int' ? 'an integer' : kind === 'gpu' ? 'false or "auto"' : `a ${kind}`}, got ${JSON.stringify(v)}`);
    out[k] = k === 'modelPath' && !isAbsolute(v as string) ? resolve(dirname(path), v as string) : v;
  }
  return out as Partial<LlamaCppSettings>;
}

/**
 * The configured GGUF model, or undefined when neither `ALPHALAB_GGUF` nor
 * the settings file names one. Does not check the file (the provider does,
 * with an error naming it).
 * @throws Error from {@link readLlmSettingsFile} for a malformed settings file.
 */
export function resolveGgufSetting(dir: string = process.cwd()): GgufSetting | undefined {
  const fileEnv = envSetting('ALPHALAB_LLM_SETTINGS', dir);
  const file = fileEnv ? resolve(dir, fileEnv) : join(dir, LLM_SETTINGS_FILE);
  if (fileEnv && !existsSync(file)) throw new Error(`ALPHALAB_LLM_SETTINGS names ${file}, which does not exist`);
  const fromFile = existsSync(file) ? readLlmSettingsFile(file) : {};
  const env = envSetting(GGUF_ENV, dir);
  if (env) return { settings: { ...fromFile, modelPath: resolve(dir, env) }, source: GGUF_ENV };
  if (fromFile.modelPath) return { settings: { ...fromFile, modelPath: fromFile.modelPath }, source: file };
  return undefined;
}
