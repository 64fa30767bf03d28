/**
 * The factor trial store in DuckDB: one row per evaluation (a "trial") with
 * every metric in its own column, the resolved settings as JSON and the full
 * report (series included) encoded losslessly, plus a compact rank snapshot
 * per factor and dataset for redundancy checks.
 *
 * Schema (created on open, idempotent):
 * - `factor_trials`: run_id (PK), cache_key (unique: factor + dataset +
 *   period + settings + data fingerprint), created_at, factor_id, factor_name,
 *   expression, values_hash, dataset, frequency, market, period_start/end,
 *   n_dates, n_assets, horizon, delay, quantiles, portfolio, annualization,
 *   settings (JSON), ic_* and rank_ic_* statistics, spread / spread_se /
 *   spread_t / spread_t_nw, monotonicity, turnover_top / turnover_bottom, rank_autocorr,
 *   coverage, ls_* performance (sharpe, sortino, calmar, max_drawdown,
 *   annual_return, annual_volatility, total_return, sharpe_per_bar, skew,
 *   kurtosis, n_bars), direction, redundancy_max / redundancy_with, dsr /
 *   dsr_sr0 / dsr_trials, grade, pass, reasons (JSON), grade_points,
 *   compute_ms, source, report (encoded JSON).
 *   The deflated Sharpe counts rows of this table (trials per dataset) and
 *   uses the variance of `ls_sharpe_per_bar` across them; the LLM loop reads
 *   the metric columns with the expression and settings.
 *   Columns added after the first version are added to an existing table on
 *   open (`ALTER TABLE ... ADD COLUMN IF NOT EXISTS`).
 * - `factor_snapshots`: (factor_id, dataset, assets_hash) -> 16-bit per-date
 *   rank percentiles on up to 250 sampled dates (see ./redundancy.ts), base64.
 * - `config_trials`: one row per configuration a parameter study tried
 *   (lib/backtest `tuneOnRange` through the screen): run_id (study id +
 *   trial number), dataset, study, trial_number, params (JSON), state
 *   (COMPLETE / PRUNED / FAIL), objective (the tuning score, e.g. mean fold
 *   Sharpe, annualized), sharpe_per_bar (objective / sqrt(annualization) for
 *   a COMPLETE trial, else NULL), annualization, source. The trial count and
 *   the Sharpe variance of the deflated Sharpe ({@link FactorStore.trialSharpeStats},
 *   {@link FactorStore.countTrials}) count these rows with the factor
 *   trials of the same dataset: every configuration tried is a trial.
 */
