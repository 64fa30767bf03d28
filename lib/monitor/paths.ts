/**
 * Where the dashboard finds each store (the defaults of the CLIs that write
 * them; docs/model-fleet.md, docs/trading.md, lib/venues/README.md).
 */
import { join, resolve } from 'node:path';

/** Paths of the stores the dashboard reads and the folder it writes commands to. */
export interface MonitorPaths {
  /** Project root. */
  readonly root: string;
  /** The catalog: knowledge base (kb_*), trial store (factor_trials), BRAIN tables. Default data/quant.duckdb ($ALPHALAB_DB). */
  readonly catalog: string;
  /** Orchestrator job state and VRAM readings (job_state, job_runs, vram_gpu, vram_models). Default data/jobs.duckdb ($ALPHALAB_JOBS_DB). */
  readonly jobs: string;
  /** Model fleet state file. Default data/model_fleet_state.json ($ALPHALAB_FLEET_STATE). */
  readonly fleetState: string;
  /** pino JSON-lines logs, one file per component (`<component>.log`). Default data/logs. */
  readonly logs: string;
  /** Trading journals (`*.duckdb`, each with its `.STOP` file). Default data/trade. */
  readonly trade: string;
  /** Where the dashboard writes commands: the PAUSE file and request files. Default data/control. */
  readonly control: string;
}

/** The default paths under `root`, with the environment overrides the CLIs honour; `over` replaces any of them. */
export function monitorPaths(root: string, over: Partial<MonitorPaths> = {}): MonitorPaths {
  const env = process.env;
  return {
    root,
    catalog: env.ALPHALAB_DB ? resolve(env.ALPHALAB_DB) : join(root, 'data', 'quant.duckdb'),
    jobs: env.ALPHALAB_JOBS_DB ? resolve(env.ALPHALAB_JOBS_DB) : join(root, 'data', 'jobs.duckdb'),
    fleetState: env.ALPHALAB_FLEET_STATE ? resolve(env.ALPHALAB_FLEET_STATE) : join(root, 'data', 'model_fleet_state.json'),
    logs: join(root, 'data', 'logs'),
    trade: join(root, 'data', 'trade'),
    control: join(root, 'data', 'control'),
    ...over,
  };
}
