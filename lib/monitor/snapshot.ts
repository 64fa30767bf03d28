/**
 * What the dashboard shows, read from the stores (never from a running
 * process's memory): the fleet state file, the orchestrator's job tables and
 * VRAM readings, the knowledge base of the research loop, the trial store of
 * the miners, the BRAIN tables, and the trading journals. Each section says
 * `available: false` with the reason when its store is absent or held by a
 * writer, so the page can show "not running" / "no data" honestly.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readStoreOrLast, type Staleness, type StoreReader, type StoreRow } from './store-read.js';
import type { MonitorPaths } from './paths.js';
import { pauseFilePath } from './controls.js';

/** A section of a snapshot: its data (with `stale` when it is the last good read of a store now locked by its writer), or why it is not available. */
export type Section<T> = ({ available: true; stale?: Staleness } & T) | { available: false; reason: string };

const DAY_MS = 86_400_000;
const n = (x: unknown): number => (x === null || x === undefined ? 0 : Number(x));

async function section<T>(key: string, path: string, fn: (r: StoreReader) => Promise<T>): Promise<Section<T>> {
  const res = await readStoreOrLast(key, path, fn);
  return res.ok ? { available: true, ...res.value, ...(res.stale ? { stale: res.stale } : {}) } : { available: false, reason: res.reason };
}

/** The model fleet (state file written by lib/llm's FleetProvider). */
export interface FleetSection {
  tierIndex: number;
  model: string;
  degraded: boolean;
  degradedDetail: string | null;
  consecutiveOoms: number;
  totalOoms: number;
  successes: number;
  updatedAt: string;
  lastError: { at: string; model: string; oom: boolean; message: string } | null;
  tierChanges: number;
}

/** Reads the fleet state file (no validation beyond JSON: the fleet owns its format; missing fields show as null). */
export function readFleet(paths: MonitorPaths): Section<FleetSection> {
  if (!existsSync(paths.fleetState)) return { available: false, reason: `no fleet state at ${paths.fleetState} (the fleet has not run)` };
  try {
    const s = JSON.parse(readFileSync(paths.fleetState, 'utf8')) as Record<string, unknown>;
    const errors = Array.isArray(s.lastErrors) ? (s.lastErrors as FleetSection['lastError'][]) : [];
    return {
      available: true,
      tierIndex: n(s.tierIndex), model: String(s.model ?? ''), degraded: s.degraded === true, degradedDetail: (s.degradedDetail as string | undefined) ?? null,
      consecutiveOoms: n(s.consecutiveOoms), totalOoms: n(s.totalOoms), successes: n(s.successes), updatedAt: String(s.updatedAt ?? ''),
      lastError: errors.at(-1) ?? null, tierChanges: Array.isArray(s.history) ? s.history.length : 0,
    };
  } catch (err) {
    return { available: false, reason: `unreadable fleet state ${paths.fleetState}: ${(err as Error).message}` };
  }
}

/** One job of the orchestrator (job_state). */
export interface JobView { job: string; lastStart: string | null; lastEnd: string | null; lastStatus: string | null; nextRun: string | null; runs: number; failures: number }

/** Orchestrator jobs and the latest VRAM reading (data/jobs.duckdb). */
export interface OrchestratorSection {
  jobs: JobView[];
  vram: { readAt: string; status: string; usedMib: number | null; totalMib: number | null; utilizationPct: number | null; models: { model: string; vramBytes: number; sizeBytes: number; vramFraction: number }[] } | null;
}

async function readOrchestrator(paths: MonitorPaths): Promise<Section<OrchestratorSection>> {
  return section('orchestrator', paths.jobs, async (r) => {
    const jobs: JobView[] = !(await r.hasTable('job_state')) ? [] : (await r.all('SELECT * FROM job_state ORDER BY job')).map((j) => ({
      job: String(j.job), lastStart: (j.last_start as string | null) ?? null, lastEnd: (j.last_end as string | null) ?? null, lastStatus: (j.last_status as string | null) ?? null,
      nextRun: (j.next_run as string | null) ?? null, runs: n(j.runs), failures: n(j.failures),
    }));
    let vram: OrchestratorSection['vram'] = null;
    if (await r.hasTable('vram_gpu')) {
      const g = (await r.all('SELECT * FROM vram_gpu ORDER BY read_at DESC LIMIT 1'))[0];
      if (g) {
        const models = (await r.hasTable('vram_models')) ? await r.all('SELECT * FROM vram_models WHERE read_at = ?::TIMESTAMP ORDER BY model', [String(g.read_at)]) : [];
        vram = {
          readAt: String(g.read_at), status: String(g.status), usedMib: (g.used_mib as number | null) ?? null, totalMib: (g.total_mib as number | null) ?? null, utilizationPct: (g.utilization_pct as number | null) ?? null,
          models: models.map((m) => ({ model: String(m.model), vramBytes: n(m.vram_bytes), sizeBytes: n(m.size_bytes), vramFraction: n(m.vram_fraction) })),
        };
      }
    }
    return { jobs, vram };
  });
}

