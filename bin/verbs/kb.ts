/**
 * `alphalab kb init [--db FILE] [--json]`: creates the research knowledge
 * base tables (hypotheses, runs, failures) in the DuckDB file, idempotently.
 */
import type { Command } from 'commander';
import { openKnowledgeBase } from '../../lib/agent/index.js';
import { printJson } from './common.js';

/** Registers `kb init`. */
export function registerKb(program: Command): void {
  const cmd = program.command('kb').description('the research knowledge base (queries: npm run kb -- search | stats)');
  cmd
    .command('init')
    .description('create the knowledge base tables (idempotent)')
    .option('--db <path>', 'DuckDB file (default data/quant.duckdb)')
    .option('--json', 'print one JSON line')
    .action(async (o: { db?: string; json?: boolean }) => {
      const kb = await openKnowledgeBase(o.db);
      try {
        const st = await kb.stats();
        if (o.json) return printJson({ ok: true, db: o.db ?? 'data/quant.duckdb', hypotheses: st.total, runs: st.runs });
        process.stdout.write(`knowledge base ready in ${o.db ?? 'data/quant.duckdb'}: ${st.total} hypotheses, ${st.runs} runs\n`);
      } finally {
        kb.close();
      }
    });
}
