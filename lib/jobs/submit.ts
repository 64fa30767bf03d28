/**
 * Submissions with a daily limit that holds across crashes and restarts.
 *
 * Protocol (write-ahead ledger in DuckDB, idempotency key `<UTC day>:<candidate id>`):
 * 1. Reconcile: every 'pending' row (a run killed between its intent and its
 *    confirmation) is looked up at the venue with `find(key)`: found ->
 *    'submitted'; not found -> 'not_sent' (the call never reached it).
 * 2. Count today's 'pending' + 'submitted' rows; at the limit, stop.
 * 3. Pick the best candidate never submitted, commit a 'pending' row, call
 *    `submit(candidate, key)`, then mark it 'submitted'.
 * A kill -9 anywhere leaves either no row, a 'pending' row (resolved by step
 * 1 with the venue's answer) or a 'submitted' row: never two submissions.
 * A candidate the venue declines before sending ({@link SubmissionRefusedError})
 * is marked 'refused' and skipped from then on; it does not count.
 * 429 answers ({@link RateLimitedError}) are honoured: wait Retry-After and
 * try again, or give up for this run when the wait is longer than allowed.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Db } from '../db/index.js';

/** Something to submit (an alpha expression and its settings). */
export interface SubmissionCandidate {
  /** Stable id (e.g. a hypothesis id). */
  readonly id: string;
  /** What is sent (expression, settings, ...). */
  readonly payload: Record<string, unknown>;
}

/** What the venue confirmed. */
export interface SubmitReceipt {
  readonly key: string;
  readonly candidateId: string;
  /** ISO time of the submission. */
  readonly at: string;
  /** The venue's reference (BRAIN alpha id, log line number, ...). */
  readonly ref: string;
}

/** A 429 answer: retry after `retryAfterMs`. */
export class RateLimitedError extends Error {
  constructor(readonly retryAfterMs: number, message = `rate limited: retry after ${Math.ceil(retryAfterMs / 1000)} s`) {
    super(message);
    this.name = 'RateLimitedError';
  }
}

/**
 * The venue declined a candidate before anything was sent (its checks failed,
 * the expression cannot be expressed there, ...): the ledger marks the key
 * 'refused', it does not count toward the daily limit, the candidate is not
 * tried again, and the run goes on with the next one.
 */
export class SubmissionRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SubmissionRefusedError';
  }
}

/**
 * Where submissions go: {@link LocalSubmissionLog} (a local log), or the
 * BRAIN venue (wired in bin/orchestrator-brain.ts: jobs imports no domain folder).
 */
export interface Submitter {
  readonly name: string;
  /** Submits once under `key`; a second call with the same key must not submit again. @throws RateLimitedError on 429; SubmissionRefusedError when the venue declines before sending. */
  submit(candidate: SubmissionCandidate, key: string): Promise<SubmitReceipt>;
  /** The submission made under `key`, if the venue has it. */
  find(key: string): Promise<SubmitReceipt | undefined>;
}

/**
 * Parses an HTTP Retry-After value (delay-seconds or an HTTP-date, RFC 9110 §10.2.3) into ms from `nowMs`.
 * @returns undefined when the value is missing or unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - nowMs) : undefined;
}

/** A local append-only JSON-lines submission log (fsync per line), keyed for idempotency. */
export class LocalSubmissionLog implements Submitter {
  readonly name = 'local-log';
  constructor(readonly path: string, private readonly now: () => number = Date.now) {}