/** Counts of the research loop (kb_*) and of the miners and submissions (factor_trials, hopeful_alphas, brain_submissions). */
export interface ResearchSection {
  runs: number;
  lastRun: { runId: string; status: string; startedAt: string; finishedAt: string | null; stopReason: string | null; provider: string | null; model: string | null } | null;
  hypotheses: number;
  byStatus: Record<string, number>;
  /** Validated / decided (validated + failed + abandoned); null before any decision. */
  successRate: number | null;
  last24h: { hypotheses: number; validated: number; trials: number; hopeful: number; submissions: number };
  trials: number;
  hopeful: number;
  hopefulPassing: number;
  submissions: Record<string, number>;
}

async function countIf(r: StoreReader, table: string, sql: string, params: (string | number)[] = []): Promise<number> {
  if (!(await r.hasTable(table))) return 0;
  return n((await r.all(sql, params))[0]?.n);
}

async function readResearch(paths: MonitorPaths, now: number): Promise<Section<ResearchSection>> {
  return section('research', paths.catalog, async (r) => {
    const since = now - DAY_MS, sinceIso = new Date(since).toISOString();
    const hasKb = await r.hasTable('kb_hypotheses');
    const byStatus: Record<string, number> = {};
    if (hasKb) for (const row of await r.all('SELECT status, count(*) AS n FROM kb_hypotheses GROUP BY status ORDER BY status')) byStatus[String(row.status)] = n(row.n);
    const decided = (byStatus.validated ?? 0) + (byStatus.failed ?? 0) + (byStatus.abandoned ?? 0);
    const last = (await r.hasTable('kb_runs')) ? (await r.all('SELECT * FROM kb_runs ORDER BY seq DESC LIMIT 1'))[0] : undefined;
    const submissions: Record<string, number> = {};
    if (await r.hasTable('brain_submissions')) for (const row of await r.all('SELECT state, count(*) AS n FROM brain_submissions GROUP BY state ORDER BY state')) submissions[String(row.state)] = n(row.n);
    return {
      runs: await countIf(r, 'kb_runs', 'SELECT count(*) AS n FROM kb_runs'),
      lastRun: last ? { runId: String(last.run_id), status: String(last.status), startedAt: new Date(n(last.started_ms)).toISOString(), finishedAt: last.finished_ms == null ? null : new Date(n(last.finished_ms)).toISOString(), stopReason: (last.stop_reason as string | null) ?? null, provider: (last.provider as string | null) ?? null, model: (last.model as string | null) ?? null } : null,
      hypotheses: Object.values(byStatus).reduce((a, b) => a + b, 0),
      byStatus,
      successRate: decided > 0 ? (byStatus.validated ?? 0) / decided : null,
      last24h: {
        hypotheses: await countIf(r, 'kb_hypotheses', 'SELECT count(*) AS n FROM kb_hypotheses WHERE created_ms >= ?', [since]),
        validated: await countIf(r, 'kb_hypotheses', `SELECT count(*) AS n FROM kb_hypotheses WHERE status = 'validated' AND updated_ms >= ?`, [since]),
        trials: await countIf(r, 'factor_trials', 'SELECT count(*) AS n FROM factor_trials WHERE created_at >= ?::TIMESTAMP', [sinceIso]),
        hopeful: await countIf(r, 'hopeful_alphas', 'SELECT count(*) AS n FROM hopeful_alphas WHERE added_at >= ?::TIMESTAMP', [sinceIso]),
        submissions: await countIf(r, 'brain_submissions', 'SELECT count(*) AS n FROM brain_submissions WHERE started_at >= ?::TIMESTAMP', [sinceIso]),
      },
      trials: await countIf(r, 'factor_trials', 'SELECT count(*) AS n FROM factor_trials'),
      hopeful: await countIf(r, 'hopeful_alphas', 'SELECT count(*) AS n FROM hopeful_alphas'),
      hopefulPassing: await countIf(r, 'hopeful_alphas', 'SELECT count(*) AS n FROM hopeful_alphas WHERE local_pass'),
      submissions,
    };
  });
}

