/**
 * The fleet's persistent state, `model_fleet_state.json`: current tier, error
 * counts, the degraded flag and a history of tier changes with their reasons.
 * Written with {@link writeJsonAtomic} after every change, so a kill -9 at
 * any moment leaves a complete, valid file; `seq` grows by one per write.
 */
import { join } from 'node:path';
import { readJsonFile, removeStaleTemps, writeJsonAtomic } from './atomic-json.js';

/** Format version of the state file. */
export const FLEET_STATE_VERSION = 1;

/** One tier change (or failed upgrade try). */
export interface FleetHistoryEntry {
  /** ISO time of the change. */
  readonly at: string;
  /** 'downgrade' after repeated OOMs, 'upgrade' after a cool-down, 'upgrade_failed' when the larger model did not load, 'manual' (CLI), 'reset'. */
  readonly kind: 'downgrade' | 'upgrade' | 'upgrade_failed' | 'manual' | 'reset';
  /** Tier index before (0 = largest). */
  readonly from: number;
  /** Tier index after. */
  readonly to: number;
  /** Model before. */
  readonly fromModel: string;
  /** Model after. */
  readonly toModel: string;
  /** Why, in words (e.g. "3 consecutive OOM-class errors; last: CUDA error: out of memory"). */
  readonly reason: string;
}

/** The state persisted between runs. */
export interface FleetState {
  readonly version: number;
  /** Number of writes so far (grows by one per write). */
  readonly seq: number;
  /** Index of the current tier in the config's tiers (0 = largest). */
  readonly tierIndex: number;
  /** Model of the current tier, for readers without the config. */
  readonly model: string;
  /** OOM-class errors in a row on the current tier (reset by a success and by a tier change). */
  readonly consecutiveOoms: number;
  /** OOM-class errors since the state was created or reset. */
  readonly totalOoms: number;
  /** Requests answered since the state was created or reset. */
  readonly successes: number;
  /** ISO time of the last tier change, or undefined. */
  readonly lastChangeAt?: string;
  /** ISO time of the last upgrade try that failed. */
  readonly lastUpgradeTryAt?: string;
  /** Whether the loaded model is partly offloaded to the CPU (`size_vram < size` in /api/ps). */
  readonly degraded: boolean;
  /** What the degraded check saw ("deepseek-r1:8b: 3.1 of 5.6 GB in VRAM (55%)"). */
  readonly degradedDetail?: string;
  /** The last errors (newest last, at most 20). */
  readonly lastErrors: readonly { readonly at: string; readonly model: string; readonly oom: boolean; readonly message: string }[];
  /** Tier changes, oldest first (at most the config's maxHistory). */
  readonly history: readonly FleetHistoryEntry[];
  /** ISO time of this write. */
  readonly updatedAt: string;
}

/** Default state file: `$ALPHALAB_FLEET_STATE`, else `<dir>/data/model_fleet_state.json`. */
export function defaultFleetStatePath(dir: string = process.cwd()): string {
  return process.env.ALPHALAB_FLEET_STATE ?? join(dir, 'data', 'model_fleet_state.json');
}

/** A fresh state on the first tier. */
export function initialFleetState(firstModel: string, now: number): FleetState {
  return { version: FLEET_STATE_VERSION, seq: 0, tierIndex: 0, model: firstModel, consecutiveOoms: 0, totalOoms: 0, successes: 0, degraded: false, lastErrors: [], history: [], updatedAt: new Date(now).toISOString() };
}

const isInt = (v: unknown, min = 0): boolean => Number.isInteger(v) && (v as number) >= min;
const isIso = (v: unknown): boolean => typeof v === 'string' && Number.isFinite(Date.parse(v));

/**
 * Checks a parsed state object field by field.
 * @throws Error naming the file and the first bad field.
 */
export function validateFleetState(raw: unknown, file: string): FleetState {
  const bad = (field: string, why: string) => new Error(`${file}: field "${field}" ${why}; fix or delete the file (alphalab orchestrator --mode fleet-reset writes a fresh one)`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('(root)', 'is not an object');
  const o = raw as Record<string, unknown>;
  if (o.version !== FLEET_STATE_VERSION) throw bad('version', `is ${JSON.stringify(o.version)}, expected ${FLEET_STATE_VERSION}`);
  for (const k of ['seq', 'tierIndex', 'consecutiveOoms', 'totalOoms', 'successes'] as const) if (!isInt(o[k])) throw bad(k, 'is not a non-negative integer');
  if (typeof o.model !== 'string' || o.model === '') throw bad('model', 'is not a model name');
  if (typeof o.degraded !== 'boolean') throw bad('degraded', 'is not a boolean');
  if (!isIso(o.updatedAt)) throw bad('updatedAt', 'is not an ISO time');
  for (const k of ['lastChangeAt', 'lastUpgradeTryAt'] as const) if (o[k] !== undefined && !isIso(o[k])) throw bad(k, 'is not an ISO time');
  if (!Array.isArray(o.lastErrors)) throw bad('lastErrors', 'is not an array');
  if (!Array.isArray(o.history)) throw bad('history', 'is not an array');
  o.history.forEach((h: unknown, i: number) => {
    const e = h as Record<string, unknown>;
    if (typeof h !== 'object' || h === null || !isIso(e.at) || !isInt(e.from) || !isInt(e.to) || typeof e.reason !== 'string' || typeof e.kind !== 'string') throw bad(`history[${i}]`, 'is not a complete entry');
  });
  return o as unknown as FleetState;
}

/**
 * Reads the state file; a missing file gives a fresh state on the first tier.
 * Stale temporary files of a killed writer are removed.
 * @throws Error naming the file when it is not valid JSON or a field is bad.
 */
export function readFleetState(path: string, firstModel: string, now: number = Date.now()): FleetState {
  removeStaleTemps(path);
  const raw = readJsonFile(path);
  return raw === undefined ? initialFleetState(firstModel, now) : validateFleetState(raw, path);
}

/** Writes the state atomically with `seq` + 1 and `updatedAt` = now; returns what was written. */
export function writeFleetState(path: string, state: FleetState, now: number = Date.now()): FleetState {
  const next: FleetState = { ...state, seq: state.seq + 1, updatedAt: new Date(now).toISOString() };
  writeJsonAtomic(path, next);
  return next;
}