  private entries(): SubmitReceipt[] {
    if (!existsSync(this.path)) return [];
    const out: SubmitReceipt[] = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as SubmitReceipt);
      } catch {
        /* a torn last line from a crash mid-append: it was never confirmed */
      }
    }
    return out;
  }

  /** Every logged submission. */
  all(): SubmitReceipt[] {
    return this.entries();
  }

  /** @inheritdoc */
  async find(key: string): Promise<SubmitReceipt | undefined> {
    return this.entries().find((e) => e.key === key);
  }

  /** @inheritdoc */
  async submit(candidate: SubmissionCandidate, key: string): Promise<SubmitReceipt> {
    const prior = await this.find(key);
    if (prior) return prior;
    const receipt: SubmitReceipt & { payload: Record<string, unknown> } = { key, candidateId: candidate.id, at: new Date(this.now()).toISOString(), ref: `local-${this.entries().length + 1}`, payload: candidate.payload };
    // a torn last line (crash mid-append) must not swallow this entry: start on a fresh line
    const torn = existsSync(this.path) && !readFileSync(this.path, 'utf8').endsWith('\n') && readFileSync(this.path, 'utf8') !== '';
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, `${torn ? '\n' : ''}${JSON.stringify(receipt)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return receipt;
  }
}

/** The ledger table (see the module comment). */
export class SubmissionLedger {
  private constructor(private readonly db: Db) {}

  /** Creates the `submissions` table when missing. */
  static async open(db: Db): Promise<SubmissionLedger> {
    await db.exec(`CREATE TABLE IF NOT EXISTS submissions (key VARCHAR PRIMARY KEY, day VARCHAR NOT NULL, candidate_id VARCHAR NOT NULL, status VARCHAR NOT NULL,
      venue VARCHAR NOT NULL, ref VARCHAR, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL)`);
    return new SubmissionLedger(db);
  }

  /** Rows, oldest first. */
  async rows(): Promise<{ key: string; day: string; candidateId: string; status: string; ref: string | null }[]> {
    const r = await this.db.all('SELECT key, day, candidate_id, status, ref FROM submissions ORDER BY created_at, key');
    return r.map((x) => ({ key: String(x.key), day: String(x.day), candidateId: String(x.candidate_id), status: String(x.status), ref: (x.ref as string | null) ?? null }));
  }

  async setStatus(key: string, status: string, ref: string | null, now: number): Promise<void> {
    await this.db.exec('UPDATE submissions SET status = ?, ref = coalesce(?, ref), updated_at = ?::TIMESTAMP WHERE key = ?', [status, ref, new Date(now).toISOString(), key]);
  }

  async intend(key: string, day: string, candidateId: string, venue: string, now: number): Promise<void> {
    const t = new Date(now).toISOString();
    await this.db.exec(
      `INSERT INTO submissions VALUES (?, ?, ?, 'pending', ?, NULL, ?::TIMESTAMP, ?::TIMESTAMP) ON CONFLICT (key) DO UPDATE SET status = 'pending', updated_at = excluded.updated_at`,
      [key, day, candidateId, venue, t, t],
    );
  }
}

/** Options of {@link runSubmissions}. */
export interface SubmissionRunOptions {
  readonly ledger: SubmissionLedger;
  readonly submitter: Submitter;
  /** Best first. */
  readonly candidates: readonly SubmissionCandidate[];
  /** Submissions per UTC day. Default 1. */
  readonly dailyLimit?: number;
  /** Clock. Default Date.now. */
  readonly now?: () => number;
  /** Sleep for Retry-After. Default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Longest Retry-After wait accepted within a run, ms. Default 10 min. */
  readonly maxRetryWaitMs?: number;
  /** 429 retries within a run. Default 3. */
  readonly maxRateLimitRetries?: number;
  /** Test hooks called right after the intent is committed and right after the venue confirmed (a crash test kills the process there). */
  readonly hooks?: { afterIntent?: (key: string) => void | Promise<void>; afterSubmit?: (key: string) => void | Promise<void> };
  readonly log?: (line: string) => void;
}

/** What a submission run did. */
export interface SubmissionRunResult {
  readonly day: string;
  /** Keys resolved by reconciliation, with their new status. */
  readonly reconciled: readonly { key: string; status: 'submitted' | 'not_sent' }[];
  readonly submitted: readonly SubmitReceipt[];
  /** Why nothing (more) was submitted: 'daily_limit', 'no_candidates', 'rate_limited'. */
  readonly stoppedBy: 'daily_limit' | 'no_candidates' | 'rate_limited';
  /** Submissions counted for today after the run. */
  readonly todayCount: number;
}

/** UTC day (YYYY-MM-DD) of an epoch-ms time. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Runs the protocol of the module comment once.
 * @throws the submitter's error (other than 429) after leaving the row 'pending' for the next run to reconcile.
 */
export async function runSubmissions(o: SubmissionRunOptions): Promise<SubmissionRunResult> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const limit = o.dailyLimit ?? 1;
  const day = utcDay(now());
  const reconciled: { key: string; status: 'submitted' | 'not_sent' }[] = [];
  for (const r of (await o.ledger.rows()).filter((x) => x.status === 'pending')) {
    const found = await o.submitter.find(r.key);
    const status = found ? 'submitted' : 'not_sent';
    await o.ledger.setStatus(r.key, status, found?.ref ?? null, now());
    reconciled.push({ key: r.key, status });
    o.log?.(`reconciled ${r.key}: ${status}`);
  }
  const submitted: SubmitReceipt[] = [];
  const counted = async () => (await o.ledger.rows()).filter((r) => r.day === day && (r.status === 'pending' || r.status === 'submitted')).length;
  for (;;) {
    const today = await counted();
    if (today >= limit) return { day, reconciled, submitted, stoppedBy: 'daily_limit', todayCount: today };
    const done = new Set((await o.ledger.rows()).filter((r) => r.status === 'submitted' || r.status === 'pending' || r.status === 'refused').map((r) => r.candidateId));
    const cand = o.candidates.find((c) => !done.has(c.id));
    if (!cand) return { day, reconciled, submitted, stoppedBy: 'no_candidates', todayCount: today };
    const key = `${day}:${cand.id}`;
    await o.ledger.intend(key, day, cand.id, o.submitter.name, now());
    await o.hooks?.afterIntent?.(key);
    let receipt: SubmitReceipt | undefined;
    let refused = false;
    for (let tries = 0; !receipt && !refused; tries++) {
      try {
        receipt = await o.submitter.submit(cand, key);
      } catch (err) {
        if (err instanceof SubmissionRefusedError) {
          await o.ledger.setStatus(key, 'refused', null, now());
          o.log?.(`${key}: refused by ${o.submitter.name}: ${err.message}`);
          refused = true;
          continue;
        }
        if (!(err instanceof RateLimitedError)) throw err;
        if (tries >= (o.maxRateLimitRetries ?? 3) || err.retryAfterMs > (o.maxRetryWaitMs ?? 600_000)) {
          await o.ledger.setStatus(key, 'rate_limited', null, now());
          o.log?.(`${key}: rate limited (retry after ${err.retryAfterMs} ms); giving up for this run`);
          return { day, reconciled, submitted, stoppedBy: 'rate_limited', todayCount: await counted() };
        }
        o.log?.(`${key}: rate limited; waiting ${err.retryAfterMs} ms (Retry-After)`);
        await sleep(err.retryAfterMs);
      }
    }
    if (!receipt) continue;
    await o.hooks?.afterSubmit?.(key);
    await o.ledger.setStatus(key, 'submitted', receipt.ref, now());
    submitted.push(receipt);
    o.log?.(`submitted ${cand.id} as ${receipt.ref} (${key})`);
  }
}
