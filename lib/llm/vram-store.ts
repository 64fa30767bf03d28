/**
 * VRAM readings in DuckDB, for the dashboard and for the fleet's decisions:
 * `vram_gpu` (columns read_at, status, gpu_index, used_mib, total_mib, utilization_pct, detail; one row per GPU per reading; one row with status 'cpu_only'
 * when there is no GPU) and `vram_models` (read_at, model, size_bytes, vram_bytes, vram_fraction, partial_offload; one row per loaded model per reading).
 */
import type { Db } from '../db/index.js';
import type { VramReading } from './vram.js';

/** Creates the tables when missing. */
export async function ensureVramTables(db: Db): Promise<void> {
  await db.exec(`CREATE TABLE IF NOT EXISTS vram_gpu (
    read_at TIMESTAMP NOT NULL, status VARCHAR NOT NULL, gpu_index INTEGER, used_mib DOUBLE, total_mib DOUBLE, utilization_pct DOUBLE, detail VARCHAR)`);
  await db.exec(`CREATE TABLE IF NOT EXISTS vram_models (
    read_at TIMESTAMP NOT NULL, model VARCHAR NOT NULL, size_bytes BIGINT, vram_bytes BIGINT, vram_fraction DOUBLE, partial_offload BOOLEAN)`);
}

/** Stores one reading in one transaction. */
export async function storeVramReading(db: Db, r: VramReading): Promise<void> {
  const at = new Date(r.at).toISOString();
  await db.transaction(async (tx) => {
    if (r.gpu.status === 'gpu') {
      for (const g of r.gpu.gpus) await tx.exec('INSERT INTO vram_gpu VALUES (?::TIMESTAMP, ?, ?, ?, ?, ?, NULL)', [at, 'gpu', g.index, g.usedMiB, g.totalMiB, Number.isFinite(g.utilizationPct) ? g.utilizationPct : null]);
    } else {
      await tx.exec('INSERT INTO vram_gpu VALUES (?::TIMESTAMP, ?, NULL, NULL, NULL, NULL, ?)', [at, `cpu_only:${r.gpu.reason}`, r.gpu.detail]);
    }
    for (const m of r.models ?? []) await tx.exec('INSERT INTO vram_models VALUES (?::TIMESTAMP, ?, ?, ?, ?, ?)', [at, m.name, m.sizeBytes, m.vramBytes, m.vramFraction, m.partialOffload]);
  });
}
