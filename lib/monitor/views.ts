/**
 * Two views over every store for the page: the event timeline (what
 * happened, newest first) and the market scatter (alphas: Sharpe vs
 * turnover; open positions: return since entry vs notional). Read-only, like
 * the rest of lib/monitor; a locked store contributes its last good read
 * (`stale` lists which), an absent one nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { listRequests } from '../jobs/index.js';
import { doneForceExits, pendingForceExits } from '../trade/index.js';
import type { MonitorPaths } from './paths.js';
import { journalFiles, readProfit } from './snapshot.js';
import { requestsDir } from './controls.js';
import { readStoreOrLast, type Staleness, type StoreReader, type StoreRow } from './store-read.js';

/** One event of the timeline. */
export interface TimelineEvent {
  /** ISO time. Trading risk events carry the bar's time (`clock: 'bar'`: a replay's events are at historical bar times). */
  time: string;
  clock: 'wall' | 'bar';
  /** Where it comes from: 'trade' (journal risk events), 'killswitch', 'forceexit', 'orchestrator', 'research', 'brain', 'request'. */
  source: string;
  kind: string;
  detail: string;
  level: 'info' | 'warn' | 'error';
  /** The trading journal, for trading events. */
  journal?: string;
}

const LEVEL: Record<string, TimelineEvent['level']> = { kill_switch: 'error', reconciliation_failed: 'error', denied: 'warn', state: 'warn', force_exit: 'warn' };

