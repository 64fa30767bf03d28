/**
 * `alphalab data list [--json]`: the dataset catalog (name, kind, frequency,
 * market, symbols, first / last time, rows), plus the bundled samples that
 * load without an ingest.
 */
import type { Command } from 'commander';
import { BUNDLED, listDatasets } from '../../lib/data/index.js';
import { Db } from '../../lib/db/index.js';
import { printJson, printTable } from './common.js';

/** Registers `data list`. */
export function registerData(program: Command): void {
  const cmd = program.command('data').description('datasets');
  cmd
    .command('list')
    .description('the catalog: datasets, symbols, time ranges, rows')
    .option('--db <path>', 'DuckDB file (default data/quant.duckdb)')
    .option('--json', 'print one JSON line: {datasets: [...], bundled: [...]}')
    .action(async (o: { db?: string; json?: boolean }) => {
      const db = await Db.open(o.db);
      try {
        const rows = (await listDatasets(db)).map((d) => ({
          name: d.name, kind: d.kind, frequency: d.frequency, market: d.market, symbols: d.symbols.length, first: d.firstTime ?? '', last: d.lastTime ?? '', rows: d.rowCount,
        }));
        const bundled = Object.keys(BUNDLED);
        if (o.json) return printJson({ datasets: rows, bundled });
        printTable(rows);
        process.stdout.write(`bundled samples (load without an ingest): ${bundled.join(', ')}${rows.length ? '' : '; the catalog is empty: run `alphalab ingest`'}\n`);
      } finally {
        db.close();
      }
    });
}
