/**
 * The BRAIN tables in DuckDB:
 * - `brain_alphas`: every alpha simulated on BRAIN, with the expression (ours
 *   and the FASTEXPR sent), the settings, BRAIN's `is` metrics and checks as
 *   returned, and our simulator's metrics with the same settings beside them
 *   (the parity data);
 * - `hopeful_alphas`: the source the submitter reads (the mining issue fills
 *   it; `addHopefulAlpha` or `importHopefulAlphas` from a hopeful_alphas.json);
 * - `brain_submissions`: one row per alpha ever sent to `/submit`, written
 *   (state 'pending') and committed BEFORE the request goes out; the alpha id
 *   is the primary key, so an alpha can never be sent twice, across restarts too.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Db } from '../../db/index.js';
import type { BrainCheck, BrainIsMetrics } from './client.js';
import type { BrainSimulationSettings } from './settings.js';

/** Creates the BRAIN tables when missing. */
export async function ensureBrainTables(db: Db): Promise<void> {
  await db.exec(`CREATE TABLE IF NOT EXISTS brain_alphas (
    alpha_id VARCHAR PRIMARY KEY, simulation_id VARCHAR, expression VARCHAR NOT NULL, fastexpr VARCHAR NOT NULL,
    settings VARCHAR NOT NULL, brain_is VARCHAR NOT NULL, checks VARCHAR NOT NULL,
    local_metrics VARCHAR, local_error VARCHAR, dataset VARCHAR, simulated_at TIMESTAMP NOT NULL)`);
  await db.exec(`CREATE TABLE IF NOT EXISTS hopeful_alphas (
    id VARCHAR PRIMARY KEY, expression VARCHAR NOT NULL, settings VARCHAR NOT NULL, source VARCHAR,
    local_metrics VARCHAR, local_pass BOOLEAN NOT NULL, alpha_id VARCHAR,
    status VARCHAR NOT NULL, note VARCHAR, added_at TIMESTAMP NOT NULL)`);
  await db.exec(`CREATE TABLE IF NOT EXISTS brain_submissions (
    alpha_id VARCHAR PRIMARY KEY, hopeful_id VARCHAR, expression VARCHAR, state VARCHAR NOT NULL,
    day DATE NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP, checks VARCHAR, message VARCHAR)`);
}

/** Metrics in the shape BRAIN's `is` uses, computed by our simulator (see parity.ts). */
export interface LocalBrainMetrics {
  readonly sharpe: number;
  readonly fitness: number;
  /** Average daily turnover, fraction of the book. */
  readonly turnover: number;
  /** Annual return, fraction (convention of our simulator; see parity.ts). */
  readonly returns: number;
  /** Maximum drawdown, fraction of the book. */
  readonly drawdown: number;
  /** PnL per dollar traded, fraction. */
  readonly margin: number;
  readonly longCount: number;
  readonly shortCount: number;
  readonly pnl: number;
  readonly nBars: number;
  /** Our neutralization actually used (e.g. 'market' when the panel lacks BRAIN's group labels). */
  readonly neutralization: string;
}

/** One row of `brain_alphas`. */
export interface BrainAlphaRecord {
  readonly alphaId: string;
  readonly simulationId?: string;
  readonly expression: string;
  readonly fastexpr: string;
  readonly settings: BrainSimulationSettings;
  readonly brainIs: BrainIsMetrics;
  readonly checks: readonly BrainCheck[];
  readonly local?: LocalBrainMetrics;
  readonly localError?: string;
  readonly dataset?: string;
  /** epoch ms */
  readonly simulatedAt: number;
}

const ts = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const json = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x));

/** Inserts or replaces one simulated alpha. */
export async function recordBrainAlpha(db: Db, r: BrainAlphaRecord): Promise<void> {
  await ensureBrainTables(db);
  await db.exec(`INSERT OR REPLACE INTO brain_alphas VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::TIMESTAMP)`, [
    r.alphaId, r.simulationId ?? null, r.expression, r.fastexpr, json(r.settings), json(r.brainIs), json(r.checks),
    r.local ? json(r.local) : null, r.localError ?? null, r.dataset ?? null, ts(r.simulatedAt),
  ]);
}

/** Every row of `brain_alphas`, oldest first. */
export async function listBrainAlphas(db: Db): Promise<BrainAlphaRecord[]> {
  await ensureBrainTables(db);
  const rows = await db.all(`SELECT *, epoch_ms(simulated_at) AS at_ms FROM brain_alphas ORDER BY simulated_at, alpha_id`);
  return rows.map((r) => ({
    alphaId: String(r.alpha_id), simulationId: (r.simulation_id as string | null) ?? undefined, expression: String(r.expression), fastexpr: String(r.fastexpr),
    settings: JSON.parse(String(r.settings)), brainIs: JSON.parse(String(r.brain_is)), checks: JSON.parse(String(r.checks)),
    local: r.local_metrics ? JSON.parse(String(r.local_metrics)) : undefined, localError: (r.local_error as string | null) ?? undefined,
    dataset: (r.dataset as string | null) ?? undefined, simulatedAt: Number(r.at_ms),
  }));
}