/** The trading journals under `paths.trade` (`*.duckdb`), by name. */
export function journalFiles(paths: MonitorPaths): string[] {
  if (!existsSync(paths.trade)) return [];
  return readdirSync(paths.trade).filter((f) => f.endsWith('.duckdb')).sort().map((f) => join(paths.trade, f));
}

/** One journal's summary. `mode` is 'paper' when the journal's venue is the paper broker, else 'live'. */
export interface JournalView {
  name: string;
  path: string;
  mode: 'paper' | 'live';
  venue: string | null;
  strategy: string | null;
  state: string;
  cash: number | null;
  positions: number;
  trades: number;
  orders: number;
  realizedPnl: number;
  /** The STOP file's request, or null when there is none. */
  stop: { flatten: boolean } | null;
  lastRiskEvent: { kind: string; detail: string; state: string } | null;
}

function stopOf(path: string): { flatten: boolean } | null {
  // the journal's STOP file is `<journal>.STOP` (lib/trade/killswitch.ts stopFilePath)
  const f = `${path}.STOP`;
  return existsSync(f) ? { flatten: readFileSync(f, 'utf8').split('\n')[0]?.trim() === 'flatten' } : null;
}

async function metaOf(r: StoreReader): Promise<Record<string, string>> {
  if (!(await r.hasTable('trade_meta'))) return {};
  return Object.fromEntries((await r.all('SELECT key, value FROM trade_meta')).map((m) => [String(m.key), String(m.value)]));
}

/** Reads one journal (null fields for tables not yet created). */
export async function readTradeJournal(path: string): Promise<Section<JournalView>> {
  return section('journal', path, async (r) => {
    const meta = await metaOf(r);
    const has = await r.hasTable('trade_account');
    const acct = has ? (await r.all('SELECT * FROM trade_account WHERE id = 1'))[0] : undefined;
    const ev = (await r.hasTable('trade_risk_events')) ? (await r.all('SELECT kind, detail, state FROM trade_risk_events ORDER BY id DESC LIMIT 1'))[0] : undefined;
    const venue = meta.venue ?? null;
    return {
      name: basename(path, '.duckdb'), path, mode: venue === null || venue === 'paper' ? 'paper' as const : 'live' as const, venue, strategy: meta.strategy ?? null,
      state: acct ? String(acct.state) : 'ACTIVE', cash: acct ? n(acct.cash) : null,
      positions: await countIf(r, 'trade_positions', 'SELECT count(*) AS n FROM trade_positions'),
      trades: await countIf(r, 'trade_trades', 'SELECT count(*) AS n FROM trade_trades'),
      orders: await countIf(r, 'trade_orders', 'SELECT count(*) AS n FROM trade_orders'),
      realizedPnl: (await r.hasTable('trade_trades')) ? n((await r.all('SELECT coalesce(sum(pnl), 0) AS s FROM trade_trades'))[0]?.s) : 0,
      stop: stopOf(path),
      lastRiskEvent: ev ? { kind: String(ev.kind), detail: String(ev.detail), state: String(ev.state) } : null,
    };
  });
}

/** The whole status: fleet, orchestrator, research and miners, trader, commands. */
export interface StatusSnapshot {
  at: string;
  fleet: Section<FleetSection>;
  orchestrator: Section<OrchestratorSection>;
  research: Section<ResearchSection>;
  trader: { journals: (Section<JournalView> & { path: string })[]; paused: boolean };
}

/** Reads every store once (the `status` endpoint). */
export async function readStatus(paths: MonitorPaths, now: number = Date.now()): Promise<StatusSnapshot> {
  const journals = [];
  for (const p of journalFiles(paths)) journals.push({ ...(await readTradeJournal(p)), path: p });
  return {
    at: new Date(now).toISOString(),
    fleet: readFleet(paths),
    orchestrator: await readOrchestrator(paths),
    research: await readResearch(paths, now),
    trader: { journals, paused: existsSync(pauseFilePath(paths)) },
  };
}

/** Filters of the `alphas` endpoint. */
export interface AlphaFilter {
  /** 'generated' (research loop hypotheses), 'hopeful' (miners' candidates for BRAIN), 'submitted' (BRAIN submissions). */
  kind: 'generated' | 'hopeful' | 'submitted';
  status?: string;
  minSharpe?: number;
  text?: string;
  limit?: number;
}

