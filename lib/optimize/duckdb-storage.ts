/**
 * DuckDB-backed study storage, so studies survive the process and can be
 * resumed and inspected with SQL. Tables (created on first use):
 *
 * - `optimize_studies(study_name, direction, created_at)`
 * - `optimize_trials(study_name, number, state, value, datetime_start, datetime_complete)`
 * - `optimize_trial_params(study_name, number, param_name, value_json, value_num, distribution_json)`
 *   (`value_num` = the value as DOUBLE for numeric / boolean parameters, NULL for strings)
 * - `optimize_trial_intermediate_values(study_name, number, step, value)`
 * - `optimize_trial_user_attrs(study_name, number, key, value_json)`
 * - `optimize_trial_system_attrs(study_name, number, key, value_json)`
 *
 * Timestamps are TIMESTAMP (UTC). A trial is rewritten whole in one
 * transaction (delete + insert), so a crash never leaves half a trial.
 * Example: `SELECT t.number, t.value, p.param_name, p.value_num FROM optimize_trials t
 * JOIN optimize_trial_params p USING (study_name, number) WHERE study_name = 'x'`.
 */
import type { Db } from '../db/index.js';
import type { Distribution, ParamValue } from './distributions.js';
import type { StoredStudy, StudyStorage, StudySummary } from './storage.js';
import type { FrozenTrial, MutableTrial, StudyDirection, TrialState } from './types.js';

const TABLES = [
  'optimize_trial_params',
  'optimize_trial_intermediate_values',
  'optimize_trial_user_attrs',
  'optimize_trial_system_attrs',
  'optimize_trials',
] as const;

const DDL = `
CREATE TABLE IF NOT EXISTS optimize_studies (study_name VARCHAR NOT NULL, direction VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL);
CREATE TABLE IF NOT EXISTS optimize_trials (study_name VARCHAR NOT NULL, number INTEGER NOT NULL, state VARCHAR NOT NULL, value DOUBLE,
  datetime_start TIMESTAMP NOT NULL, datetime_complete TIMESTAMP);
CREATE TABLE IF NOT EXISTS optimize_trial_params (study_name VARCHAR NOT NULL, number INTEGER NOT NULL, param_name VARCHAR NOT NULL,
  value_json VARCHAR NOT NULL, value_num DOUBLE, distribution_json VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS optimize_trial_intermediate_values (study_name VARCHAR NOT NULL, number INTEGER NOT NULL, step BIGINT NOT NULL, value DOUBLE);
CREATE TABLE IF NOT EXISTS optimize_trial_user_attrs (study_name VARCHAR NOT NULL, number INTEGER NOT NULL, key VARCHAR NOT NULL, value_json VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS optimize_trial_system_attrs (study_name VARCHAR NOT NULL, number INTEGER NOT NULL, key VARCHAR NOT NULL, value_json VARCHAR NOT NULL);
`;

const STATES: readonly TrialState[] = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL'];

function asNumber(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new Error(`DuckDBStudyStorage: ${what} is ${String(v)}, expected a number`);
}

function parseDistribution(json: string, where: string): Distribution {
  const d = JSON.parse(json) as Distribution;
  if (!d || (d.kind !== 'float' && d.kind !== 'int' && d.kind !== 'categorical')) throw new Error(`DuckDBStudyStorage: bad distribution_json at ${where}: ${json}`);
  return d;
}

/** Study storage in a DuckDB database (see the module comment for the tables). */
export class DuckDBStudyStorage implements StudyStorage {
  private ready: Promise<void> | undefined;

  /** @param db an open database (`Db.open(path)`, or `':memory:'` for tests) */
  constructor(readonly db: Db) {}

  private init(): Promise<void> {
    if (!this.ready) {
      this.ready = this.db.exec(DDL).catch((err: unknown) => {
        this.ready = undefined;
        throw new Error(`DuckDBStudyStorage: cannot create tables in ${this.db.path}: ${(err as Error).message}`);
      });
    }
    return this.ready;
  }

