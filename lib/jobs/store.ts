/**
 * Job state in DuckDB, for the dashboard and for `orchestrator` status:
 * `job_state` (one row per job: last start/end, status, result, next run,
 * run and failure counts) and `job_runs` (one row per child process: PID,
 * exit code or signal, why it ended, its result line). A job left 'running'
 * by a killed orchestrator is marked 'interrupted' when the store opens.
 */
import type { Db } from '../db/index.js';
import type { ChildExit, RunOutcome } from './supervisor.js';

/** One row of job_state. */
export interface JobStateRow {
  readonly job: string;
  readonly lastStart?: string;
  readonly lastEnd?: string;
  /** 'running', 'ok', 'failed', 'stopped', 'interrupted'. */
  readonly lastStatus?: string;
  /** Result line of the last successful run (JSON text). */
  readonly lastResult?: string;
  readonly nextRun?: string;
  readonly runs: number;
  readonly failures: number;
}

const iso = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : v instanceof Date ? v.toISOString() : typeof v === 'object' && v && 'toString' in v ? new Date(String(v).replace(' ', 'T') + (String(v).endsWith('Z') ? '' : 'Z')).toISOString() : String(v));

/** The DuckDB job tables (see the module comment). */
export class JobStore {
  private constructor(private readonly db: Db) {}

  /** Creates the tables when missing and marks jobs a killed orchestrator left 'running' as 'interrupted'. */
  static async open(db: Db): Promise<JobStore> {
    await db.exec(`CREATE TABLE IF NOT EXISTS job_state (job VARCHAR PRIMARY KEY, last_start TIMESTAMP, last_end TIMESTAMP, last_status VARCHAR,
      last_result VARCHAR, next_run TIMESTAMP, runs INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0)`);
    await db.exec(`CREATE TABLE IF NOT EXISTS job_runs (job VARCHAR NOT NULL, pid INTEGER, started_at TIMESTAMP, ended_at TIMESTAMP, exit_code INTEGER,
      signal VARCHAR, reason VARCHAR, result VARCHAR)`);
    await db.exec(`UPDATE job_state SET last_status = 'interrupted' WHERE last_status = 'running'`);
    return new JobStore(db);
  }

  private async ensure(job: string): Promise<void> {
    await this.db.exec('INSERT INTO job_state (job) VALUES (?) ON CONFLICT DO NOTHING', [job]);
  }

  /** Records the start of a run. */
  async started(job: string, at: number = Date.now()): Promise<void> {
    await this.ensure(job);
    await this.db.exec(`UPDATE job_state SET last_start = ?::TIMESTAMP, last_status = 'running' WHERE job = ?`, [new Date(at).toISOString(), job]);
  }

  /** Records a run's outcome and every child exit, in one transaction. */
  async finished(outcome: RunOutcome, at: number = Date.now()): Promise<void> {
    await this.ensure(outcome.name);
    await this.db.transaction(async (tx) => {
      for (const e of outcome.exits) await this.insertExit(tx, outcome.name, e);
      const result = outcome.result === undefined ? null : JSON.stringify(outcome.result);
      await tx.exec(
        `UPDATE job_state SET last_end = ?::TIMESTAMP, last_status = ?, last_result = coalesce(?, last_result), runs = runs + 1, failures = failures + ? WHERE job = ?`,
        [new Date(at).toISOString(), outcome.status, result, outcome.status === 'failed' ? 1 : 0, outcome.name],
      );
    });
  }

  private async insertExit(tx: Db, job: string, e: ChildExit): Promise<void> {
    await tx.exec('INSERT INTO job_runs VALUES (?, ?, ?::TIMESTAMP, ?::TIMESTAMP, ?, ?, ?, ?)', [
      job, e.pid, new Date(e.startedAt).toISOString(), new Date(e.endedAt).toISOString(), e.code, e.signal, e.reason, e.result === undefined ? null : JSON.stringify(e.result),
    ]);
  }

  /** Records when a job runs next (null: not scheduled). */
  async nextRun(job: string, at: Date | null): Promise<void> {
    await this.ensure(job);
    await this.db.exec('UPDATE job_state SET next_run = ?::TIMESTAMP WHERE job = ?', [at ? at.toISOString() : null, job]);
  }

  /** Every job's state, by name. */
  async states(): Promise<JobStateRow[]> {
    const rows = await this.db.all('SELECT * FROM job_state ORDER BY job');
    return rows.map((r) => ({
      job: String(r.job),
      ...(r.last_start != null ? { lastStart: iso(r.last_start) } : {}),
      ...(r.last_end != null ? { lastEnd: iso(r.last_end) } : {}),
      ...(r.last_status != null ? { lastStatus: String(r.last_status) } : {}),
      ...(r.last_result != null ? { lastResult: String(r.last_result) } : {}),
      ...(r.next_run != null ? { nextRun: iso(r.next_run) } : {}),
      runs: Number(r.runs),
      failures: Number(r.failures),
    }));
  }

  /** Child exits of a job, oldest first. */
  async runs(job: string): Promise<{ pid: number; exitCode: number | null; signal: string | null; reason: string; result: string | null }[]> {
    const rows = await this.db.all('SELECT pid, exit_code, signal, reason, result FROM job_runs WHERE job = ? ORDER BY started_at, rowid', [job]);
    return rows.map((r) => ({ pid: Number(r.pid), exitCode: r.exit_code == null ? null : Number(r.exit_code), signal: (r.signal as string | null) ?? null, reason: String(r.reason), result: (r.result as string | null) ?? null }));
  }
}
