/**
 * The knowledge base: every hypothesis the loop proposed, its evaluations
 * (metrics per split), failure reasons, the model and prompt version that
 * produced it and timings, in DuckDB (tables `kb_runs`, `kb_hypotheses`,
 * `kb_evaluations`, `kb_failures`, `kb_model_calls`).
 *
 * Signal stage: the tester's signal backtest is stored per hypothesis as
 * JSON (`kb_hypotheses.signal`, the whole {@link SignalStage}) plus columns
 * for queries (`signal_pass`, `signal_trades`, `signal_win_rate`,
 * `signal_profit_factor`, `signal_expectancy`, `signal_per_1000`), and as
 * evaluation rows (splits `signal` and `signal_full`). Databases written
 * before the signal stage are migrated on open (columns added, NULL for old
 * hypotheses; `kb_meta.schema_version` 1 -> 2); nothing else changes.
 *
 * Crash safety: each state change is one transaction (a hypothesis is
 * inserted as 'proposed', moved to 'testing', then its outcome, evaluations,
 * failures and final status are written together). Ids (H001, H002, ...)
 * come from max(seq)+1 inside the inserting transaction, so they survive
 * restarts and are never reused. A process killed mid-iteration leaves its
 * hypothesis 'proposed' or 'testing' and its run 'running';
 * {@link KnowledgeBase.recoverInterrupted} marks such runs 'interrupted' and
 * returns those hypotheses so the next run re-tests them (their proposal was
 * saved, so nothing is lost; no outcome was written, so nothing is doubled).
 */
import { randomBytes } from 'node:crypto';
import { Db, decodeNumber, nonFiniteAsString, reviveNonFinite } from '../db/index.js';
import type { FailureKind, FailureReason, Hypothesis, HypothesisProposal, HypothesisStatus, SignalStage, SplitEvaluation, TestOutcome } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kb_runs (
  run_id VARCHAR PRIMARY KEY, seq INTEGER NOT NULL, started_ms DOUBLE NOT NULL, finished_ms DOUBLE,
  status VARCHAR NOT NULL, goal VARCHAR, category VARCHAR, dataset VARCHAR, provider VARCHAR, model VARCHAR,
  options VARCHAR, stop_reason VARCHAR, summary VARCHAR);
CREATE TABLE IF NOT EXISTS kb_hypotheses (
  id VARCHAR PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, run_id VARCHAR NOT NULL, iteration INTEGER NOT NULL,
  name VARCHAR NOT NULL, category VARCHAR NOT NULL, rationale VARCHAR NOT NULL, expressions VARCHAR NOT NULL,
  canonical VARCHAR NOT NULL, expected_sign INTEGER NOT NULL, params VARCHAR NOT NULL, parent_id VARCHAR,
  decision VARCHAR NOT NULL, decision_reason VARCHAR NOT NULL, status VARCHAR NOT NULL,
  provider VARCHAR NOT NULL, model VARCHAR NOT NULL, prompt_version VARCHAR NOT NULL, thinking VARCHAR NOT NULL,
  repairs INTEGER NOT NULL, model_ms DOUBLE NOT NULL, test_ms DOUBLE, sharpe DOUBLE, grade VARCHAR,
  headline VARCHAR, strategy_path VARCHAR, note VARCHAR, created_ms DOUBLE NOT NULL, updated_ms DOUBLE NOT NULL);
CREATE TABLE IF NOT EXISTS kb_evaluations (
  hypothesis_id VARCHAR NOT NULL, split VARCHAR NOT NULL, metrics VARCHAR NOT NULL, PRIMARY KEY (hypothesis_id, split));
CREATE TABLE IF NOT EXISTS kb_failures (
  hypothesis_id VARCHAR NOT NULL, ord INTEGER NOT NULL, kind VARCHAR NOT NULL, detail VARCHAR NOT NULL, PRIMARY KEY (hypothesis_id, ord));
CREATE TABLE IF NOT EXISTS kb_model_calls (
  run_id VARCHAR NOT NULL, iteration INTEGER NOT NULL, round INTEGER NOT NULL, provider VARCHAR, model VARCHAR,
  prompt_version VARCHAR, ms DOUBLE, raw VARCHAR, thinking VARCHAR, error VARCHAR, created_ms DOUBLE NOT NULL, usage VARCHAR);