  async loadStudy(name: string): Promise<StoredStudy | undefined> {
    await this.init();
    const s = await this.db.one<{ direction: string; created_ms: unknown }>(
      'SELECT direction, epoch_ms(created_at) AS created_ms FROM optimize_studies WHERE study_name = ?',
      [name],
    );
    if (!s) return undefined;
    if (s.direction !== 'minimize' && s.direction !== 'maximize') throw new Error(`DuckDBStudyStorage: study '${name}' has direction '${s.direction}'`);
    const rows = await this.db.all<{ number: unknown; state: string; value: number | null; start_ms: unknown; complete_ms: unknown }>(
      `SELECT number, state, value, epoch_ms(datetime_start) AS start_ms, epoch_ms(datetime_complete) AS complete_ms
       FROM optimize_trials WHERE study_name = ? ORDER BY number`,
      [name],
    );
    const trials: MutableTrial[] = [];
    for (const r of rows) {
      const number = asNumber(r.number, `trial number of '${name}'`);
      if (number !== trials.length) throw new Error(`DuckDBStudyStorage: study '${name}' has trial ${number} where ${trials.length} was expected (gap or duplicate)`);
      if (!STATES.includes(r.state as TrialState)) throw new Error(`DuckDBStudyStorage: trial ${number} of '${name}' has state '${r.state}'`);
      trials.push({
        number,
        state: r.state as TrialState,
        value: r.value === null ? null : Number(r.value),
        params: {},
        distributions: {},
        intermediateValues: new Map(),
        userAttrs: {},
        systemAttrs: {},
        datetimeStart: asNumber(r.start_ms, `datetime_start of trial ${number}`),
        datetimeComplete: r.complete_ms === null ? null : asNumber(r.complete_ms, `datetime_complete of trial ${number}`),
      });
    }
    const trialAt = (n: unknown, table: string): MutableTrial => {
      const t = trials[asNumber(n, `number in ${table}`)];
      if (!t) throw new Error(`DuckDBStudyStorage: ${table} has a row for trial ${String(n)} of '${name}', which does not exist`);
      return t;
    };
    for (const p of await this.db.all<{ number: unknown; param_name: string; value_json: string; distribution_json: string }>(
      'SELECT number, param_name, value_json, distribution_json FROM optimize_trial_params WHERE study_name = ? ORDER BY number, param_name',
      [name],
    )) {
      const t = trialAt(p.number, 'optimize_trial_params');
      t.params[p.param_name] = JSON.parse(p.value_json) as ParamValue;
      t.distributions[p.param_name] = parseDistribution(p.distribution_json, `trial ${t.number}, param ${p.param_name}`);
    }
    for (const v of await this.db.all<{ number: unknown; step: unknown; value: number | null }>(
      'SELECT number, step, value FROM optimize_trial_intermediate_values WHERE study_name = ? ORDER BY number, step',
      [name],
    )) {
      trialAt(v.number, 'optimize_trial_intermediate_values').intermediateValues.set(asNumber(v.step, 'step'), v.value === null ? NaN : Number(v.value));
    }
    for (const [table, field] of [
      ['optimize_trial_user_attrs', 'userAttrs'],
      ['optimize_trial_system_attrs', 'systemAttrs'],
    ] as const) {
      for (const a of await this.db.all<{ number: unknown; key: string; value_json: string }>(
        `SELECT number, key, value_json FROM ${table} WHERE study_name = ? ORDER BY number, key`,
        [name],
      )) {
        trialAt(a.number, table)[field][a.key] = JSON.parse(a.value_json) as unknown;
      }
    }
    return { name, direction: s.direction, createdAt: asNumber(s.created_ms, 'created_at'), trials };
  }

  async createStudy(name: string, direction: StudyDirection, createdAt: number): Promise<void> {
    await this.init();
    await this.db.transaction(async (db) => {
      const exists = await db.one('SELECT 1 AS x FROM optimize_studies WHERE study_name = ?', [name]);
      if (exists) throw new Error(`DuckDBStudyStorage: study '${name}' already exists in ${db.path}`);
      await db.exec('INSERT INTO optimize_studies VALUES (?, ?, make_timestamp(?::BIGINT * 1000))', [name, direction, Math.round(createdAt)]);
    });
  }

