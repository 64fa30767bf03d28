/**
 * `alphalab ingest FILE... --name NAME [--map symbol=code,time=date] [--frequency 1d]
 * [--market equity] [--policy reject|drop|repair] [--tick PRICE] [--ignore COL,...] [--tz ZONE] [--time-format FMT] [--json]`: ingests
 * the user's own files (CSV, CSV.gz, parquet) into the catalog with the quality
 * report of lib/data; `--json` prints one summary line.
 */
import { Db } from '../lib/db/index.js';
import { formatReport, getDataset, ingestFiles, IngestRejectedError, parseColumnMap, FREQUENCY_MS, INGEST_POLICIES, type Frequency, type IngestPolicy, type QualityReport } from '../lib/data/index.js';

/** Options of {@link ingestFileCommand} (commander's parsed flags). */
export interface IngestFileCliOptions {
  readonly name?: string;
  readonly map?: string;
  readonly frequency?: string;
  readonly market?: string;
  readonly policy?: string;
  /** Price step for --policy repair (`--tick`); default inferred per symbol. */
  readonly tick?: string;
  readonly ignore?: string;
  readonly symbol?: string;
  /** IANA zone of zone-less local times (`--tz`). */
  readonly tz?: string;
  /** strptime format of the time column (`--time-format`). */
  readonly timeFormat?: string;
  readonly json?: boolean;
}

/** The one-line summary `--json` prints (also what a script reads on rejection). */
export function ingestSummary(report: QualityReport, extra: { symbols?: number; first?: string | null; last?: string | null } = {}): Record<string, unknown> {
  const byKind = (sev: 'error' | 'warning'): Record<string, number> =>
    Object.fromEntries(report.checks.filter((c) => c.severity === sev && c.count > 0).map((c) => [c.check, c.count]));
  return {
    ok: report.status !== 'rejected',
    dataset: report.dataset,
    status: report.status,
    policy: report.policy,
    rowsIn: report.rowsIn,
    rows: report.rowsKept,
    rowsDropped: report.rowsDropped,
    rowsRepaired: report.rowsRepaired ?? 0,
    ...(report.rowsUnrepairable ? { rowsUnrepairable: report.rowsUnrepairable } : {}),
    symbols: extra.symbols ?? null,
    first: extra.first ?? null,
    last: extra.last ?? null,
    frequency: report.frequency ?? null,
    frequencySource: report.frequencySource ?? null,
    market: report.market ?? null,
    fields: report.fields ?? null,
    labels: report.labels ?? null,
    barsPerYear: report.barsPerYear ?? null,
    errors: byKind('error'),
    warnings: byKind('warning'),
    notes: report.notes ?? [],
  };
}

/** Outcome of {@link runIngestFiles}: the exit code, the text a terminal shows, the `--json` line's object and the report. */
export interface IngestFileOutcome {
  /** 0 ingested / unchanged, 1 rejected, 2 bad arguments or unreadable input. */
  readonly code: number;
  /** What `alphalab ingest` prints without --json (stdout for 0 / 1, stderr for 2). */
  readonly text: string;
  /** The one-line summary object of --json. */
  readonly summary: Record<string, unknown>;
  /** The quality report (absent for bad arguments / unreadable input). */
  readonly report?: QualityReport;
}

/**
 * The `alphalab ingest FILE...` command without its output: checks the flags as
 * the CLI does, ingests into the catalog of `db` (default: the project catalog,
 * opened and closed here), and returns what the CLI would print. Notebook 01
 * calls this, so it runs the CLI's code path.
 */
export async function runIngestFiles(files: readonly string[], o: IngestFileCliOptions, dbIn?: Db): Promise<IngestFileOutcome> {
  const fail = (msg: string): IngestFileOutcome => ({ code: 2, text: `ingest: ${msg}`, summary: { ok: false, error: msg } });
  let map: Record<string, string> = {};
  try {
    if (!o.name) return fail('--name NAME is required with files (the dataset name: letters, digits, underscores)');
    if (o.frequency !== undefined && !(o.frequency in FREQUENCY_MS)) return fail(`--frequency ${o.frequency}: one of ${Object.keys(FREQUENCY_MS).join(', ')}`);
    if (o.market !== undefined && o.market !== 'equity' && o.market !== 'crypto') return fail(`--market ${o.market}: equity or crypto`);
    if (o.policy !== undefined && !(INGEST_POLICIES as readonly string[]).includes(o.policy)) return fail(`--policy ${o.policy}: unknown policy; valid policies: ${INGEST_POLICIES.join(', ')}`);
    if (o.tick !== undefined && (o.policy !== 'repair' || !(Number(o.tick) > 0 && Number.isFinite(Number(o.tick))))) {
      return fail(`--tick ${o.tick}: ${o.policy !== 'repair' ? 'only used with --policy repair' : 'must be a price step > 0, e.g. 0.01'}`);
    }
    if (o.map) map = parseColumnMap(o.map);
  } catch (err) {
    return fail((err as Error).message);
  }
  const db = dbIn ?? (await Db.open());
  try {
    let report: QualityReport;
    try {
      report = await ingestFiles(files, {
        db, dataset: o.name!, map,
        ...(o.frequency ? { frequency: o.frequency as Frequency } : {}),
        ...(o.market ? { market: o.market as 'equity' | 'crypto' } : {}),
        ...(o.policy ? { policy: o.policy as IngestPolicy } : {}),
        ...(o.tick !== undefined ? { tick: Number(o.tick) } : {}),
        ...(o.symbol ? { symbol: o.symbol } : {}),
        ...(o.ignore ? { ignore: o.ignore.split(',').map((c) => c.trim()).filter(Boolean) } : {}),
        ...(o.tz ? { timeZone: o.tz } : {}),
        ...(o.timeFormat ? { timeFormat: o.timeFormat } : {}),
      });
    } catch (err) {
      if (err instanceof IngestRejectedError) return { code: 1, text: formatReport(err.report, 5), summary: ingestSummary(err.report), report: err.report };
      return fail((err as Error).message);
    }
    const e = await getDataset(db, o.name!);
    return {
      code: 0,
      text: `${formatReport(report)}\n  ${e.symbols.length} symbols, ${e.firstTime} .. ${e.lastTime}`,
      summary: ingestSummary(report, { symbols: e.symbols.length, first: e.firstTime, last: e.lastTime }),
      report,
    };
  } finally {
    if (!dbIn) {
      db.close();
      Db.closeAll();
    }
  }
}

/**
 * Runs the ingest of `files` as dataset `o.name` ({@link runIngestFiles}) and prints its outcome.
 * @returns exit code: 0 ingested/unchanged, 1 rejected, 2 bad arguments or unreadable input.
 */
export async function ingestFileCommand(files: readonly string[], o: IngestFileCliOptions): Promise<number> {
  if (!o.json && o.name) process.stderr.write(`ingest: ${files.join(', ')} -> dataset ${o.name} (validating, then writing parquet + catalog)\n`);
  const r = await runIngestFiles(files, o);
  if (o.json) process.stdout.write(`${JSON.stringify(r.summary)}\n`);
  else (r.code === 2 ? process.stderr : process.stdout).write(`${r.text}\n`);
  return r.code;
}
