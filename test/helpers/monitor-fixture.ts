/** Seeds a temporary project's stores once per test file (child process test/helpers/monitor-seed.ts) and builds the dashboard's paths over them. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorPaths, type MonitorPaths } from '../../lib/monitor/index.js';

/** What the seed's writers reported (see monitor-seed.ts). */
export interface SeedReport {
  research: { runs: number; hypotheses: number; byStatus: Record<string, number>; stopReason: string };
  trials: number;
  hopeful: number;
  hopefulPassing: number;
  submissions: { alphaId: string; state: string }[];
  journals: Record<string, { venue: string; trades: number; pnl: number; positions: number; state: string; unrealized: number; equityPnl: number; marks: Record<string, number> }>;
  jobs: { job: string; lastStart?: string; lastEnd?: string; lastStatus?: string; nextRun?: string; runs: number; failures: number }[];
  /** A request the seed ran through the request folder (done), and a pending force exit on paper-rw. */
  request: { id: string; jobId: string };
  forceExit: { id: string; symbol: string; source: string; at: string };
}

/** Dashboard paths with every store under `dir/data` (assets from the project). */
export function pathsUnder(dir: string): MonitorPaths {
  const d = join(dir, 'data');
  return monitorPaths(process.cwd(), { catalog: join(d, 'quant.duckdb'), jobs: join(d, 'jobs.duckdb'), fleetState: join(d, 'model_fleet_state.json'), logs: join(d, 'logs'), trade: join(d, 'trade'), control: join(d, 'control') });
}

/** Runs the seed in a child process (2 research iterations) and returns its folder, paths and report. @throws Error with the child's stderr when it fails */
export function seedStores(): { dir: string; paths: MonitorPaths; seed: SeedReport } {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-monitor-'));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/monitor-seed.ts', dir, '--research', '2'], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`monitor seed failed (${r.status}): ${r.stderr}`);
  const seed = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as SeedReport;
  return { dir, paths: pathsUnder(dir), seed };
}