/** A store time (epoch ms, ISO, or DuckDB's `YYYY-MM-DD HH:MM:SS` in UTC) as ISO; null when absent or unparseable. */
export function isoTime(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  const ms = typeof v === 'number' ? v : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(String(v)) ? String(v) : `${String(v).replace(' ', 'T')}Z`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

async function rows(r: StoreReader, table: string, sql: string): Promise<StoreRow[]> {
  return (await r.hasTable(table)) ? r.all(sql) : [];
}

/**
 * Events of every store, newest first, at most `limit` (default 200): journal
 * risk events and STOP files, force-exit requests, orchestrator job starts and
 * ends (job_state) and crashed children (job_runs), research runs (kb_runs),
 * BRAIN submissions, dashboard requests (queued, started with the job id, finished).
 */
export async function readTimeline(paths: MonitorPaths, limit = 200): Promise<{ events: TimelineEvent[]; stale: { store: string; stale: Staleness }[]; unavailable: { store: string; reason: string }[] }> {
  const events: TimelineEvent[] = [];
  const stale: { store: string; stale: Staleness }[] = [];
  const unavailable: { store: string; reason: string }[] = [];
  const push = (time: unknown, e: Omit<TimelineEvent, 'time' | 'clock'> & { clock?: 'bar' }) => {
    const t = isoTime(time);
    if (t) events.push({ time: t, clock: e.clock ?? 'wall', ...e });
  };
  const read = async <T>(store: string, path: string, fn: (r: StoreReader) => Promise<T>): Promise<T | null> => {
    if (!existsSync(path)) return null;
    const res = await readStoreOrLast('timeline', path, fn);
    if (!res.ok) {
      unavailable.push({ store, reason: res.reason });
      return null;
    }
    if (res.stale) stale.push({ store, stale: res.stale });
    return res.value;
  };

  for (const p of journalFiles(paths)) {
    const journal = basename(p, '.duckdb');
    const ev = await read(journal, p, (r) => rows(r, 'trade_risk_events', 'SELECT time, kind, detail, state FROM trade_risk_events ORDER BY id DESC LIMIT 500'));
    for (const e of ev ?? []) push(Number(e.time), { clock: 'bar', source: 'trade', kind: String(e.kind), detail: `${String(e.detail)} (state ${String(e.state)})`, level: LEVEL[String(e.kind)] ?? 'info', journal });
    if (existsSync(`${p}.STOP`)) {
      const [what, who, at] = readFileSync(`${p}.STOP`, 'utf8').split('\n');
      push(at?.trim(), { source: 'killswitch', kind: 'stop file', detail: `${what?.trim()} requested by ${who?.trim() || 'unknown'}`, level: 'error', journal });
    }
    for (const q of pendingForceExits(p)) push(q.at, { source: 'forceexit', kind: 'force exit requested', detail: `${q.symbol} by ${q.source} (pending)`, level: 'warn', journal });
    for (const d of doneForceExits(p)) push(d.at, { source: 'forceexit', kind: 'force exit handled', detail: `${d.symbol} by ${d.source} at bar ${d.bar}: ${d.error ?? (d.outcomes.map((o) => `${o.symbol} ${o.outcome}`).join(', ') || 'nothing open')}`, level: d.error ? 'error' : 'warn', journal });
  }

  const jobs = await read('jobs', paths.jobs, async (r) => ({
    state: await rows(r, 'job_state', 'SELECT job, last_start, last_end, last_status FROM job_state'),
    crashes: await rows(r, 'job_runs', "SELECT job, pid, ended_at, exit_code, signal, reason FROM job_runs WHERE reason <> 'ok' ORDER BY ended_at DESC LIMIT 200"),
  }));
  for (const j of jobs?.state ?? []) {
    push(j.last_start, { source: 'orchestrator', kind: 'job started', detail: String(j.job), level: 'info' });
    if (j.last_end !== null && j.last_end !== undefined) push(j.last_end, { source: 'orchestrator', kind: 'job ended', detail: `${String(j.job)}: ${String(j.last_status)}`, level: j.last_status === 'failed' ? 'error' : j.last_status === 'ok' ? 'info' : 'warn' });
  }
  for (const c of jobs?.crashes ?? []) push(c.ended_at, { source: 'orchestrator', kind: 'child exit', detail: `${String(c.job)} pid ${String(c.pid)}: ${String(c.reason)} (${c.exit_code ?? c.signal})`, level: c.reason === 'crash' ? 'warn' : 'info' });

  const cat = await read('catalog', paths.catalog, async (r) => ({
    runs: await rows(r, 'kb_runs', 'SELECT run_id, started_ms, finished_ms, status, stop_reason, provider, model FROM kb_runs ORDER BY seq DESC LIMIT 200'),
    subs: await rows(r, 'brain_submissions', 'SELECT alpha_id, state, started_at, finished_at, message FROM brain_submissions ORDER BY started_at DESC LIMIT 200'),
  }));
  for (const k of cat?.runs ?? []) {
    push(Number(k.started_ms), { source: 'research', kind: 'research run started', detail: `${String(k.run_id)} (${k.provider ?? 'offline'}${k.model ? ` ${String(k.model)}` : ''})`, level: 'info' });
    if (k.finished_ms !== null && k.finished_ms !== undefined) push(Number(k.finished_ms), { source: 'research', kind: 'research run ended', detail: `${String(k.run_id)}: ${String(k.status)}${k.stop_reason ? ` (${String(k.stop_reason)})` : ''}`, level: k.status === 'failed' ? 'error' : 'info' });
  }
  for (const s of cat?.subs ?? []) {
    push(s.started_at, { source: 'brain', kind: 'submission sent', detail: String(s.alpha_id), level: 'info' });
    if (s.finished_at !== null && s.finished_at !== undefined) push(s.finished_at, { source: 'brain', kind: 'submission answered', detail: `${String(s.alpha_id)}: ${String(s.state)}${s.message ? ` (${String(s.message)})` : ''}`, level: s.state === 'accepted' ? 'info' : 'warn' });
  }

  for (const q of listRequests(requestsDir(paths), 500)) {
    push(q.at, { source: 'request', kind: `${q.kind} requested`, detail: `${q.id} by ${q.source}${Object.keys(q.params).length ? ` ${JSON.stringify(q.params)}` : ''}`, level: 'info' });
    if (q.startedAt) push(q.startedAt, { source: 'request', kind: `${q.kind} started`, detail: `${q.id} as job ${q.jobId}`, level: 'info' });
    if (q.endedAt) push(q.endedAt, { source: 'request', kind: `${q.kind} ${q.state}`, detail: `${q.id}${q.jobId ? ` (job ${q.jobId})` : ''}${q.error ? `: ${q.error}` : ''}`, level: q.state === 'done' ? 'info' : q.state === 'interrupted' ? 'warn' : 'error' });
  }

  events.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
  return { events: events.slice(0, Math.max(1, Math.min(limit, 5000))), stale, unavailable };
}

/** One alpha point: local Sharpe vs turnover (both fractions as the miner stored them), fitness as size. */
export interface AlphaPoint {
  id: string;
  source: string | null;
  sharpe: number;
  turnover: number;
  fitness: number | null;
  localPass: boolean;
}

/** One open position point: return since entry (mark / entry - 1, signed by side: positive = in profit) vs notional at the mark (quote units). */
export interface PositionPoint {
  journal: string;
  mode: string;
  symbol: string;
  ret: number;
  notional: number;
  unrealized: number;
}

/**
 * The market scatter: the miners' hopeful alphas (Sharpe vs turnover, from
 * `hopeful_alphas.local_metrics`; rows without both are left out and counted)
 * and every marked open position (return since entry vs notional).
 */
export async function readScatter(paths: MonitorPaths): Promise<{ alphas: AlphaPoint[]; alphasWithoutMetrics: number; positions: PositionPoint[]; alphasStale?: Staleness; alphasUnavailable?: string }> {
  const res = await readStoreOrLast('scatter', paths.catalog, (r) =>
    rows(r, 'hopeful_alphas', `SELECT id, source, local_pass, TRY_CAST(json_extract(local_metrics, '$.sharpe') AS DOUBLE) AS sharpe, TRY_CAST(json_extract(local_metrics, '$.turnover') AS DOUBLE) AS turnover, TRY_CAST(json_extract(local_metrics, '$.fitness') AS DOUBLE) AS fitness FROM hopeful_alphas ORDER BY added_at DESC LIMIT 2000`),
  );
  const alphas: AlphaPoint[] = [];
  let without = 0;
  for (const a of res.ok ? res.value : []) {
    const sharpe = a.sharpe === null ? NaN : Number(a.sharpe), turnover = a.turnover === null ? NaN : Number(a.turnover);
    if (!Number.isFinite(sharpe) || !Number.isFinite(turnover)) {
      without++;
      continue;
    }
    alphas.push({ id: String(a.id), source: (a.source as string | null) ?? null, sharpe, turnover, fitness: a.fitness === null ? null : Number(a.fitness), localPass: a.local_pass === true });
  }
  const profit = await readProfit(paths);
  const positions: PositionPoint[] = profit.positions
    .filter((p) => p.mark !== null && p.entryPrice > 0)
    .map((p) => ({ journal: p.journal, mode: p.mode, symbol: p.symbol, ret: Math.sign(p.qty) * (p.mark! / p.entryPrice - 1), notional: Math.abs(p.qty) * p.mark!, unrealized: p.unrealized! }));
  return { alphas, alphasWithoutMetrics: without, positions, ...(res.ok && res.stale ? { alphasStale: res.stale } : {}), ...(!res.ok && existsSync(paths.catalog) ? { alphasUnavailable: res.reason } : {}) };
}