/** Alphas of one kind with filters, newest first. Rows carry the store's columns under camel-cased names. */
export async function readAlphas(paths: MonitorPaths, f: AlphaFilter): Promise<Section<{ kind: string; rows: StoreRow[] }>> {
  const limit = Math.max(1, Math.min(f.limit ?? 100, 1000));
  const spec = {
    generated: { table: 'kb_hypotheses', cols: `id, name, category, canonical AS expression, status, decision_reason AS reason, sharpe, grade, provider, model, to_timestamp(created_ms / 1000) AS created`, status: 'status', text: `name || ' ' || canonical`, order: 'seq DESC', sharpe: 'sharpe' },
    hopeful: { table: 'hopeful_alphas', cols: `id, expression, source, status, local_pass AS "localPass", TRY_CAST(json_extract(local_metrics, '$.sharpe') AS DOUBLE) AS sharpe, TRY_CAST(json_extract(local_metrics, '$.fitness') AS DOUBLE) AS fitness, alpha_id AS "alphaId", added_at AS created`, status: 'status', text: 'expression', order: 'added_at DESC, id', sharpe: `TRY_CAST(json_extract(local_metrics, '$.sharpe') AS DOUBLE)` },
    submitted: { table: 'brain_submissions', cols: `alpha_id AS "alphaId", hopeful_id AS "hopefulId", expression, state AS status, day, started_at AS created, finished_at AS finished, message`, status: 'state', text: `coalesce(expression, '')`, order: 'started_at DESC, alpha_id', sharpe: null },
  }[f.kind];
  if (!spec) throw new Error(`alphas: unknown kind "${String(f.kind)}" (generated, hopeful, submitted)`);
  return section(`alphas ${JSON.stringify(f)}`, paths.catalog, async (r) => {
    if (!(await r.hasTable(spec.table))) return { kind: f.kind, rows: [] };
    const where: string[] = [], params: (string | number)[] = [];
    if (f.status) (where.push(`${spec.status} = ?`), params.push(f.status));
    if (f.text) (where.push(`${spec.text} ILIKE ?`), params.push(`%${f.text}%`));
    if (f.minSharpe !== undefined && spec.sharpe) (where.push(`${spec.sharpe} >= ?`), params.push(f.minSharpe));
    const rows = await r.all(`SELECT ${spec.cols} FROM ${spec.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${spec.order} LIMIT ${limit}`, params);
    return { kind: f.kind, rows: rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null || typeof v !== 'object' ? v : String(v)]))) };
  });
}

/** Closed trades of every journal (or one, by name), with the journal's name and mode. */
export async function readTrades(paths: MonitorPaths, journal?: string): Promise<{ journal: string; mode: string; available: boolean; reason?: string; trades: StoreRow[] }[]> {
  return perJournal(paths, journal, 'trade_trades', 'SELECT n, symbol, side, signal_bar AS "signalBar", entry_bar AS "entryBar", exit_bar AS "exitBar", size, entry_price AS "entryPrice", exit_price AS "exitPrice", pnl, fees, funding, reason FROM trade_trades ORDER BY n', 'trades');
}

/** Open positions of every journal (or one). */
export async function readPositions(paths: MonitorPaths, journal?: string): Promise<{ journal: string; mode: string; available: boolean; reason?: string; positions: StoreRow[] }[]> {
  return perJournal(paths, journal, 'trade_positions', 'SELECT symbol, qty, entry_price AS "entryPrice", entry_bar AS "entryBar", fees, funding FROM trade_positions ORDER BY symbol', 'positions');
}

async function perJournal<K extends string>(paths: MonitorPaths, journal: string | undefined, table: string, sql: string, key: K): Promise<({ journal: string; mode: string; available: boolean; reason?: string } & Record<K, StoreRow[]>)[]> {
  const out = [];
  for (const p of journalFiles(paths)) {
    const name = basename(p, '.duckdb');
    if (journal && journal !== name) continue;
    const res = await readStoreOrLast(key, p, async (r) => ({ meta: await metaOf(r), rows: (await r.hasTable(table)) ? await r.all(sql) : [] }));
    const mode = res.ok ? (res.value.meta.venue === undefined || res.value.meta.venue === 'paper' ? 'paper' : 'live') : 'unknown';
    out.push(res.ok ? { journal: name, mode, available: true, ...(res.stale ? { stale: res.stale } : {}), [key]: res.value.rows } : { journal: name, mode, available: false, reason: res.reason, [key]: [] });
  }
  return out as ({ journal: string; mode: string; available: boolean; reason?: string } & Record<K, StoreRow[]>)[];
}

