/**
 * What a mining run wrote, minus ids, timestamps and durations, for tests that
 * compare two runs (in-process vs worker threads vs queue): the trial rows in
 * insertion order (every column and the decoded report), and the journal;
 * and the kill -9 step of the resume tests.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { decodeJson } from '../../lib/db/index.js';
import type { FactorStore } from '../../lib/factors/index.js';
import type { MineResult } from '../../lib/mine/index.js';

const VOLATILE = new Set(['run_id', 'created_at', 'compute_ms', 'report']);

/** The store's trial rows in insertion order, without run_id / created_at / compute_ms; the report JSON decoded without runId, createdAt and the durations (timings, computeMs, stageMs). */
export async function comparableTrialRows(store: FactorStore): Promise<Record<string, unknown>[]> {
  const rows = await store.db.all('SELECT * FROM factor_trials ORDER BY rowid');
  return rows.map((r) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) if (!VOLATILE.has(k)) out[k] = v;
    const report = decodeJson<Record<string, unknown>>(String(r.report));
    delete report.runId;
    delete report.createdAt;
    delete report.timings;
    delete report.computeMs;
    delete report.stageMs;
    out.report = report;
    return out;
  });
}

/** The journal of a run as comparable strings (expression, status, metrics, self-correlation, hopeful, lineage). */
export function journalKey(r: MineResult): string[] {
  return r.journal.map((j) => `${j.seq}|${j.expression}|${j.status}|${j.sharpe}|${j.fitness}|${j.turnover}|${j.selfCorr}|${j.hopeful}|${j.newTrial}|${j.parent}|${j.mutation}|${j.generation}`);
}

/**
 * Runs the mining child (test/helpers/mine-child.ts) on the DuckDB file `path`
 * with `args` (worker threads, batch size) and kills it with SIGKILL once it
 * has journaled `killAfter` candidates; resolves with the count it printed.
 */
export async function mineChildKilledAfter(path: string, killAfter: number, args: readonly string[] = []): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'helpers', 'mine-child.ts'), path, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      seen += (d.toString().match(/^screened /gm) ?? []).length;
      if (seen >= killAfter) child.kill('SIGKILL');
    });
    child.on('exit', () => resolve());
    child.on('error', reject);
  });
  return seen;
}
