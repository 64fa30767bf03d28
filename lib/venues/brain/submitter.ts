/**
 * The BRAIN workflow on top of the client and the tables:
 * {@link simulateAndRecord} (translate -> simulate -> metrics and checks ->
 * our simulator beside them -> `brain_alphas`) and {@link BrainSubmitter},
 * which submits hopeful alphas that pass the local gates and BRAIN's checks,
 * at most `maxPerDay` per UTC day (default 1), never twice:
 *
 * 1. Pending rows left by a crash (sent, no verdict stored) are resolved by
 *    reading the alpha: ACTIVE on BRAIN -> accepted; else 'interrupted'. An
 *    interrupted alpha is never resent automatically.
 * 2. If today's attempts (every state counts) reach `maxPerDay`: stop.
 * 3. Candidates: hopeful alphas with local_pass, not yet sent; those without
 *    a BRAIN alpha id are simulated first (when a panel is given for parity,
 *    or without parity otherwise).
 * 4. `GET /alphas/{id}/check`: any FAIL or PENDING -> status failed_checks, next.
 * 5. The 'pending' row is committed, then `POST /submit` is sent and polled
 *    to its verdict, which is stored.
 *
 * @module
 */
import type { Db } from '../../db/index.js';
import type { Panel } from '../../data/panel.js';
import { VenueError } from '../errors.js';
import type { BrainCheck, BrainClient, BrainIsMetrics, ProgressFn, SubmitVerdict } from './client.js';
import { translateToFastExpr, type TranslateOptions } from './fastexpr.js';
import { localBrainMetrics } from './parity.js';
import type { BrainSimulationSettings } from './settings.js';
import {
  claimSubmission, finishSubmission, listHopefulAlphas, listSubmissions, recordBrainAlpha, setHopefulStatus, submissionsOnDay,
  type BrainAlphaRecord, type LocalBrainMetrics,
} from './store.js';

/** What {@link simulateAndRecord} returns. */
export interface SimulatedAlpha {
  readonly simulationId: string;
  readonly status: string;
  readonly alphaId: string;
  readonly fastexpr: string;
  /** BRAIN's `is` metrics as returned. */
  readonly is: BrainIsMetrics;
  readonly checks: readonly BrainCheck[];
  readonly local?: LocalBrainMetrics;
  readonly localError?: string;
}

/** Options of {@link simulateAndRecord}. */
export interface SimulateRecordOptions {
  /** Panel for the local parity run (none: no local metrics). */
  readonly panel?: Panel;
  /** Name of that panel's dataset, stored with the row. */
  readonly dataset?: string;
  readonly translate?: TranslateOptions;
  readonly onProgress?: ProgressFn;
  readonly now?: () => number;
}

/**
 * Translates, simulates on BRAIN, reads the alpha's metrics and checks, runs
 * our simulator with the same settings when a panel is given, and stores the
 * row in `brain_alphas` (when a db is given).
 * @throws VenueError 'unsupported' before sending for untranslatable expressions; the client's errors
 */
export async function simulateAndRecord(client: BrainClient, db: Db | undefined, expression: string, settings: BrainSimulationSettings, o: SimulateRecordOptions = {}): Promise<SimulatedAlpha> {
  const fastexpr = translateToFastExpr(expression, o.translate);
  const sim = await client.simulate(fastexpr, settings, o.onProgress);
  const alpha = await client.alpha(sim.alphaId);
  let local: LocalBrainMetrics | undefined;
  let localError: string | undefined;
  if (o.panel) {
    try {
      local = localBrainMetrics(expression, o.panel, settings);
    } catch (err) {
      localError = (err as Error).message;
    }
  }
  const rec: BrainAlphaRecord = { alphaId: sim.alphaId, simulationId: sim.id, expression, fastexpr, settings, brainIs: alpha.is, checks: alpha.checks, local, localError, dataset: o.dataset, simulatedAt: (o.now ?? Date.now)() };
  if (db) await recordBrainAlpha(db, rec);
  return { simulationId: sim.id, status: sim.status, alphaId: sim.alphaId, fastexpr, is: alpha.is, checks: alpha.checks, local, localError };
}