import { Buffer } from 'node:buffer';
import { Db } from '../db/index.js';
import { decodeJson, encodeJson } from '../db/index.js';
import { deflatedSharpeReport, type DeflatedSharpeResult } from '../stats/index.js';
import { SnapshotIndex, type RankSnapshot } from './redundancy.js';
import type { FactorReport } from './report.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS factor_trials (
  run_id VARCHAR PRIMARY KEY,
  cache_key VARCHAR NOT NULL UNIQUE,
  created_at TIMESTAMP NOT NULL,
  factor_id VARCHAR NOT NULL,
  factor_name VARCHAR NOT NULL,
  expression VARCHAR,
  values_hash VARCHAR,
  dataset VARCHAR NOT NULL,
  frequency VARCHAR NOT NULL,
  market VARCHAR NOT NULL,
  period_start TIMESTAMP,
  period_end TIMESTAMP,
  n_dates INTEGER,
  n_assets INTEGER,
  horizon INTEGER NOT NULL,
  delay INTEGER NOT NULL,
  quantiles INTEGER NOT NULL,
  portfolio VARCHAR NOT NULL,
  annualization DOUBLE NOT NULL,
  settings JSON NOT NULL,
  ic_mean DOUBLE, ic_std DOUBLE, ic_ir DOUBLE, ic_t DOUBLE, ic_p DOUBLE, ic_positive DOUBLE,
  rank_ic_mean DOUBLE, rank_ic_std DOUBLE, rank_ic_ir DOUBLE, rank_ic_t DOUBLE, rank_ic_p DOUBLE,
  rank_ic_t_nw DOUBLE, rank_ic_p_nw DOUBLE, rank_ic_positive DOUBLE, ic_dates INTEGER,
  ic_decay JSON,
  spread DOUBLE, spread_se DOUBLE, spread_t DOUBLE, monotonicity DOUBLE, quantile_returns JSON,
  turnover_top DOUBLE, turnover_bottom DOUBLE, rank_autocorr DOUBLE, coverage DOUBLE,
  ls_sharpe DOUBLE, ls_sortino DOUBLE, ls_calmar DOUBLE, ls_max_drawdown DOUBLE, ls_annual_return DOUBLE,
  ls_annual_volatility DOUBLE, ls_total_return DOUBLE, ls_sharpe_per_bar DOUBLE, ls_skew DOUBLE, ls_kurtosis DOUBLE,
  ls_n_bars INTEGER,
  direction INTEGER,
  redundancy_max DOUBLE, redundancy_with VARCHAR,
  dsr DOUBLE, dsr_sr0 DOUBLE, dsr_trials INTEGER,
  grade VARCHAR NOT NULL, pass BOOLEAN NOT NULL, reasons JSON NOT NULL, grade_points INTEGER,
  compute_ms DOUBLE,
  source VARCHAR,
  report VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS factor_snapshots (
  factor_id VARCHAR NOT NULL,
  factor_name VARCHAR NOT NULL,
  dataset VARCHAR NOT NULL,
  assets_hash VARCHAR NOT NULL,
  n_assets INTEGER NOT NULL,
  times VARCHAR NOT NULL,
  codes VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL,
  PRIMARY KEY (factor_id, dataset, assets_hash)
);
ALTER TABLE factor_trials ADD COLUMN IF NOT EXISTS spread_t_nw DOUBLE;
CREATE TABLE IF NOT EXISTS config_trials (
  run_id VARCHAR PRIMARY KEY,
  created_at TIMESTAMP NOT NULL,
  dataset VARCHAR NOT NULL,
  study VARCHAR NOT NULL,
  trial_number INTEGER NOT NULL,
  params JSON NOT NULL,
  state VARCHAR NOT NULL,
  objective DOUBLE,
  sharpe_per_bar DOUBLE,
  annualization DOUBLE NOT NULL,
  source VARCHAR
);
`;

/** Every trial of the store as one relation (factor evaluations and tried configurations; the latter have no horizon, delay or factor id). */
const ALL_TRIALS = `(SELECT dataset, horizon, delay, factor_id, source, ls_sharpe_per_bar FROM factor_trials
  UNION ALL SELECT dataset, NULL::INTEGER, NULL::INTEGER, NULL::VARCHAR, source, sharpe_per_bar FROM config_trials) AS all_trials`;

/** A configuration a parameter study tried, for {@link FactorStore.recordConfigurations}. */
export interface ConfigurationTrial {
  readonly dataset: string;
  /** Study id, unique per study (run_id = study + ':' + number). */
  readonly study: string;
  readonly number: number;
  readonly params: unknown;
  readonly state: 'COMPLETE' | 'PRUNED' | 'FAIL';
  /** Tuning objective (annualized Sharpe or a mean of fold Sharpes); null unless COMPLETE. */
  readonly objective: number | null;
  /** Bars per year of the objective's Sharpe. */
  readonly annualization: number;
  readonly source?: string;
}

/** Filter of stored trials; every field optional, combined with AND. */
export interface TrialFilter {
  /** Dataset name. */
  dataset?: string;
  /** Forward-return horizon in bars. */
  horizon?: number;
  /** Delay setting (0 or 1). */
  delay?: 0 | 1;
  /** Factor id (canonical expression, or values:<name>:<hash>). */
  factorId?: string;
  /** Source tag given at evaluation (e.g. 'notebook', 'llm-loop'). */
  source?: string;
}

/** One stored trial's summary columns (see the module comment for the full schema). */
export type FactorTrialRow = Record<string, unknown> & {
  run_id: string;
  factor_id: string;
  factor_name: string;
  dataset: string;
  horizon: number;
  grade: string;
  pass: boolean;
};

function where(f: TrialFilter = {}): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  if (f.dataset !== undefined) {
    parts.push('dataset = ?');
    params.push(f.dataset);
  }
  if (f.horizon !== undefined) {
    parts.push('horizon = ?');
    params.push(f.horizon);
  }
  if (f.delay !== undefined) {
    parts.push('delay = ?');
    params.push(f.delay);
  }
  if (f.factorId !== undefined) {
    parts.push('factor_id = ?');
    params.push(f.factorId);
  }
  if (f.source !== undefined) {
    parts.push('source = ?');
    params.push(f.source);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

const isoTs = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/**
 * DuckDB-backed trial store (see the module comment for the schema). Open one
 * with {@link FactorStore.open}; pass it to `evaluateFactor` to cache results
 * and count trials.
 */
export class FactorStore {
  private tail: Promise<unknown> = Promise.resolve();
  /**
   * In-memory copies of what every new trial reads, so recording one costs no
   * scan or decode that grows with the store: per (dataset, universe) the
   * decoded rank snapshots indexed by date, per dataset the per-bar Sharpes of
   * the trials in row order. Loaded on first use, updated by this object's
   * writes, and reloaded when the tables' counts or latest snapshot time
   * ({@link FactorStore.stamp}, one small query per use) differ from what this
   * object expects: another store object or process wrote in between.
   */
  private readonly snapCache = new Map<string, { index: SnapshotIndex<SnapshotMeta>; count: number; latestUs: number }>();
  private readonly sharpeCache = new Map<string, { factor: number[]; config: number[]; nFactor: number; nConfig: number }>();

  private constructor(
    /** The database the tables live in. */
    readonly db: Db,
  ) {}

  /**
   * Runs `fn` after every earlier `exclusive` call on this store has settled
   * (a per-store async lock), so concurrent evaluations do not interleave
   * their check-then-write on the one DuckDB connection.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Opens the store on `db` (a Db, a file path, or `':memory:'`; default: the
   * project database `data/quant.duckdb`) and creates its tables if missing.
   * @throws Error from DuckDB when the file cannot be opened.
   */
  static async open(db?: Db | string): Promise<FactorStore> {
    const handle = db instanceof Db ? db : await Db.open(db);
    await handle.exec(SCHEMA);
    return new FactorStore(handle);
  }

  /**
   * What the caches of `dataset` (and universe `assetsHash`) are checked
   * against: trial and configuration counts of the dataset, snapshot count
   * and latest snapshot time (epoch microseconds) of the universe. One query.
   */
  private async stamp(dataset: string, assetsHash: string): Promise<{ nFactor: number; nConfig: number; nSnap: number; latestUs: number }> {
    const r = (await this.db.one<{ nt: number; nc: number; ns: number; ms: number | null }>(
      `SELECT (SELECT count(*) FROM factor_trials WHERE dataset = $1) AS nt, (SELECT count(*) FROM config_trials WHERE dataset = $1) AS nc,
              (SELECT count(*) FROM factor_snapshots WHERE dataset = $1 AND assets_hash = $2) AS ns,
              (SELECT epoch_us(max(created_at)) FROM factor_snapshots WHERE dataset = $1 AND assets_hash = $2) AS ms`,
      [dataset, assetsHash],
    ))!;
    return { nFactor: Number(r.nt), nConfig: Number(r.nc), nSnap: Number(r.ns), latestUs: r.ms === null ? -Infinity : Number(r.ms) };
  }

  /** Reloads the caches of (dataset, universe) that do not match the tables (see {@link FactorStore.snapCache}). */
  private async fresh(dataset: string, assetsHash: string | null): Promise<void> {
    const st = await this.stamp(dataset, assetsHash ?? '');
    const sc = this.sharpeCache.get(dataset);
    if (!sc || sc.nFactor !== st.nFactor || sc.nConfig !== st.nConfig) {
      const f = await this.db.all<{ x: number | null }>('SELECT ls_sharpe_per_bar AS x FROM factor_trials WHERE dataset = ? ORDER BY rowid', [dataset]);
      const c = await this.db.all<{ x: number | null }>('SELECT sharpe_per_bar AS x FROM config_trials WHERE dataset = ? ORDER BY rowid', [dataset]);
      const finite = (rows: { x: number | null }[]) => rows.map((r) => r.x).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
      this.sharpeCache.set(dataset, { factor: finite(f), config: finite(c), nFactor: f.length, nConfig: c.length });
    }
    if (assetsHash === null) return;
    const key = `${dataset}\u0000${assetsHash}`;
    const cached = this.snapCache.get(key);
    if (cached && cached.count === st.nSnap && cached.latestUs === st.latestUs) return;
    const index = new SnapshotIndex<SnapshotMeta>(snapshotOrder);
    const rows = await this.db.all<{ factor_id: string; factor_name: string; n_assets: number; times: string; codes: string; us: number }>(
      'SELECT factor_id, factor_name, n_assets, times, codes, epoch_us(created_at) AS us FROM factor_snapshots WHERE dataset = ? AND assets_hash = ? ORDER BY created_at, factor_id',
      [dataset, assetsHash],
    );
    let latestUs = -Infinity;
    for (const r of rows) {
      const us = Number(r.us);
      index.add(r.factor_id, { factorId: r.factor_id, name: r.factor_name, createdUs: us }, decodeSnapshot(r.times, r.codes, Number(r.n_assets)));
      if (us > latestUs) latestUs = us;
    }
    this.snapCache.set(key, { index, count: rows.length, latestUs });
  }

  /** The stored report with this cache key (factor + dataset + period + settings + data fingerprint), or undefined. */
  async findByKey(cacheKey: string): Promise<FactorReport | undefined> {
    const row = await this.db.one<{ report: string }>('SELECT report FROM factor_trials WHERE cache_key = ?', [cacheKey]);
    return row ? decodeJson<FactorReport>(row.report) : undefined;
  }

  /** The stored report of a run id, or undefined. */
  async getReport(runId: string): Promise<FactorReport | undefined> {
    const row = await this.db.one<{ report: string }>('SELECT report FROM factor_trials WHERE run_id = ?', [runId]);
    return row ? decodeJson<FactorReport>(row.report) : undefined;
  }

  /**
   * Writes one trial row (and, when given, the factor's rank snapshot) in one
   * transaction.
   * @throws Error from DuckDB, e.g. when the cache key is already stored.
   */
  async insert(report: FactorReport, snapshot?: { assetsHash: string; snapshot: RankSnapshot }): Promise<void> {
    const r = report;
    const ls = r.longShort.stats;
    const row: Record<string, string | number | boolean | null> = {
      run_id: r.runId,
      cache_key: r.cacheKey,
      created_at: r.createdAt.replace('T', ' ').replace('Z', ''),
      factor_id: r.factor.id,
      factor_name: r.factor.name,
      expression: r.factor.expression,
      values_hash: r.factor.valuesHash,
      dataset: r.dataset,
      frequency: r.frequency,
      market: r.market,
      period_start: r.nDates > 0 ? isoTs(r.times[0]!) : null,
      period_end: r.nDates > 0 ? isoTs(r.times[r.nDates - 1]!) : null,
      n_dates: r.nDates,
      n_assets: r.nAssets,
      horizon: r.settings.horizon,
      delay: r.settings.delay,
      quantiles: r.settings.quantiles,
      portfolio: r.settings.portfolio,
      annualization: r.annualization,
      settings: JSON.stringify(r.settings),
      ic_mean: r.ic.mean, ic_std: r.ic.std, ic_ir: r.ic.ir, ic_t: r.ic.t, ic_p: r.ic.p, ic_positive: r.ic.positiveShare,
      rank_ic_mean: r.rankIc.mean, rank_ic_std: r.rankIc.std, rank_ic_ir: r.rankIc.ir, rank_ic_t: r.rankIc.t, rank_ic_p: r.rankIc.p,
      rank_ic_t_nw: r.rankIc.tNeweyWest, rank_ic_p_nw: r.rankIc.pNeweyWest, rank_ic_positive: r.rankIc.positiveShare, ic_dates: r.rankIc.nDates,
      ic_decay: encodeJson(r.decay),
      spread: r.quantiles.spread, spread_se: r.quantiles.spreadSe, spread_t: r.quantiles.spreadT, spread_t_nw: r.quantiles.spreadTNeweyWest, monotonicity: r.quantiles.monotonicity,
      quantile_returns: encodeJson(r.quantiles.meanReturn),
      turnover_top: r.turnover.top, turnover_bottom: r.turnover.bottom, rank_autocorr: r.turnover.rankAutocorrelation, coverage: r.coverage.mean,
      ls_sharpe: ls.sharpe, ls_sortino: ls.sortino, ls_calmar: ls.calmar, ls_max_drawdown: ls.maxDrawdown, ls_annual_return: ls.annualReturn,
      ls_annual_volatility: ls.annualVolatility, ls_total_return: ls.totalReturn, ls_sharpe_per_bar: ls.sharpePerBar, ls_skew: ls.skew,
      ls_kurtosis: ls.kurtosis, ls_n_bars: ls.nBars,
      direction: r.direction,
      redundancy_max: r.redundancy ? r.redundancy.maxAbsCorr : null,
      redundancy_with: r.redundancy ? r.redundancy.with : null,
      dsr: r.deflatedSharpe ? r.deflatedSharpe.dsr : null,
      dsr_sr0: r.deflatedSharpe ? r.deflatedSharpe.sr0PerBar : null,
      dsr_trials: r.deflatedSharpe ? r.deflatedSharpe.nTrials : null,
      grade: r.grade.grade, pass: r.grade.pass, reasons: JSON.stringify(r.grade.reasons), grade_points: r.grade.points.total,
      compute_ms: r.computeMs,
      source: r.source,
      report: encodeJson(r),
    };
    const cols = Object.keys(row);
    const ph = cols.map((c) => (c === 'created_at' || c === 'period_start' || c === 'period_end' ? '?::TIMESTAMP' : '?'));
    await this.db.transaction(async (db) => {
      await db.exec(`INSERT INTO factor_trials (${cols.join(', ')}) VALUES (${ph.join(', ')})`, cols.map((c) => row[c]!));
      if (snapshot) {
        const s = snapshot.snapshot;
        await db.exec(
          `INSERT OR REPLACE INTO factor_snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?::TIMESTAMP)`,
          [
            r.factor.id, r.factor.name, r.dataset, snapshot.assetsHash, s.nAssets,
            Buffer.from(s.times.buffer, s.times.byteOffset, s.times.byteLength).toString('base64'),
            Buffer.from(s.codes.buffer, s.codes.byteOffset, s.codes.byteLength).toString('base64'),
            r.createdAt.replace('T', ' ').replace('Z', ''),
          ],
        );
      }
    });
    // the caches follow this write (a cache that was stale stays detectably stale: its counts stay off)
    const sc = this.sharpeCache.get(r.dataset);
    if (sc) {
      sc.nFactor++;
      if (Number.isFinite(ls.sharpePerBar)) sc.factor.push(ls.sharpePerBar);
    }
    const cached = snapshot ? this.snapCache.get(`${r.dataset}\u0000${snapshot.assetsHash}`) : undefined;
    if (snapshot && cached) {
      const before = cached.index.size;
      const us = Date.parse(r.createdAt) * 1000;
      cached.index.add(r.factor.id, { factorId: r.factor.id, name: r.factor.name, createdUs: us }, snapshot.snapshot);
      cached.count += cached.index.size - before;
      // a replaced snapshot may have held the latest time
      cached.latestUs = cached.index.size === before ? cached.index.list().reduce((m, e) => Math.max(m, e.meta.createdUs), -Infinity) : Math.max(cached.latestUs, us);
    }
  }

  /** Sets the deflated Sharpe columns of a stored trial (the report JSON keeps the values it was written with plus these). */
  async updateDeflatedSharpe(runId: string, dsr: Pick<DeflatedSharpeResult, 'dsr' | 'sr0PerBar' | 'nTrials'>, report?: FactorReport): Promise<void> {
    if (report) {
      await this.db.exec('UPDATE factor_trials SET dsr = ?, dsr_sr0 = ?, dsr_trials = ?, report = ? WHERE run_id = ?', [dsr.dsr, dsr.sr0PerBar, dsr.nTrials, encodeJson(report), runId]);
    } else {
      await this.db.exec('UPDATE factor_trials SET dsr = ?, dsr_sr0 = ?, dsr_trials = ? WHERE run_id = ?', [dsr.dsr, dsr.sr0PerBar, dsr.nTrials, runId]);
    }
  }

  /**
   * Recomputes the deflated Sharpe columns (dsr, dsr_sr0, dsr_trials) of every
   * stored trial on `dataset` with the trials recorded now (their count and
   * the variance of their per-bar long-short Sharpes), so earlier trials are
   * deflated by the trials added since. Uses the stored per-bar Sharpe, skew,
   * kurtosis and bar count of each trial's directional long-short returns
   * (sign flipped when direction = -1: Sharpe and skew change sign, kurtosis
   * does not). The encoded report keeps the value computed at evaluation.
   * @returns the number of trials updated and the count used.
   */
  async refreshDeflatedSharpe(dataset: string): Promise<{ updated: number; nTrials: number; trialSharpeVariance: number }> {
    const { nTrials, variance } = await this.trialSharpeStats({ dataset });
    const v = nTrials <= 1 ? 0 : variance;
    const rows = await this.db.all<{ run_id: string; direction: number; sr: number; skew: number; kurt: number; n: number }>(
      'SELECT run_id, direction, ls_sharpe_per_bar AS sr, ls_skew AS skew, ls_kurtosis AS kurt, ls_n_bars AS n FROM factor_trials WHERE dataset = ?',
      [dataset],
    );
    await this.db.transaction(async (db) => {
      for (const r of rows) {
        const d = r.direction < 0 ? -1 : 1;
        const res = deflatedSharpeReport({ sharpePerBar: d * r.sr, nObs: r.n, skew: d * r.skew, kurtosis: r.kurt, nTrials, trialSharpeVariance: v });
        await db.exec('UPDATE factor_trials SET dsr = ?, dsr_sr0 = ?, dsr_trials = ? WHERE run_id = ?', [res.dsr, res.sr0PerBar, nTrials, r.run_id]);
      }
    });
    return { updated: rows.length, nTrials, trialSharpeVariance: v };
  }

  /** Number of trials matching the filter: stored factor evaluations and tried configurations (the latter only match filters on dataset and source). */
  async countTrials(filter?: TrialFilter): Promise<number> {
    const w = where(filter);
    const row = await this.db.one<{ n: number }>(`SELECT count(*) AS n FROM ${ALL_TRIALS} ${w.sql}`, w.params);
    return row ? Number(row.n) : 0;
  }

  /**
   * Records the configurations a parameter study tried (one transaction; a
   * run id already stored is kept as is), so the deflated Sharpe of the
   * dataset counts each of them. The per-bar Sharpe is objective /
   * sqrt(annualization) for a COMPLETE trial.
   * @returns the number of rows added
   */
  async recordConfigurations(rows: readonly ConfigurationTrial[]): Promise<number> {
    let added = 0;
    await this.exclusive(() => this.db.transaction(async (db) => {
      for (const r of rows) {
        if (!(r.annualization > 0)) throw new RangeError(`recordConfigurations: study ${r.study} trial ${r.number}: annualization must be > 0, got ${r.annualization}`);
        const runId = `${r.study}:${r.number}`;
        if (await db.one('SELECT 1 AS x FROM config_trials WHERE run_id = ?', [runId])) continue;
        const v = r.state === 'COMPLETE' && r.objective !== null && Number.isFinite(r.objective) ? r.objective : null;
        await db.exec('INSERT INTO config_trials VALUES (?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
          runId, r.dataset, r.study, r.number, encodeJson(r.params), r.state, r.objective, v === null ? null : v / Math.sqrt(r.annualization), r.annualization, r.source ?? null,
        ]);
        added++;
      }
    }));
    for (const r of rows) this.sharpeCache.delete(r.dataset);
    return added;
  }

  /**
   * Trial count and the sample variance (ddof 1) of the per-bar long-short
   * Sharpe ratios (`ls_sharpe_per_bar`, top minus bottom, finite values only;
   * for tried configurations their `sharpe_per_bar`, NULL when pruned or
   * failed: counted, not in the variance)
   * of the trials matching the filter: the inputs of the deflated Sharpe ratio
   * (Bailey & Lopez de Prado 2014). `extraSharpe` counts one more trial not
   * stored yet (with that per-bar Sharpe). variance is NaN with fewer than 2
   * finite Sharpes.
   */
  async trialSharpeStats(filter?: TrialFilter, extraSharpe?: number): Promise<TrialSharpeStats> {
    if (filter && filter.dataset !== undefined && Object.entries(filter).every(([k, v]) => k === 'dataset' || v === undefined)) {
      // the per-trial path (deflated Sharpe of each new trial): from memory, same sums in row order
      await this.fresh(filter.dataset, null);
      return this.cachedTrialStats(filter.dataset, extraSharpe);
    }
    const w = where(filter);
    const row = await this.db.one<{ n: number; s: number | null; ss: number | null; nf: number }>(
      `SELECT count(*) AS n, sum(ls_sharpe_per_bar) FILTER (WHERE isfinite(ls_sharpe_per_bar)) AS s,
              count(*) FILTER (WHERE isfinite(ls_sharpe_per_bar)) AS nf FROM ${ALL_TRIALS} ${w.sql}`,
      w.params,
    );
    const st = sharpeStats(Number(row?.n ?? 0), Number(row?.nf ?? 0), row?.s ?? 0, extraSharpe);
    if ('result' in st) return st.result;
    const dev = await this.db.one<{ ss: number | null }>(
      `SELECT sum((ls_sharpe_per_bar - ?) * (ls_sharpe_per_bar - ?)) FILTER (WHERE isfinite(ls_sharpe_per_bar)) AS ss FROM ${ALL_TRIALS} ${w.sql}`,
      [st.mean, st.mean, ...w.params],
    );
    return st.finish(dev?.ss ?? 0);
  }

  /** Summary rows of the trials matching the filter (every column but the encoded report), newest first. */
  async trials(filter?: TrialFilter, limit = 1000): Promise<FactorTrialRow[]> {
    const w = where(filter);
    return this.db.all<FactorTrialRow>(`SELECT * EXCLUDE (report) FROM factor_trials ${w.sql} ORDER BY created_at DESC LIMIT ${Math.max(0, Math.floor(limit))}`, w.params);
  }

  /**
   * The best stored trials by a metric column, largest absolute value first
   * (e.g. 'rank_ic_ir', 'rank_ic_mean', 'ls_sharpe', 'grade_points'), for
   * leaderboards and for the LLM loop's examples. Summary columns only.
   * @throws Error when `by` is not a numeric metric column of factor_trials.
   */
  async best(filter: TrialFilter = {}, by = 'rank_ic_ir', limit = 20): Promise<FactorTrialRow[]> {
    const allowed = new Set(['ic_mean', 'ic_ir', 'ic_t', 'rank_ic_mean', 'rank_ic_ir', 'rank_ic_t', 'rank_ic_t_nw', 'spread', 'spread_t', 'monotonicity',
      'ls_sharpe', 'ls_sortino', 'ls_calmar', 'ls_annual_return', 'dsr', 'grade_points', 'coverage']);
    if (!allowed.has(by)) throw new Error(`FactorStore.best: cannot order by "${by}"; use one of ${[...allowed].join(', ')}`);
    const w = where(filter);
    return this.db.all<FactorTrialRow>(
      `SELECT * EXCLUDE (report) FROM factor_trials ${w.sql}${w.sql ? ' AND' : ' WHERE'} isfinite(${by}) ORDER BY abs(${by}) DESC LIMIT ${Math.max(0, Math.floor(limit))}`,
      w.params,
    );
  }

  /** {@link FactorStore.trialSharpeStats} of a dataset from the cache (call after `fresh`): the SQL formula's sums, in row order (factor trials, then configurations). */
  private cachedTrialStats(dataset: string, extraSharpe?: number): TrialSharpeStats {
    const c = this.sharpeCache.get(dataset)!;
    let sum = 0;
    for (const x of c.factor) sum += x;
    for (const x of c.config) sum += x;
    const st = sharpeStats(c.nFactor + c.nConfig, c.factor.length + c.config.length, sum, extraSharpe);
    if ('result' in st) return st.result;
    const m = st.mean;
    let ss = 0;
    for (const x of c.factor) ss += (x - m) * (x - m);
    for (const x of c.config) ss += (x - m) * (x - m);
    return st.finish(ss);
  }

  /**
   * Everything a new trial reads from the store, after one freshness query:
   * {@link FactorStore.snapshotCorrelations} of its snapshot and
   * {@link FactorStore.trialSharpeStats} of its dataset with its per-bar
   * Sharpe `pendingSharpe` counted as one more trial.
   */
  async trialInputs(dataset: string, assetsHash: string, snapshot: RankSnapshot, excludeFactorId: string | undefined, pendingSharpe: number): Promise<{
    compared: number; correlations: { factorId: string; name: string; corr: number }[]; trials: { nTrials: number; variance: number; nFinite: number };
  }> {
    await this.fresh(dataset, assetsHash);
    return { ...this.cachedCorrelations(dataset, assetsHash, snapshot, excludeFactorId), trials: this.cachedTrialStats(dataset, pendingSharpe) };
  }

  /**
   * Rank snapshots stored for `dataset` and universe `assetsHash`, except the
   * factor `excludeFactorId`, oldest first (created_at, then factor id).
   * Decoded once and kept in this store object (see the caches above).
   */
  async snapshots(dataset: string, assetsHash: string, excludeFactorId?: string): Promise<{ factorId: string; name: string; snapshot: RankSnapshot }[]> {
    await this.fresh(dataset, assetsHash);
    return this.snapCache.get(`${dataset}\u0000${assetsHash}`)!.index.list()
      .filter((e) => e.id !== excludeFactorId)
      .map((e) => ({ factorId: e.id, name: e.meta.name, snapshot: e.snapshot }));
  }

  /**
   * Redundancy inputs of a new trial: `snapshotCorrelation(snapshot, stored)`
   * for every stored snapshot of `dataset` and universe `assetsHash` (except
   * `excludeFactorId`) that shares a qualifying date with `snapshot`, oldest
   * first as {@link FactorStore.snapshots}; the others would give NaN. From
   * memory (a date index of the stored snapshots), after one freshness query.
   * `compared`: the number of stored snapshots considered (those left out included).
   */
  async snapshotCorrelations(dataset: string, assetsHash: string, snapshot: RankSnapshot, excludeFactorId?: string): Promise<{ compared: number; correlations: { factorId: string; name: string; corr: number }[] }> {
    await this.fresh(dataset, assetsHash);
    return this.cachedCorrelations(dataset, assetsHash, snapshot, excludeFactorId);
  }

  private cachedCorrelations(dataset: string, assetsHash: string, snapshot: RankSnapshot, excludeFactorId?: string): { compared: number; correlations: { factorId: string; name: string; corr: number }[] } {
    const { index } = this.snapCache.get(`${dataset}\u0000${assetsHash}`)!;
    return {
      compared: index.size - (excludeFactorId !== undefined && index.has(excludeFactorId) ? 1 : 0),
      correlations: index.correlations(snapshot, excludeFactorId).map((c) => ({ factorId: c.id, name: c.meta.name, corr: c.corr })),
    };
  }
}

/** Trial count, sample variance of the finite per-bar Sharpes, and their count: the deflated Sharpe's trial inputs. */
type TrialSharpeStats = { nTrials: number; variance: number; nFinite: number };

/**
 * The one formula of {@link FactorStore.trialSharpeStats}, for its SQL and
 * in-memory paths: from the stored trials' count `n`, finite-Sharpe count
 * `nf` and Sharpe sum, plus `extra` (one more trial not stored yet), either the
 * result (fewer than 2 finite Sharpes: variance NaN) or the mean of the finite
 * Sharpes and `finish(ss)`, which takes the stored ones' sum of squared
 * deviations from that mean (two-pass sample variance, ddof 1).
 */
function sharpeStats(n: number, nf: number, sum: number, extra: number | undefined): { result: TrialSharpeStats } | { mean: number; finish: (ss: number) => TrialSharpeStats } {
  if (extra !== undefined) {
    n++;
    if (Number.isFinite(extra)) {
      nf++;
      sum += extra;
    }
  }
  if (nf < 2) return { result: { nTrials: n, variance: NaN, nFinite: nf } };
  const mean = sum / nf;
  return {
    mean,
    finish: (ss) => {
      if (extra !== undefined && Number.isFinite(extra)) ss += (extra - mean) ** 2;
      return { nTrials: n, variance: ss / (nf - 1), nFinite: nf };
    },
  };
}

/** What the snapshot cache keeps beside each snapshot (its order key: created_at, then factor id, as the table's ORDER BY). */
interface SnapshotMeta {
  readonly factorId: string;
  readonly name: string;
  /** created_at, epoch microseconds. */
  readonly createdUs: number;
}

function snapshotOrder(a: SnapshotMeta, b: SnapshotMeta): number {
  return a.createdUs - b.createdUs || (a.factorId < b.factorId ? -1 : a.factorId > b.factorId ? 1 : 0);
}

/** Decodes a stored snapshot (base64 of float64 times and uint16 codes). */
function decodeSnapshot(timesB64: string, codesB64: string, nAssets: number): RankSnapshot {
  const tb = Buffer.from(timesB64, 'base64');
  const cb = Buffer.from(codesB64, 'base64');
  const times = new Float64Array(tb.length / 8);
  new Uint8Array(times.buffer).set(tb);
  const codes = new Uint16Array(cb.length / 2);
  new Uint8Array(codes.buffer).set(cb);
  return { times, nAssets, codes };
}