/** Local gates a hopeful alpha must pass before it is considered for submission (BRAIN's usual IS thresholds). */
export interface LocalGates {
  readonly minSharpe: number;
  readonly minFitness: number;
  readonly minTurnover: number;
  readonly maxTurnover: number;
}

/** Sharpe >= 1.25, fitness >= 1.0, turnover in [0.01, 0.7]: BRAIN's LOW_SHARPE / LOW_FITNESS / LOW_TURNOVER / HIGH_TURNOVER limits for delay-1 USA alphas. */
export const DEFAULT_LOCAL_GATES: LocalGates = { minSharpe: 1.25, minFitness: 1.0, minTurnover: 0.01, maxTurnover: 0.7 };

/** Whether metrics pass the gates (NaN fails). */
export function passesLocalGates(m: Pick<LocalBrainMetrics, 'sharpe' | 'fitness' | 'turnover'>, g: LocalGates = DEFAULT_LOCAL_GATES): boolean {
  return m.sharpe >= g.minSharpe && m.fitness >= g.minFitness && m.turnover >= g.minTurnover && m.turnover <= g.maxTurnover;
}

/** A hopeful alpha as added by a miner or a person. */
export interface HopefulAlpha {
  /** Stable id (default: the expression text). */
  readonly id?: string;
  /** Our expression language. */
  readonly expression: string;
  readonly settings: BrainSimulationSettings;
  /** Who found it: 'miner', 'llm', 'manual', 'import', ... */
  readonly source?: string;
  /** Our simulator's metrics (gates are applied to them). */
  readonly localMetrics?: Pick<LocalBrainMetrics, 'sharpe' | 'fitness' | 'turnover'> & Partial<LocalBrainMetrics>;
  /** BRAIN alpha id, once simulated there. */
  readonly alphaId?: string;
}

/** A row of `hopeful_alphas`. */
export interface HopefulRow {
  id: string;
  expression: string;
  settings: BrainSimulationSettings;
  source: string | null;
  localMetrics: Partial<LocalBrainMetrics> | null;
  localPass: boolean;
  alphaId: string | null;
  /** new | simulated | failed_checks | submitted | rejected | error */
  status: string;
  note: string | null;
  addedAt: number;
}

/**
 * Adds a hopeful alpha (status 'new', or 'simulated' with an alpha id);
 * `local_pass` from the gates. An id already present is left as it is.
 * @returns whether a row was added
 */
export async function addHopefulAlpha(db: Db, h: HopefulAlpha, gates: LocalGates = DEFAULT_LOCAL_GATES, now: number = Date.now()): Promise<boolean> {
  await ensureBrainTables(db);
  const id = h.id ?? h.expression;
  const exists = await db.one(`SELECT 1 FROM hopeful_alphas WHERE id = ?`, [id]);
  if (exists) return false;
  const pass = h.localMetrics ? passesLocalGates(h.localMetrics, gates) : false;
  await db.exec(`INSERT INTO hopeful_alphas VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?::TIMESTAMP)`, [
    id, h.expression, json(h.settings), h.source ?? null, h.localMetrics ? json(h.localMetrics) : null, pass, h.alphaId ?? null, h.alphaId ? 'simulated' : 'new', ts(now),
  ]);
  return true;
}

/** Every hopeful alpha, in the order added. */
export async function listHopefulAlphas(db: Db): Promise<HopefulRow[]> {
  await ensureBrainTables(db);
  const rows = await db.all(`SELECT *, epoch_ms(added_at) AS at_ms FROM hopeful_alphas ORDER BY added_at, id`);
  return rows.map((r) => ({
    id: String(r.id), expression: String(r.expression), settings: JSON.parse(String(r.settings)), source: (r.source as string | null) ?? null,
    localMetrics: r.local_metrics ? JSON.parse(String(r.local_metrics)) : null, localPass: Boolean(r.local_pass), alphaId: (r.alpha_id as string | null) ?? null,
    status: String(r.status), note: (r.note as string | null) ?? null, addedAt: Number(r.at_ms),
  }));
}