  async saveTrial(studyName: string, trial: FrozenTrial): Promise<void> {
    await this.init();
    const n = trial.number;
    await this.db.transaction(async (db) => {
      for (const table of TABLES) await db.exec(`DELETE FROM ${table} WHERE study_name = ? AND number = ?`, [studyName, n]);
      await db.exec(
        `INSERT INTO optimize_trials VALUES (?, ?, ?, ?, make_timestamp(?::BIGINT * 1000),
           CASE WHEN ?::BIGINT IS NULL THEN NULL ELSE make_timestamp(?::BIGINT * 1000) END)`,
        [studyName, n, trial.state, trial.value, Math.round(trial.datetimeStart), trial.datetimeComplete === null ? null : Math.round(trial.datetimeComplete), trial.datetimeComplete === null ? null : Math.round(trial.datetimeComplete)],
      );
      const names = Object.keys(trial.params);
      if (names.length) {
        const args: (string | number | null)[] = [];
        for (const k of names) {
          const v = trial.params[k];
          args.push(studyName, n, k, JSON.stringify(v), typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : null, JSON.stringify(trial.distributions[k]));
        }
        await db.exec(`INSERT INTO optimize_trial_params VALUES ${names.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`, args);
      }
      if (trial.intermediateValues.size) {
        const args: (string | number)[] = [];
        for (const [step, v] of trial.intermediateValues) args.push(studyName, n, step, v);
        await db.exec(`INSERT INTO optimize_trial_intermediate_values VALUES ${[...trial.intermediateValues.keys()].map(() => '(?, ?, ?, ?)').join(', ')}`, args);
      }
      for (const [table, attrs] of [
        ['optimize_trial_user_attrs', trial.userAttrs],
        ['optimize_trial_system_attrs', trial.systemAttrs],
      ] as const) {
        const keys = Object.keys(attrs);
        if (!keys.length) continue;
        const args: (string | number)[] = [];
        for (const k of keys) args.push(studyName, n, k, JSON.stringify(attrs[k]));
        await db.exec(`INSERT INTO ${table} VALUES ${keys.map(() => '(?, ?, ?, ?)').join(', ')}`, args);
      }
    });
  }

  async listStudies(): Promise<StudySummary[]> {
    await this.init();
    const rows = await this.db.all<{ study_name: string; direction: string; created_ms: unknown; n_trials: unknown; n_complete: unknown; best_min: number | null; best_max: number | null }>(
      `SELECT s.study_name, s.direction, epoch_ms(s.created_at) AS created_ms,
              count(t.number) AS n_trials, count(t.number) FILTER (WHERE t.state = 'COMPLETE') AS n_complete,
              min(t.value) FILTER (WHERE t.state = 'COMPLETE') AS best_min, max(t.value) FILTER (WHERE t.state = 'COMPLETE') AS best_max
       FROM optimize_studies s LEFT JOIN optimize_trials t USING (study_name)
       GROUP BY ALL ORDER BY s.study_name`,
    );
    return rows.map((r) => ({
      name: r.study_name,
      direction: r.direction as StudyDirection,
      createdAt: asNumber(r.created_ms, 'created_at'),
      nTrials: asNumber(r.n_trials, 'n_trials'),
      nComplete: asNumber(r.n_complete, 'n_complete'),
      bestValue: (r.direction === 'maximize' ? r.best_max : r.best_min) ?? null,
    }));
  }

  async deleteStudy(name: string): Promise<void> {
    await this.init();
    await this.db.transaction(async (db) => {
      for (const table of TABLES) await db.exec(`DELETE FROM ${table} WHERE study_name = ?`, [name]);
      await db.exec('DELETE FROM optimize_studies WHERE study_name = ?', [name]);
    });
  }
}