/** Options of {@link BrainSubmitter}. */
export interface SubmitterOptions {
  /** Submissions per UTC day at most (default 1). */
  readonly maxPerDay?: number;
  /** Panel for the parity run of hopeful alphas simulated by the submitter. */
  readonly panel?: Panel;
  readonly dataset?: string;
  /** Clock, epoch ms (tests inject one). */
  readonly now?: () => number;
  readonly onProgress?: ProgressFn;
  /** Log line sink (default none). */
  readonly log?: (line: string) => void;
}

/** What one {@link BrainSubmitter.runOnce} did. */
export interface SubmitterReport {
  /** Pending rows found at start and how they were resolved. */
  readonly resolved: readonly { alphaId: string; state: string }[];
  readonly submitted: readonly SubmitVerdict[];
  /** Alphas dropped at the check step, with the failing / pending check names. */
  readonly failedChecks: readonly { alphaId: string; checks: string[] }[];
  /** Why the run stopped early, if it did (e.g. the daily cap). */
  readonly stoppedBy?: string;
  /** Attempts today after this run. */
  readonly today: number;
  readonly maxPerDay: number;
}

/**
 * Resolves one 'pending' submission row (sent, no verdict stored: a run was
 * killed in between) by reading the alpha: ACTIVE on BRAIN -> 'accepted',
 * else 'interrupted' (never resent automatically). Stores the result.
 * @returns the new state and the message stored with it
 */
export async function resolvePendingSubmission(db: Db, client: BrainClient, alphaId: string, now: number): Promise<{ state: 'accepted' | 'interrupted'; message: string }> {
  let state: 'accepted' | 'interrupted' = 'interrupted';
  let message = 'interrupted between sending and the verdict; the alpha is not ACTIVE on BRAIN; not resent automatically (check it on the BRAIN site)';
  try {
    const a = await client.alpha(alphaId);
    if (a.status === 'ACTIVE') {
      state = 'accepted';
      message = 'verdict read after a restart: the alpha is ACTIVE on BRAIN';
    }
  } catch (err) {
    message = `interrupted; reading the alpha after the restart failed: ${(err as Error).message}`;
  }
  await finishSubmission(db, alphaId, state, null, message, now);
  return { state, message };
}

/** Submits hopeful alphas (see the module comment for the steps and the guarantees). */
export class BrainSubmitter {
  private readonly now: () => number;
  readonly maxPerDay: number;

  /** @throws RangeError when maxPerDay is not an integer >= 0 */
  constructor(private readonly db: Db, private readonly client: BrainClient, private readonly o: SubmitterOptions = {}) {
    this.now = o.now ?? Date.now;
    this.maxPerDay = o.maxPerDay ?? 1;
    if (!(Number.isInteger(this.maxPerDay) && this.maxPerDay >= 0)) throw new RangeError(`SubmitterOptions.maxPerDay must be an integer >= 0, got ${this.maxPerDay}`);
  }

  private log(s: string): void {
    this.o.log?.(s);
  }

  /** Resolves pending rows left by an interrupted run (never resends them). */
  async resolvePending(): Promise<{ alphaId: string; state: string }[]> {
    const out: { alphaId: string; state: string }[] = [];
    for (const s of (await listSubmissions(this.db)).filter((x) => x.state === 'pending')) {
      const { state, message } = await resolvePendingSubmission(this.db, this.client, s.alphaId, this.now());
      if (s.hopefulId) await setHopefulStatus(this.db, s.hopefulId, state === 'accepted' ? 'submitted' : 'error', { note: message });
      this.log(`submit: ${s.alphaId} pending from an earlier run -> ${state}`);
      out.push({ alphaId: s.alphaId, state });
    }
    return out;
  }

