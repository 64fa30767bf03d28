/**
 * The orchestrator's submitter on WorldQuant BRAIN: a lib/jobs {@link Submitter}
 * over the BRAIN client and the BRAIN tables of lib/venues/brain (the wiring
 * lives in bin/ because lib/jobs imports no domain folder).
 *
 * The jobs ledger (runSubmissions) keeps the daily limit and the write-ahead
 * intent; this adapter keeps BRAIN's own record (`brain_alphas`,
 * `brain_submissions`) with the ledger key as the submission's hopeful id, so
 * `find(key)` can answer after a crash:
 * - submit: translate + simulate ({@link simulateAndRecord}), `/check`; any
 *   FAIL / PENDING / ERROR check or an untranslatable expression -> refused
 *   (nothing sent); else the 'pending' row is committed ({@link claimSubmission}),
 *   then `POST /submit` and its verdict are stored. An alpha BRAIN already has a
 *   submission row for is never sent again (refused).
 * - find: no row under the key -> undefined (the submit never went out); a
 *   row -> the receipt. A row still 'pending' (killed between sending and the
 *   verdict) is resolved by reading the alpha: ACTIVE -> accepted, else
 *   'interrupted' (the same rule as {@link BrainSubmitter}: never resent
 *   automatically, so it counts as submitted and the ledger will not retry it).
 */
import type { Db } from '../lib/db/index.js';
import { SubmissionRefusedError, type SubmissionCandidate, type Submitter, type SubmitReceipt } from '../lib/jobs/index.js';
import { BrainClient, DEFAULT_BRAIN_SIMULATION_SETTINGS, resolveBrainSettings, resolvePendingSubmission, simulateAndRecord, type BrainSimulationSettings } from '../lib/venues/brain/index.js';
import { claimSubmission, finishSubmission, listSubmissions, type SubmissionRow } from '../lib/venues/brain/store.js';
import { VenueError } from '../lib/venues/errors.js';

/** Options of {@link BrainJobsSubmitter}. */
export interface BrainJobsSubmitterOptions {
  /** Settings of every simulation (default the venue's DEFAULT_BRAIN_SIMULATION_SETTINGS); a candidate's `payload.brainSettings` overrides fields. */
  readonly settings?: Partial<BrainSimulationSettings>;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

/** BRAIN as a lib/jobs Submitter (see the module comment). */
export class BrainJobsSubmitter implements Submitter {
  readonly name = 'brain';
  private readonly now: () => number;

  constructor(private readonly db: Db, private readonly client: BrainClient, private readonly o: BrainJobsSubmitterOptions = {}) {
    this.now = o.now ?? Date.now;
  }

  private async rowFor(key: string): Promise<SubmissionRow | undefined> {
    return (await listSubmissions(this.db)).find((s) => s.hopefulId === key);
  }

  private receipt(row: SubmissionRow, key: string, candidateId: string): SubmitReceipt {
    return { key, candidateId, at: new Date(row.startedAt).toISOString(), ref: `${row.alphaId} (${row.state})` };
  }

  /** @inheritdoc */
  async find(key: string): Promise<SubmitReceipt | undefined> {
    let row = await this.rowFor(key);
    if (!row) return undefined;
    if (row.state === 'pending') {
      const { state } = await resolvePendingSubmission(this.db, this.client, row.alphaId, this.now());
      this.o.log?.(`brain: ${row.alphaId} pending from an earlier run -> ${state}`);
      row = (await this.rowFor(key))!;
    }
    return this.receipt(row, key, key.slice(key.indexOf(':') + 1));
  }

  /** @inheritdoc */
  async submit(candidate: SubmissionCandidate, key: string): Promise<SubmitReceipt> {
    const prior = await this.find(key);
    if (prior) return prior;
    const expression = candidate.payload.expression;
    if (typeof expression !== 'string' || expression === '') throw new SubmissionRefusedError(`candidate ${candidate.id}: payload.expression is missing`);
    const settings = resolveBrainSettings({ ...DEFAULT_BRAIN_SIMULATION_SETTINGS, ...(this.o.settings ?? {}), ...((candidate.payload.brainSettings as object | undefined) ?? {}) });
    let alphaId: string;
    try {
      alphaId = (await simulateAndRecord(this.client, this.db, expression, settings, { now: this.now })).alphaId;
    } catch (err) {
      if (err instanceof VenueError && (err.code === 'unsupported' || err.code === 'bad_request')) throw new SubmissionRefusedError(`candidate ${candidate.id}: ${err.message}`);
      throw err;
    }
    const notPassed = (await this.client.check(alphaId)).filter((c) => c.result === 'FAIL' || c.result === 'PENDING' || c.result === 'ERROR');
    if (notPassed.length) throw new SubmissionRefusedError(`candidate ${candidate.id} (${alphaId}): BRAIN checks ${notPassed.map((c) => `${c.name}=${c.result}`).join(', ')}`);
    if (!(await claimSubmission(this.db, alphaId, key, expression, this.now()))) throw new SubmissionRefusedError(`candidate ${candidate.id}: alpha ${alphaId} was submitted before (never twice)`);
    let state: 'accepted' | 'rejected';
    try {
      const v = await this.client.submit(alphaId);
      state = v.verdict;
      await finishSubmission(this.db, alphaId, v.verdict, v.checks, v.failed.length ? `failed: ${v.failed.map((c) => c.name).join(', ')}` : null, this.now());
    } catch (err) {
      // sent or maybe sent: the row stays, marked interrupted, never resent
      await finishSubmission(this.db, alphaId, 'interrupted', null, (err as Error).message, this.now());
      throw err;
    }
    this.o.log?.(`brain: ${candidate.id} submitted as ${alphaId}: ${state}`);
    return { key, candidateId: candidate.id, at: new Date(this.now()).toISOString(), ref: `${alphaId} (${state})` };
  }
}