/** Sets a hopeful alpha's status (and alpha id / note when given). */
export async function setHopefulStatus(db: Db, id: string, status: string, o: { alphaId?: string; note?: string } = {}): Promise<void> {
  await db.exec(`UPDATE hopeful_alphas SET status = ?, alpha_id = coalesce(?, alpha_id), note = coalesce(?, note) WHERE id = ?`, [status, o.alphaId ?? null, o.note ?? null, id]);
}

/** A row of `brain_submissions`. */
export interface SubmissionRow {
  alphaId: string;
  hopefulId: string | null;
  expression: string | null;
  /** pending (sent, no verdict yet) | accepted | rejected | interrupted (sent, verdict unknown; never resent automatically) */
  state: string;
  /** UTC day of the attempt, YYYY-MM-DD. */
  day: string;
  startedAt: number;
  finishedAt: number | null;
  checks: BrainCheck[] | null;
  message: string | null;
}

/** Every submission attempt, oldest first. */
export async function listSubmissions(db: Db): Promise<SubmissionRow[]> {
  await ensureBrainTables(db);
  const rows = await db.all(`SELECT *, strftime(day, '%Y-%m-%d') AS day_s, epoch_ms(started_at) AS s_ms, epoch_ms(finished_at) AS f_ms FROM brain_submissions ORDER BY started_at, alpha_id`);
  return rows.map((r) => ({
    alphaId: String(r.alpha_id), hopefulId: (r.hopeful_id as string | null) ?? null, expression: (r.expression as string | null) ?? null, state: String(r.state),
    day: String(r.day_s), startedAt: Number(r.s_ms), finishedAt: r.f_ms === null ? null : Number(r.f_ms), checks: r.checks ? JSON.parse(String(r.checks)) : null, message: (r.message as string | null) ?? null,
  }));
}

/**
 * Claims an alpha for submission: inserts its 'pending' row (committed
 * before the request is sent).
 * @returns false when the alpha already has a row (it was sent before: never again)
 */
export async function claimSubmission(db: Db, alphaId: string, hopefulId: string | null, expression: string | null, now: number): Promise<boolean> {
  await ensureBrainTables(db);
  return db.transaction(async (tx) => {
    if (await tx.one(`SELECT 1 FROM brain_submissions WHERE alpha_id = ?`, [alphaId])) return false;
    await tx.exec(`INSERT INTO brain_submissions VALUES (?, ?, ?, 'pending', ?::DATE, ?::TIMESTAMP, NULL, NULL, NULL)`, [alphaId, hopefulId, expression, ts(now).slice(0, 10), ts(now)]);
    return true;
  });
}

/** Records the end of a submission. */
export async function finishSubmission(db: Db, alphaId: string, state: 'accepted' | 'rejected' | 'interrupted', checks: readonly BrainCheck[] | null, message: string | null, now: number): Promise<void> {
  await db.exec(`UPDATE brain_submissions SET state = ?, finished_at = ?::TIMESTAMP, checks = ?, message = ? WHERE alpha_id = ?`, [state, ts(now), checks ? json(checks) : null, message, alphaId]);
}

/** Submission attempts on the UTC day of `now` (every state counts: a pending or interrupted attempt used the day's slot). */
export async function submissionsOnDay(db: Db, now: number): Promise<number> {
  await ensureBrainTables(db);
  const r = await db.one<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM brain_submissions WHERE day = ?::DATE`, [ts(now).slice(0, 10)]);
  return r?.n ?? 0;
}

/**
 * Imports a hopeful_alphas.json of the original miner (an array of
 * `{expression, alpha_id?, fitness?, sharpe?, turnover?, ...}`) with the given
 * settings; entries without an expression are reported by index.
 * @returns ids added and entries skipped (already present or invalid), by index
 * @throws Error naming the file when it is not a JSON array
 */
export async function importHopefulAlphas(db: Db, path: string, settings: BrainSimulationSettings, gates: LocalGates = DEFAULT_LOCAL_GATES): Promise<{ added: number; skipped: string[] }> {
  const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!Array.isArray(v)) throw new Error(`${path}: expected a JSON array of hopeful alphas`);
  let added = 0;
  const skipped: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const e = v[i] as Record<string, unknown>;
    if (!e || typeof e.expression !== 'string' || e.expression === '') {
      skipped.push(`${path}[${i}]: no expression`);
      continue;
    }
    const m = typeof e.sharpe === 'number' && typeof e.fitness === 'number' && typeof e.turnover === 'number' ? { sharpe: e.sharpe, fitness: e.fitness, turnover: e.turnover } : undefined;
    const ok = await addHopefulAlpha(db, { expression: e.expression, settings, source: 'import', localMetrics: m, alphaId: typeof e.alpha_id === 'string' ? e.alpha_id : undefined }, gates);
    if (ok) added++;
    else skipped.push(`${path}[${i}]: already present`);
  }
  return { added, skipped };
}