CREATE TABLE IF NOT EXISTS kb_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
`;

/** Schema version written by this code (1: before the signal stage; 2: signal columns). */
export const KB_SCHEMA_VERSION = 2;

/** Columns added by version 2 (the signal stage), in `ALTER TABLE ... ADD COLUMN` form. */
const SIGNAL_COLUMNS: readonly (readonly [string, string])[] = [
  ['signal', 'VARCHAR'],
  ['signal_pass', 'BOOLEAN'],
  ['signal_trades', 'INTEGER'],
  ['signal_win_rate', 'DOUBLE'],
  ['signal_profit_factor', 'DOUBLE'],
  ['signal_expectancy', 'DOUBLE'],
  ['signal_per_1000', 'DOUBLE'],
];

/** Formats a hypothesis id from its sequence number: 1 -> "H001" (more digits past 999). */
export function hypothesisId(seq: number): string {
  return `H${String(seq).padStart(3, '0')}`;
}

/** JSON text in the document form of lib/db json.ts (non-finite numbers as "NaN" / "Infinity" / "-Infinity"). */
function toJson(v: unknown): string {
  return JSON.stringify(v, nonFiniteAsString);
}

/** Metrics record from JSON text: numbers, the non-finite strings, and null (rows written before non-finite values were kept) as NaN. */
function metricsFrom(text: unknown): Record<string, number> {
  if (typeof text !== 'string' || text === '') return {};
  const o = JSON.parse(text) as Record<string, unknown>;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) out[k] = decodeNumber(v);
  return out;
}

const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));

/** A run of the loop, as stored. */
export interface RunRecord {
  readonly runId: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly status: 'running' | 'completed' | 'interrupted' | 'error';
  readonly goal: string;
  readonly category: string;
  readonly dataset: string;
  readonly provider: string;
  readonly model: string;
  readonly stopReason: string;
  readonly summary: Record<string, unknown>;
}

/** Search filters for {@link KnowledgeBase.search}. */
export interface SearchOptions {
  readonly status?: HypothesisStatus;
  readonly category?: string;
  /** Case-insensitive substring of name, rationale or expressions. */
  readonly text?: string;
  /** Max rows, newest first. Default 50. */
  readonly limit?: number;
}

/** Success statistics of one group (category or model). */
export interface GroupStats {
  readonly key: string;
  /** Hypotheses tested (an outcome was recorded). */
  readonly tested: number;
  readonly validated: number;
  /** validated / tested (NaN when none tested). */
  readonly successRate: number;
  /** Best headline Sharpe among tested ones. */
  readonly bestSharpe: number;
}

/** Whole-KB statistics. */
export interface KbStats {
  readonly total: number;
  readonly byStatus: Readonly<Record<string, number>>;
  readonly byCategory: readonly GroupStats[];
  readonly byModel: readonly GroupStats[];
  /** Hypotheses with a recorded test outcome: the trial count for the deflated Sharpe. */
  readonly trials: number;
  readonly runs: number;
}

/** One failure pattern with its count and latest example. */
export interface FailurePattern {
  readonly kind: FailureKind;
  readonly count: number;
  /** Count per category. */
  readonly byCategory: Readonly<Record<string, number>>;
  readonly example: { readonly id: string; readonly expression: string; readonly detail: string };
}

/**
 * Data to insert a new hypothesis: the proposal plus the {@link Hypothesis}
 * fields known at proposal time (thinking, repairs and model time default to
 * '', 0 and 0).
 */
export type NewHypothesis = { readonly proposal: HypothesisProposal } & Pick<Hypothesis, 'canonical' | 'runId' | 'iteration' | 'provider' | 'model' | 'promptVersion'> &
  Partial<Pick<Hypothesis, 'thinking' | 'repairs' | 'modelMs'>>;

/** The knowledge base over a {@link Db}. */
export class KnowledgeBase {
  private constructor(readonly db: Db) {}

  /**
   * Opens (creating the tables if needed) the knowledge base in `db` or the
   * DuckDB file at the given path (default: the project catalog).
   */
  static async open(db?: Db | string): Promise<KnowledgeBase> {
    const d = db instanceof Db ? db : await Db.open(db);
    await d.exec(SCHEMA);
    await migrate(d);
    // token counts and timings of each model call (JSON of ChatUsage); NULL for older rows and providers that report none
    await d.exec(`ALTER TABLE kb_model_calls ADD COLUMN IF NOT EXISTS usage VARCHAR`);
    return new KnowledgeBase(d);
  }

  /**
   * This knowledge base's id: 8 random hex digits made once and kept in `kb_meta`
   * (key `kb_id`). Exports go to `<strategies>/kb-<id>/`, so two knowledge bases
   * (runs with different --db) never overwrite each other's `H0xx_*` folders.
   */
  async id(): Promise<string> {
    const get = async (): Promise<string | undefined> => (await this.db.one<{ value: string }>(`SELECT value FROM kb_meta WHERE key = 'kb_id'`))?.value;
    const have = await get();
    if (have) return have;
    await this.db.exec(`INSERT OR IGNORE INTO kb_meta (key, value) VALUES ('kb_id', ?)`, [randomBytes(4).toString('hex')]);
    return (await get())!;
  }

  /** Schema version of the open database ({@link KB_SCHEMA_VERSION} after open). */
  async schemaVersion(): Promise<number> {
    const r = await this.db.one<{ value: string }>(`SELECT value FROM kb_meta WHERE key = 'schema_version'`);
    return r ? Number(r.value) : 1;
  }

  /** Closes the connection. */
  close(): void {
    this.db.close();
  }

  // ---- runs ---------------------------------------------------------------

  /**
   * Marks runs left 'running' by a dead process as 'interrupted' and returns
   * the hypotheses they left open ('proposed' or 'testing'), oldest first.
   * Call once at start, before {@link startRun}, in the only process using the file.
   */
  async recoverInterrupted(): Promise<{ runs: string[]; open: Hypothesis[] }> {
    return this.db.transaction(async (db) => {
      const runs = (await db.all<{ run_id: string }>(`SELECT run_id FROM kb_runs WHERE status = 'running' ORDER BY seq`)).map((r) => r.run_id);
      if (runs.length) {
        await db.exec(`UPDATE kb_runs SET status = 'interrupted', finished_ms = ?, stop_reason = coalesce(stop_reason, 'process ended without finishing (killed or crashed)') WHERE status = 'running'`, [Date.now()]);
      }
      return { runs, open: await this.openHypotheses() };
    });
  }

  /** Hypotheses with no outcome yet ('proposed' / 'testing'), oldest first. */
  async openHypotheses(): Promise<Hypothesis[]> {
    const rows = await this.db.all(`SELECT * FROM kb_hypotheses WHERE status IN ('proposed', 'testing') ORDER BY seq`);
    return rows.map(rowToHypothesis);
  }

  /** Starts a run; returns its id (R001, R002, ...). */
  async startRun(info: { goal: string; category?: string; dataset: string; provider: string; model: string; options?: Record<string, unknown> }): Promise<string> {
    return this.db.transaction(async (db) => {
      const seq = num((await db.one(`SELECT coalesce(max(seq), 0) + 1 AS s FROM kb_runs`))!.s);
      const runId = `R${String(seq).padStart(3, '0')}`;
      await db.exec(`INSERT INTO kb_runs (run_id, seq, started_ms, status, goal, category, dataset, provider, model, options) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)`, [
        runId,
        seq,
        Date.now(),
        info.goal,
        info.category ?? '',
        info.dataset,
        info.provider,
        info.model,
        toJson(info.options ?? {}),
      ]);
      return runId;
    });
  }

  /** Ends a run with its status, stop reason and summary. */
  async finishRun(runId: string, status: 'completed' | 'interrupted' | 'error', stopReason: string, summary: Record<string, unknown>): Promise<void> {
    await this.db.exec(`UPDATE kb_runs SET status = ?, finished_ms = ?, stop_reason = ?, summary = ? WHERE run_id = ?`, [status, Date.now(), stopReason, toJson(summary), runId]);
  }

  /** All runs, oldest first. */
  async runs(): Promise<RunRecord[]> {
    const rows = await this.db.all(`SELECT * FROM kb_runs ORDER BY seq`);
    return rows.map((r) => ({
      runId: String(r.run_id),
      startedAt: num(r.started_ms),
      finishedAt: num(r.finished_ms),
      status: r.status as RunRecord['status'],
      goal: String(r.goal ?? ''),
      category: String(r.category ?? ''),
      dataset: String(r.dataset ?? ''),
      provider: String(r.provider ?? ''),
      model: String(r.model ?? ''),
      stopReason: String(r.stop_reason ?? ''),
      summary: r.summary ? (JSON.parse(String(r.summary), reviveNonFinite) as Record<string, unknown>) : {},
    }));
  }

  // ---- hypotheses ----------------------------------------------------------

  /** Inserts a hypothesis with status 'proposed' and the next id, in one transaction. */
  async addHypothesis(h: NewHypothesis): Promise<Hypothesis> {
    const id = await this.db.transaction(async (db) => {
      const seq = num((await db.one(`SELECT coalesce(max(seq), 0) + 1 AS s FROM kb_hypotheses`))!.s);
      const id = hypothesisId(seq);
      const p = h.proposal;
      const now = Date.now();
      await db.exec(
        `INSERT INTO kb_hypotheses (id, seq, run_id, iteration, name, category, rationale, expressions, canonical, expected_sign, params, parent_id,
           decision, decision_reason, status, provider, model, prompt_version, thinking, repairs, model_ms, created_ms, updated_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'proposed', ?, ?, ?, ?, ?, ?, ?, ?)`,
        [id, seq, h.runId, h.iteration, p.name, p.category, p.rationale, toJson(p.expressions), h.canonical, p.expectedSign, toJson(p.params), p.parentId ?? null,
          p.decision, p.decisionReason, h.provider, h.model, h.promptVersion, h.thinking ?? '', h.repairs ?? 0, h.modelMs ?? 0, now, now],
      );
      return id;
    });
    return (await this.get(id))!;
  }

  /** Moves a hypothesis to 'testing'. @throws Error when it is not 'proposed' or 'testing'. */
  async markTesting(id: string): Promise<void> {
    await this.db.transaction(async (db) => {
      const row = await db.one<{ status: string }>(`SELECT status FROM kb_hypotheses WHERE id = ?`, [id]);
      if (!row) throw new Error(`knowledge base: no hypothesis ${id}`);
      if (row.status !== 'proposed' && row.status !== 'testing') throw new Error(`knowledge base: ${id} is ${row.status}, cannot test it again`);
      await db.exec(`UPDATE kb_hypotheses SET status = 'testing', updated_ms = ? WHERE id = ?`, [Date.now(), id]);
    });
  }

  /**
   * Records a test outcome: evaluations, failures, headline, timings, status
   * ('validated' when it passed, else 'failed') and export path, all in one
   * transaction.
   * @throws Error when the hypothesis already has an outcome (never recorded twice).
   */
  async recordOutcome(id: string, outcome: TestOutcome, testMs: number, strategyPath = ''): Promise<void> {
    await this.db.transaction(async (db) => {
      const row = await db.one<{ status: string }>(`SELECT status FROM kb_hypotheses WHERE id = ?`, [id]);
      if (!row) throw new Error(`knowledge base: no hypothesis ${id}`);
      if (row.status !== 'proposed' && row.status !== 'testing') throw new Error(`knowledge base: ${id} already has an outcome (${row.status})`);
      for (const e of outcome.evaluations) {
        await db.exec(`INSERT INTO kb_evaluations (hypothesis_id, split, metrics) VALUES (?, ?, ?)`, [id, e.split, toJson(e.metrics)]);
      }
      await this.insertFailures(db, id, outcome.failures);
      await db.exec(`UPDATE kb_hypotheses SET status = ?, test_ms = ?, sharpe = ?, grade = ?, headline = ?, strategy_path = ?, updated_ms = ? WHERE id = ?`, [
        outcome.pass ? 'validated' : 'failed',
        testMs,
        Number.isFinite(outcome.sharpe) ? outcome.sharpe : null,
        outcome.grade,
        toJson(outcome.headline),
        strategyPath,
        Date.now(),
        id,
      ]);
      const sg = outcome.signal;
      if (sg) {
        const fin = (x: number) => (Number.isNaN(x) ? null : x); // Infinity (no losing trade) is a valid DOUBLE
        await db.exec(
          `UPDATE kb_hypotheses SET signal = ?, signal_pass = ?, signal_trades = ?, signal_win_rate = ?, signal_profit_factor = ?, signal_expectancy = ?, signal_per_1000 = ? WHERE id = ?`,
          [JSON.stringify(sg, nonFiniteAsString), sg.pass, sg.test.nTrades, fin(sg.test.winRate), fin(sg.test.profitFactor), fin(sg.test.expectancy), fin(sg.test.signalsPer1000Bars), id],
        );
      }
    });
  }

  /**
   * Records a hypothesis that was not tested (duplicate canonical expression,
   * invalid expression after the repair rounds) as 'failed' with its reason,
   * in the same transaction as its insertion.
   */
  async addUntested(h: NewHypothesis, reason: FailureReason): Promise<Hypothesis> {
    const hyp = await this.db.transaction(async () => {
      const added = await this.addHypothesis(h);
      await this.insertFailures(this.db, added.id, [reason]);
      await this.db.exec(`UPDATE kb_hypotheses SET status = 'failed', updated_ms = ? WHERE id = ?`, [Date.now(), added.id]);
      return added;
    });
    return (await this.get(hyp.id))!;
  }

  private async insertFailures(db: Db, id: string, failures: readonly FailureReason[]): Promise<void> {
    for (let i = 0; i < failures.length; i++) {
      await db.exec(`INSERT INTO kb_failures (hypothesis_id, ord, kind, detail) VALUES (?, ?, ?, ?)`, [id, i, failures[i]!.kind, failures[i]!.detail]);
    }
  }

  /** Marks a failed hypothesis 'abandoned' (its line of research is dropped), with the reason in `note`. */
  async abandon(id: string, reason: string): Promise<void> {
    await this.db.exec(`UPDATE kb_hypotheses SET status = 'abandoned', note = ?, updated_ms = ? WHERE id = ? AND status = 'failed'`, [reason, Date.now(), id]);
  }

  /** Sets the export path of a validated hypothesis. */
  async setStrategyPath(id: string, path: string): Promise<void> {
    await this.db.exec(`UPDATE kb_hypotheses SET strategy_path = ?, updated_ms = ? WHERE id = ?`, [path, Date.now(), id]);
  }

  /** Logs one model exchange (prompt round) for the record. */
  async logModelCall(c: { runId: string; iteration: number; round: number; provider: string; model: string; promptVersion: string; ms: number; raw: string; thinking: string; error: string; usage?: Readonly<Record<string, number>> }): Promise<void> {
    await this.db.exec(
      `INSERT INTO kb_model_calls (run_id, iteration, round, provider, model, prompt_version, ms, raw, thinking, error, created_ms, usage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [c.runId, c.iteration, c.round, c.provider, c.model, c.promptVersion, c.ms, c.raw, c.thinking, c.error, Date.now(), c.usage ? JSON.stringify(c.usage) : null],
    );
  }

  /** The logged model calls of a run (all runs when omitted), in call order; `usage` parsed (token counts, load time, tokens/s) or undefined. */
  async modelCalls(runId?: string): Promise<{ runId: string; iteration: number; round: number; provider: string; model: string; ms: number; raw: string; error: string; usage?: Record<string, number> }[]> {
    const rows = await this.db.all(`SELECT * FROM kb_model_calls ${runId ? 'WHERE run_id = ?' : ''} ORDER BY created_ms, iteration, round`, runId ? [runId] : undefined);
    return rows.map((r) => ({
      runId: String(r.run_id),
      iteration: num(r.iteration),
      round: num(r.round),
      provider: String(r.provider ?? ''),
      model: String(r.model ?? ''),
      ms: num(r.ms),
      raw: String(r.raw ?? ''),
      error: String(r.error ?? ''),
      ...(r.usage === null || r.usage === undefined ? {} : { usage: JSON.parse(String(r.usage)) as Record<string, number> }),
    }));
  }

  /** Number of logged model calls of a run (all runs when omitted). */
  async modelCallCount(runId?: string): Promise<number> {
    const r = await this.db.one(runId ? `SELECT count(*) AS n FROM kb_model_calls WHERE run_id = ?` : `SELECT count(*) AS n FROM kb_model_calls`, runId ? [runId] : undefined);
    return num(r!.n);
  }

  // ---- queries ---------------------------------------------------------------

  /** One hypothesis by id, or undefined. */
  async get(id: string): Promise<Hypothesis | undefined> {
    const r = await this.db.one(`SELECT * FROM kb_hypotheses WHERE id = ?`, [id]);
    return r ? rowToHypothesis(r) : undefined;
  }

  /** All hypotheses, by id order. */
  async all(): Promise<Hypothesis[]> {
    return (await this.db.all(`SELECT * FROM kb_hypotheses ORDER BY seq`)).map(rowToHypothesis);
  }

  /** Evaluations (per split) of a hypothesis. */
  async evaluations(id: string): Promise<SplitEvaluation[]> {
    const rows = await this.db.all(`SELECT split, metrics FROM kb_evaluations WHERE hypothesis_id = ? ORDER BY split`, [id]);
    return rows.map((r) => ({ split: String(r.split), metrics: metricsFrom(r.metrics) }));
  }

  /** Failure reasons of a hypothesis, in recorded order. */
  async failures(id: string): Promise<FailureReason[]> {
    const rows = await this.db.all(`SELECT kind, detail FROM kb_failures WHERE hypothesis_id = ? ORDER BY ord`, [id]);
    return rows.map((r) => ({ kind: r.kind as FailureKind, detail: String(r.detail) }));
  }

  /**
   * The signal stage stored with a hypothesis' outcome (non-finite numbers
   * such as an Infinity profit factor restored), or undefined when it has none
   * (not tested yet, untested rejection, or recorded before the signal stage existed).
   */
  async signalStage(id: string): Promise<SignalStage | undefined> {
    const r = await this.db.one(`SELECT signal FROM kb_hypotheses WHERE id = ?`, [id]);
    if (!r || r.signal === null || r.signal === undefined || r.signal === '') return undefined;
    return JSON.parse(String(r.signal), reviveNonFinite) as SignalStage;
  }

  /** Signal-stage columns of every tested hypothesis that has them, by id order (NaN for a missing number). */
  async signalTable(): Promise<{ id: string; name: string; status: string; pass: boolean; trades: number; winRate: number; profitFactor: number; expectancy: number; signalsPer1000Bars: number }[]> {
    const rows = await this.db.all(`SELECT id, name, status, signal_pass, signal_trades, signal_win_rate, signal_profit_factor, signal_expectancy, signal_per_1000 FROM kb_hypotheses WHERE signal_pass IS NOT NULL ORDER BY seq`);
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      status: String(r.status),
      pass: r.signal_pass === true,
      trades: num(r.signal_trades),
      winRate: num(r.signal_win_rate),
      profitFactor: num(r.signal_profit_factor),
      expectancy: num(r.signal_expectancy),
      signalsPer1000Bars: num(r.signal_per_1000),
    }));
  }

  /** Headline metrics stored with a hypothesis' outcome ({} before). */
  async headline(id: string): Promise<Record<string, number>> {
    const r = await this.db.one(`SELECT headline FROM kb_hypotheses WHERE id = ?`, [id]);
    return metricsFrom(r?.headline);
  }

  /** Search by status, category and text; newest first. */
  async search(opts: SearchOptions = {}): Promise<Hypothesis[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (opts.status) {
      where.push('status = ?');
      params.push(opts.status);
    }
    if (opts.category) {
      where.push('category = ?');
      params.push(opts.category);
    }
    if (opts.text) {
      where.push(`(name ILIKE ? OR rationale ILIKE ? OR expressions ILIKE ?)`);
      const like = `%${opts.text.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
      params.push(like, like, like);
    }
    const sql = `SELECT * FROM kb_hypotheses ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${Math.max(1, Math.floor(opts.limit ?? 50))}`;
    return (await this.db.all(sql, params)).map(rowToHypothesis);
  }

  /** Whether a canonical expression was already proposed; returns the first id that has it. */
  async findCanonical(canonical: string): Promise<string | undefined> {
    const r = await this.db.one(`SELECT id FROM kb_hypotheses WHERE canonical = ? AND canonical <> '' ORDER BY seq LIMIT 1`, [canonical]);
    return r ? String(r.id) : undefined;
  }

  /** Every canonical expression stored (to avoid proposing duplicates). */
  async canonicals(): Promise<Set<string>> {
    return new Set((await this.db.all(`SELECT DISTINCT canonical FROM kb_hypotheses`)).map((r) => String(r.canonical)));
  }

  /** Validated hypotheses, best headline Sharpe first. */
  async best(n = 5): Promise<Hypothesis[]> {
    return (await this.db.all(`SELECT * FROM kb_hypotheses WHERE status = 'validated' ORDER BY sharpe DESC NULLS LAST, seq LIMIT ${Math.max(1, Math.floor(n))}`)).map(rowToHypothesis);
  }

  /** Tested hypotheses by headline Sharpe (any status), best first: candidates to mutate. */
  async bestTested(n = 5): Promise<Hypothesis[]> {
    return (await this.db.all(`SELECT * FROM kb_hypotheses WHERE sharpe IS NOT NULL ORDER BY sharpe DESC, seq LIMIT ${Math.max(1, Math.floor(n))}`)).map(rowToHypothesis);
  }

  /**
   * The most instructive failures: for each failure kind, the failed
   * hypothesis with the largest |Sharpe| (closest to working, or strongest
   * with the wrong sign), then the most recent ones, up to `n`.
   */
  async instructiveFailures(n = 5): Promise<Hypothesis[]> {
    const rows = await this.db.all(`
      SELECT h.*, f.kind AS fkind FROM kb_hypotheses h JOIN kb_failures f ON f.hypothesis_id = h.id AND f.ord = 0
      WHERE h.status IN ('failed', 'abandoned') ORDER BY abs(coalesce(h.sharpe, 0)) DESC, h.seq DESC`);
    const chosen: Hypothesis[] = [];
    const seenKinds = new Set<string>();
    const seenIds = new Set<string>();
    for (const r of rows) {
      if (chosen.length >= n) break;
      if (seenKinds.has(String(r.fkind))) continue;
      seenKinds.add(String(r.fkind));
      seenIds.add(String(r.id));
      chosen.push(rowToHypothesis(r));
    }
    const recent = [...rows].sort((a, b) => num(b.seq) - num(a.seq));
    for (const r of recent) {
      if (chosen.length >= n) break;
      if (seenIds.has(String(r.id))) continue;
      seenIds.add(String(r.id));
      chosen.push(rowToHypothesis(r));
    }
    return chosen;
  }

  /** Number of hypotheses with a recorded test outcome (trials for the deflated Sharpe). */
  async trialCount(): Promise<number> {
    return num((await this.db.one(`SELECT count(*) AS n FROM kb_hypotheses WHERE test_ms IS NOT NULL`))!.n);
  }

  /** Counts by status, success rate by category and by model, trial and run counts. */
  async stats(): Promise<KbStats> {
    const byStatus: Record<string, number> = {};
    let total = 0;
    for (const r of await this.db.all(`SELECT status, count(*) AS n FROM kb_hypotheses GROUP BY status`)) {
      byStatus[String(r.status)] = num(r.n);
      total += num(r.n);
    }
    const group = async (col: 'category' | 'model'): Promise<GroupStats[]> => {
      const rows = await this.db.all(`
        SELECT ${col} AS k, count(*) FILTER (WHERE test_ms IS NOT NULL) AS tested, count(*) FILTER (WHERE status = 'validated') AS validated,
               max(sharpe) AS best FROM kb_hypotheses GROUP BY ${col} ORDER BY ${col}`);
      return rows.map((r) => ({ key: String(r.k), tested: num(r.tested), validated: num(r.validated), successRate: num(r.tested) > 0 ? num(r.validated) / num(r.tested) : NaN, bestSharpe: num(r.best) }));
    };
    return {
      total,
      byStatus,
      byCategory: await group('category'),
      byModel: await group('model'),
      trials: await this.trialCount(),
      runs: num((await this.db.one(`SELECT count(*) AS n FROM kb_runs`))!.n),
    };
  }

  /** Failure kinds, most frequent first, with counts per category and the latest example. */
  async failurePatterns(): Promise<FailurePattern[]> {
    const rows = await this.db.all(`
      SELECT f.kind, h.category, h.id, h.seq, h.expressions, f.detail FROM kb_failures f JOIN kb_hypotheses h ON h.id = f.hypothesis_id ORDER BY h.seq DESC`);
    const map = new Map<string, { count: number; byCategory: Record<string, number>; example: FailurePattern['example'] }>();
    for (const r of rows) {
      const k = String(r.kind);
      let e = map.get(k);
      if (!e) {
        e = { count: 0, byCategory: {}, example: { id: String(r.id), expression: (JSON.parse(String(r.expressions)) as string[])[0] ?? '', detail: String(r.detail) } };
        map.set(k, e);
      }
      e.count++;
      const c = String(r.category);
      e.byCategory[c] = (e.byCategory[c] ?? 0) + 1;
    }
    return [...map.entries()].map(([kind, e]) => ({ kind: kind as FailureKind, ...e })).sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
  }
}

/**
 * Brings a knowledge base written by an older version up to
 * {@link KB_SCHEMA_VERSION}: adds the signal-stage columns when missing
 * (old rows keep NULL) and records the version, in one transaction. Idempotent.
 */
async function migrate(db: Db): Promise<void> {
  const have = new Set((await db.all<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'kb_hypotheses' AND table_schema = current_schema()`)).map((r) => r.column_name));
  const missing = SIGNAL_COLUMNS.filter(([c]) => !have.has(c));
  const v = await db.one<{ value: string }>(`SELECT value FROM kb_meta WHERE key = 'schema_version'`);
  if (missing.length === 0 && v && Number(v.value) >= KB_SCHEMA_VERSION) return;
  await db.transaction(async (tx) => {
    for (const [c, type] of missing) await tx.exec(`ALTER TABLE kb_hypotheses ADD COLUMN ${c} ${type}`);
    await tx.exec(`INSERT OR REPLACE INTO kb_meta (key, value) VALUES ('schema_version', ?)`, [String(KB_SCHEMA_VERSION)]);
  });
}

