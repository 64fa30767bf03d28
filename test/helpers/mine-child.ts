/**
 * Child process of the mining resume test: runs a grid miner on a synthetic
 * panel against the DuckDB file in argv[2], printing one line per candidate
 * journaled (the parent kills it with SIGKILL mid-run), then `done`.
 * argv[3] (optional): worker threads (lib/mine threadPoolExecutor) instead of
 * the in-process executor; argv[4]: batch size.
 */
import { FactorStore } from '../../lib/factors/index.js';
import { mineGrid, threadPoolExecutor } from '../../lib/mine/index.js';
import { MINE_TEST_GRID } from './mine-grid.js';
import { syntheticPanel } from './panels.js';

async function main(): Promise<void> {
  const store = await FactorStore.open(process.argv[2]!);
  const workers = process.argv[3] ? Number(process.argv[3]) : 0;
  const pool = workers > 0 ? { executor: threadPoolExecutor({ workers }), ...(process.argv[4] ? { batchSize: Number(process.argv[4]) } : {}) } : {};
  const r = await mineGrid({ ...MINE_TEST_GRID, ...pool, panel: syntheticPanel(300, 20, 5), store, skipRetest: true, onProgress: (p) => process.stdout.write(`screened ${p.screened}\n`) });
  process.stdout.write(`done ${r.candidates}\n`);
  store.db.close();
}
void main();