/** Profit figures of one mode: realized (closed trades) and unrealized (open positions marked at the journal's last marks). */
export interface ProfitFigures {
  journals: number;
  trades: number;
  /** Realized: sum of closed-trade PnL net of fees and funding (the journal's `pnl`, quote units). */
  pnl: number;
  fees: number;
  funding: number;
  wins: number;
  /** wins / trades; null without trades. */
  winRate: number | null;
  /** Cumulative PnL after each closed trade, in closing order per journal, journals concatenated by name. */
  cumulative: number[];
  /** Each closed trade's PnL (for the distribution). */
  pnls: number[];
  /** Open positions (all journals of the mode). */
  openPositions: number;
  /**
   * Unrealized PnL of the marked open positions: qty x (mark - entry price)
   * minus the position's fees and funding so far (the engine's end-of-range
   * 'open' trade rows, so realized + unrealized = equity - initial cash).
   */
  unrealized: number;
  /** Open positions without a mark (not in `unrealized`). */
  unmarked: number;
  /** pnl + unrealized. */
  total: number;
  /** Oldest mark time among the journals (ISO; the bar's open time), null without marks. */
  markedAt: string | null;
}

/** One open position with its mark (null when the journal has none for it) and unrealized PnL (see {@link ProfitFigures.unrealized}). */
export interface MarkedPosition {
  journal: string;
  mode: string;
  symbol: string;
  qty: number;
  entryPrice: number;
  mark: number | null;
  unrealized: number | null;
}

/** Paper and live profit, kept apart (freqtrade users' complaint: mixed dry-run and live figures), with open positions marked to market. */
export async function readProfit(paths: MonitorPaths): Promise<{ paper: ProfitFigures; live: ProfitFigures; positions: MarkedPosition[]; unavailable: { journal: string; reason: string }[]; stale: { journal: string; stale: Staleness }[] }> {
  const empty = (): ProfitFigures => ({ journals: 0, trades: 0, pnl: 0, fees: 0, funding: 0, wins: 0, winRate: null, cumulative: [], pnls: [], openPositions: 0, unrealized: 0, unmarked: 0, total: 0, markedAt: null });
  const out = { paper: empty(), live: empty(), positions: [] as MarkedPosition[], unavailable: [] as { journal: string; reason: string }[], stale: [] as { journal: string; stale: Staleness }[] };
  for (const p of journalFiles(paths)) {
    const journal = basename(p, '.duckdb');
    const res = await readStoreOrLast('profit', p, async (r) => ({
      meta: await metaOf(r),
      trades: (await r.hasTable('trade_trades')) ? await r.all('SELECT pnl, fees, funding FROM trade_trades ORDER BY n') : [],
      positions: (await r.hasTable('trade_positions')) ? await r.all('SELECT symbol, qty, entry_price, fees, funding FROM trade_positions ORDER BY symbol') : [],
    }));
    if (!res.ok) {
      out.unavailable.push({ journal, reason: res.reason });
      continue;
    }
    if (res.stale) out.stale.push({ journal, stale: res.stale });
    const { meta, trades, positions } = res.value;
    const mode = meta.venue === undefined || meta.venue === 'paper' ? 'paper' : 'live';
    const f = mode === 'live' ? out.live : out.paper;
    f.journals++;
    for (const t of trades) {
      const pnl = n(t.pnl);
      f.trades++;
      f.pnl += pnl;
      f.fees += n(t.fees);
      f.funding += n(t.funding);
      if (pnl > 0) f.wins++;
      f.pnls.push(pnl);
      f.cumulative.push(f.pnl);
    }
    const marks = meta.marks ? (JSON.parse(meta.marks) as { time: number; closes: Record<string, number> }) : null;
    if (marks && positions.length > 0) {
      const at = new Date(marks.time).toISOString();
      if (f.markedAt === null || at < f.markedAt) f.markedAt = at;
    }
    for (const q of positions) {
      const symbol = String(q.symbol), qty = n(q.qty), entry = n(q.entry_price);
      const mark = marks?.closes[symbol] ?? null;
      const u = mark === null ? null : qty * (mark - entry) - n(q.fees) - n(q.funding);
      f.openPositions++;
      if (u === null) f.unmarked++;
      else f.unrealized += u;
      out.positions.push({ journal, mode, symbol, qty, entryPrice: entry, mark, unrealized: u });
    }
  }
  for (const f of [out.paper, out.live]) {
    f.winRate = f.trades > 0 ? f.wins / f.trades : null;
    f.total = f.pnl + f.unrealized;
  }
  return out;
}
