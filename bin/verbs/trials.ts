/**
 * `alphalab trials list [--dataset D] [--horizon H] [--source S] [--limit N] [--json]` and
 * `alphalab trials show <run-id> [--json]`: the trial store (every recorded
 * factor evaluation; the deflated Sharpe counts them).
 */
import type { Command } from 'commander';
import { FactorStore, factorTable, interpretFactor, tearSheetSummary, tearSheetTitle, type TrialFilter } from '../../lib/factors/index.js';
import { withColumnKinds } from '../../lib/notebook/format.js';
import { positiveInt, printJson, printTable } from './common.js';

/** Registers `trials list|show`. */
export function registerTrials(program: Command): void {
  const cmd = program.command('trials').description('the trial store: every recorded factor evaluation (counted by the deflated Sharpe)');
  cmd
    .command('list')
    .description('recorded trials, newest first')
    .option('-d, --dataset <name>', 'only this dataset')
    .option('-H, --horizon <bars>', 'only this horizon', positiveInt)
    .option('--source <tag>', "only this source tag (e.g. 'cli', 'notebook', 'llm-loop')")
    .option('-n, --limit <n>', 'rows', positiveInt, 50)
    .option('--db <path>', 'DuckDB file (default data/quant.duckdb)')
    .option('--json', 'print one JSON line: {count, trials: [...]}')
    .action(async (o: { dataset?: string; horizon?: number; source?: string; limit: number; db?: string; json?: boolean }) => {
      const store = await FactorStore.open(o.db);
      try {
        const filter: TrialFilter = { dataset: o.dataset, horizon: o.horizon, source: o.source };
        const total = await store.countTrials(filter);
        const rows = (await store.trials(filter, o.limit)).map((r) => ({
          run_id: String(r.run_id), created: (r.created_at instanceof Date ? r.created_at.toISOString() : String(r.created_at)).slice(0, 19).replace('T', ' '), dataset: r.dataset as string, horizon: r.horizon as number,
          factor: r.factor_name as string, grade: r.grade as string, rank_ic: r.rank_ic_mean as number, t_nw: r.rank_ic_t_nw as number, ls_sharpe: r.ls_sharpe as number,
          source: (r.source as string | null) ?? '',
        }));
        if (o.json) return printJson({ count: total, shown: rows.length, trials: rows });
        printTable(withColumnKinds(rows, {}), { wrapAt: 80 });
        process.stdout.write(`${rows.length} of ${total} trials shown\n`);
      } finally {
        store.db.close();
      }
    });
  cmd
    .command('show')
    .description('one trial: summary, interpretation')
    .argument('<run-id>', 'run id (from trials list)')
    .option('--db <path>', 'DuckDB file (default data/quant.duckdb)')
    .option('--json', 'print one JSON line')
    .action(async (runId: string, o: { db?: string; json?: boolean }) => {
      const store = await FactorStore.open(o.db);
      try {
        const r = await store.getReport(runId);
        if (!r) throw new Error(`no trial with run id "${runId}" (see: alphalab trials list)`);
        if (o.json) return printJson({ ...factorTable([r])[0], run_id: r.runId, dataset: r.dataset, horizon: r.settings.horizon, created: r.createdAt, interpretation: interpretFactor(r) });
        process.stdout.write(`${tearSheetTitle(r)}\n`);
        for (const [k, v] of tearSheetSummary(r)) process.stdout.write(`  ${k}: ${v}\n`);
        for (const l of interpretFactor(r)) process.stdout.write(`* ${l}\n`);
      } finally {
        store.db.close();
      }
    });
}