  /** One pass (see the module comment). Safe to call from a schedule; safe to kill at any point. */
  async runOnce(): Promise<SubmitterReport> {
    const resolved = await this.resolvePending();
    const submitted: SubmitVerdict[] = [];
    const failedChecks: { alphaId: string; checks: string[] }[] = [];
    const sentBefore = new Set((await listSubmissions(this.db)).map((s) => s.alphaId));
    let stoppedBy: string | undefined;
    const candidates = (await listHopefulAlphas(this.db))
      .filter((h) => h.localPass && (h.status === 'new' || h.status === 'simulated') && !(h.alphaId && sentBefore.has(h.alphaId)))
      .sort((a, b) => (b.localMetrics?.fitness ?? -Infinity) - (a.localMetrics?.fitness ?? -Infinity));
    for (const h of candidates) {
      const today = await submissionsOnDay(this.db, this.now());
      if (today >= this.maxPerDay) {
        stoppedBy = `daily cap reached: ${today} of ${this.maxPerDay} submission(s) today (UTC)`;
        break;
      }
      let alphaId = h.alphaId;
      if (!alphaId) {
        try {
          const sim = await simulateAndRecord(this.client, this.db, h.expression, h.settings, { panel: this.o.panel, dataset: this.o.dataset, onProgress: this.o.onProgress, now: this.now });
          alphaId = sim.alphaId;
          await setHopefulStatus(this.db, h.id, 'simulated', { alphaId });
        } catch (err) {
          const msg = err instanceof VenueError ? `${err.code}: ${err.message}` : (err as Error).message;
          await setHopefulStatus(this.db, h.id, 'error', { note: msg });
          this.log(`submit: ${h.id} could not be simulated: ${msg}`);
          continue;
        }
      }
      const checks = await this.client.check(alphaId, this.o.onProgress);
      const notPassed = checks.filter((c) => c.result === 'FAIL' || c.result === 'PENDING' || c.result === 'ERROR');
      if (notPassed.length) {
        const names = notPassed.map((c) => `${c.name}=${c.result}`);
        await setHopefulStatus(this.db, h.id, 'failed_checks', { alphaId, note: names.join(', ') });
        failedChecks.push({ alphaId, checks: names });
        this.log(`submit: ${alphaId} not sent, checks: ${names.join(', ')}`);
        continue;
      }
      if (!(await claimSubmission(this.db, alphaId, h.id, h.expression, this.now()))) continue;
      let verdict: SubmitVerdict;
      try {
        verdict = await this.client.submit(alphaId, this.o.onProgress);
      } catch (err) {
        // sent or maybe sent: the row stays, marked interrupted, never resent
        await finishSubmission(this.db, alphaId, 'interrupted', null, (err as Error).message, this.now());
        await setHopefulStatus(this.db, h.id, 'error', { note: (err as Error).message });
        throw err;
      }
      await finishSubmission(this.db, alphaId, verdict.verdict, verdict.checks, verdict.failed.length ? `failed: ${verdict.failed.map((c) => c.name).join(', ')}` : null, this.now());
      await setHopefulStatus(this.db, h.id, verdict.verdict === 'accepted' ? 'submitted' : 'rejected');
      submitted.push(verdict);
      this.log(`submit: ${alphaId} ${verdict.verdict}`);
    }
    return { resolved, submitted, failedChecks, stoppedBy, today: await submissionsOnDay(this.db, this.now()), maxPerDay: this.maxPerDay };
  }
}

/** hopeful_alphas.json entries, in the original miner's shape (snake_case keys, ISO timestamp). */
export async function exportHopefulAlphas(db: Db): Promise<Record<string, unknown>[]> {
  return (await listHopefulAlphas(db)).map((h) => ({
    expression: h.expression,
    timestamp: new Date(h.addedAt).toISOString(),
    alpha_id: h.alphaId,
    fitness: h.localMetrics?.fitness ?? null,
    sharpe: h.localMetrics?.sharpe ?? null,
    turnover: h.localMetrics?.turnover ?? null,
    returns: h.localMetrics?.returns ?? null,
    status: h.status,
    source: h.source,
    settings: h.settings,
  }));
}

/** submission_log.json entries: every attempt with its verdict and failed checks. */
export async function exportSubmissionLog(db: Db): Promise<Record<string, unknown>[]> {
  return (await listSubmissions(db)).map((s) => ({
    alpha_id: s.alphaId,
    expression: s.expression,
    timestamp: new Date(s.startedAt).toISOString(),
    finished: s.finishedAt === null ? null : new Date(s.finishedAt).toISOString(),
    status: s.state,
    failed_checks: (s.checks ?? []).filter((c) => c.result === 'FAIL').map((c) => c.name),
    message: s.message,
  }));
}