function rowToHypothesis(r: Record<string, unknown>): Hypothesis {
  const parent = r.parent_id === null || r.parent_id === undefined ? undefined : String(r.parent_id);
  return {
    id: String(r.id),
    runId: String(r.run_id),
    iteration: num(r.iteration),
    name: String(r.name),
    category: String(r.category),
    rationale: String(r.rationale),
    expressions: JSON.parse(String(r.expressions)) as string[],
    canonical: String(r.canonical),
    expectedSign: num(r.expected_sign) < 0 ? -1 : 1,
    params: JSON.parse(String(r.params)) as Hypothesis['params'],
    ...(parent ? { parentId: parent } : {}),
    decision: r.decision === 'refine' ? 'refine' : 'new',
    decisionReason: String(r.decision_reason ?? ''),
    status: r.status as HypothesisStatus,
    provider: String(r.provider),
    model: String(r.model),
    promptVersion: String(r.prompt_version),
    thinking: String(r.thinking ?? ''),
    modelMs: num(r.model_ms),
    testMs: num(r.test_ms),
    sharpe: num(r.sharpe),
    strategyPath: String(r.strategy_path ?? ''),
    repairs: num(r.repairs),
    createdAt: num(r.created_ms),
    updatedAt: num(r.updated_ms),
  };
}
