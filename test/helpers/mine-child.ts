/**
 * Child process of the mining resume test: runs a grid miner on a synthetic
 * panel against the DuckDB file in argv[2], printing one line per candidate
 * journaled (the parent kills it with SIGKILL mid-run), then `done`.
 */
import { FactorStore } from '../../lib/factors/index.js';
import { mineGrid } from '../../lib/mine/index.js';
import { MINE_TEST_GRID } from './mine-grid.js';
import { syntheticPanel } from './panels.js';

async function main(): Promise<void> {
  const store = await FactorStore.open(process.argv[2]!);
  const r = await mineGrid({ ...MINE_TEST_GRID, panel: syntheticPanel(300, 20, 5), store, skipRetest: true, onProgress: (p) => process.stdout.write(`screened ${p.screened}\n`) });
  process.stdout.write(`done ${r.candidates}\n`);
  store.db.close();
}
void main();
