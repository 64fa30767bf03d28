/**
 * `alphalab brain <verb>`: WorldQuant BRAIN from the command line.
 *
 *   alphalab brain login [--persona-done URL]
 *   alphalab brain simulate --expr "<expression>" [--expr ...] [--settings FILE] [--max-concurrent 3] [--dataset sp500_daily | --no-parity]
 *   alphalab brain status [alphaId]
 *   alphalab brain check <alphaId>
 *   alphalab brain submit [--max-per-day 1] [--export-dir DIR]
 *   alphalab brain hopeful [--add "<expression>"] [--import hopeful_alphas.json] [--settings FILE]
 *   alphalab brain parity [--dataset sp500_daily]
 *
 * Common: --base-url (default $BRAIN_BASE_URL or https://api.worldquantbrain.com),
 * --credentials FILE (default ./credential.txt, or BRAIN_EMAIL + BRAIN_PASSWORD),
 * --db FILE (default data/quant.duckdb), --json (one summary line on stdout).
 * Progress goes to stderr. Every request and response is recorded in the
 * database's venue_http_log with secrets masked.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { Panel } from '../lib/data/panel.js';
import type { BrainSimulationSettings, ProgressFn } from '../lib/venues/brain/index.js';
import { projectRoot } from '../lib/db/paths.js';
import type { Db } from '../lib/db/index.js';
import type { BrainClient, DuckDbHttpLog } from '../lib/venues/index.js';
import { ensureLib, isVenueError, L, out, withDb, type CliCommon } from './venue-cli.js';

interface Common extends CliCommon {
  baseUrl?: string;
  credentials?: string;
}

const posInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
};
const nonNegInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected an integer >= 0, got "${v}"`);
  return n;
};

const progress = (o: Common): ProgressFn => (p) => {
  process.stderr.write(`brain ${p.phase}: poll ${p.polls}${p.progress !== undefined ? `, ${Math.round(p.progress * 100)}%` : ''}\n`);
};

function client(o: Common, db: Db, log: DuckDbHttpLog, maxConcurrent?: number): BrainClient {
  return new L.BrainClient({ baseUrl: o.baseUrl ?? process.env.BRAIN_BASE_URL ?? L.BRAIN_API, credentials: L.brainCredentials(o.credentials), recorder: log, maxConcurrent });
}

async function loadParityPanel(dataset: string): Promise<Panel> {
  const data = await import('../lib/data/index.js');
  if (dataset in data.BUNDLED) return data.loadBundledPanel(dataset as keyof typeof data.BUNDLED);
  return data.loadPanel(dataset);
}

function settingsFrom(file?: string): BrainSimulationSettings {
  return file ? L.readBrainSettingsFile(file) : { ...L.DEFAULT_BRAIN_SIMULATION_SETTINGS };
}

const common = (cmd: Command): Command =>
  cmd
    .option('--base-url <url>', 'BRAIN API base URL (default $BRAIN_BASE_URL or https://api.worldquantbrain.com)')
    .option('--credentials <file>', 'credentials file ["email", "password"], mode 600 (default ./credential.txt, or BRAIN_EMAIL + BRAIN_PASSWORD)')
    .option('--db <file>', 'DuckDB file (default data/quant.duckdb)')
    .option('--json', 'print one JSON summary line');

/** The error as one line (and JSON when asked); sets the exit code. */
function report(o: Common, err: unknown): void {
  if (isVenueError(err)) {
    const d = err.details as Record<string, unknown> | undefined;
    out(o, { ok: false, venue: err.venue, code: err.code, status: err.status ?? null, message: err.message, ...(err.code === 'expression' ? { simulationStatus: d?.status, location: d?.location, brainMessage: d?.message } : {}), ...(err.code === 'bad_request' && d?.messages ? { fields: d.messages } : {}), ...(err.code === 'unsupported' ? { unsupported: d } : {}) },
      `brain: ${err.code}: ${err.message}`);
  } else {
    out(o, { ok: false, message: (err as Error).message }, `brain: ${(err as Error).message}`);
  }
  process.exitCode = 1;
}

/** Registers `brain` and its verbs on the alphalab program. */
export function registerBrainCommand(program: Command): void {
  const brain = program.command('brain').description('WorldQuant BRAIN: login, simulate, status, check, submit, hopeful alphas, local parity');

  common(brain.command('login').description('log in and show the session (a persona 401 prints the URL to open)'))
    .option('--persona-done <url>', 'after completing the biometric check at this URL, finish the login')
    .action(async (o: Common & { personaDone?: string }) => {
      try {
        await ensureLib();
        await withDb(o, async (db) => {
          const log = new L.DuckDbHttpLog(db);
          const c = client(o, db, log);
          const s = o.personaDone ? await c.completePersona(o.personaDone) : await c.login();
          await log.flush();
          out(o, { ok: true, userId: s.userId ?? null, expiresAt: new Date(s.expiresAt).toISOString(), permissions: s.permissions }, `logged in${s.userId ? ` as ${s.userId}` : ''}; session valid until ${new Date(s.expiresAt).toISOString()}`);
        });
      } catch (err) {
        report(o, err);
      }
    });

  common(brain.command('simulate').description('simulate expressions on BRAIN and wait for the results (metrics and checks as BRAIN returns them)'))
    .requiredOption('-e, --expr <expression...>', 'expression(s) in our language (translated to FASTEXPR; unsupported operators are refused before sending)')
    .option('--settings <file>', 'JSON file of BRAIN settings (unknown keys refused)')
    .option('--max-concurrent <n>', 'simulations in flight at most', posInt, 3)
    .option('-d, --dataset <name>', 'panel for the local parity run (bundled sample or catalog dataset)', 'sp500_daily')
    .option('--no-parity', 'skip the local parity run')
    .option('--allow-unknown-fields', "send field names we do not know unchanged (BRAIN's other data sets); BRAIN then judges them")
    .action(async (o: Common & { expr: string[]; settings?: string; maxConcurrent: number; dataset: string; parity: boolean; allowUnknownFields?: boolean }) => {
      try {
        await ensureLib();
        const settings = settingsFrom(o.settings);
        await withDb(o, async (db) => {
          const log = new L.DuckDbHttpLog(db);
          const c = client(o, db, log, o.maxConcurrent);
          const panel = o.parity ? await loadParityPanel(o.dataset) : undefined;
          const results = await Promise.all(o.expr.map(async (e) => {
            try {
              const r = await L.simulateAndRecord(c, db, e, settings, { panel, dataset: o.parity ? o.dataset : undefined, onProgress: progress(o), translate: { allowUnknownFields: !!o.allowUnknownFields } });
              return { ok: true as const, expression: e, status: r.status, simulationId: r.simulationId, alphaId: r.alphaId, fastexpr: r.fastexpr, is: r.is, checks: r.checks, local: r.local ?? null, localError: r.localError ?? null };
            } catch (err) {
              if (!(isVenueError(err))) throw err;
              const d = err.details as Record<string, unknown> | undefined;
              return { ok: false as const, expression: e, code: err.code, status: err.code === 'expression' ? d?.status : null, message: err.code === 'expression' ? d?.message : err.message, location: err.code === 'expression' ? d?.location : null, ...(err.code === 'unsupported' ? { unsupported: d } : {}) };
            }
          }));
          await log.flush();
          const text = results.map((r) => r.ok
            ? `${r.expression}\n  -> ${r.fastexpr}\n  ${r.status} alpha ${r.alphaId}: sharpe ${r.is!.sharpe} fitness ${r.is!.fitness} turnover ${r.is!.turnover} returns ${r.is!.returns} drawdown ${r.is!.drawdown}\n  checks: ${r.checks!.map((x) => `${x.name}=${x.result}`).join(', ')}${r.local ? `\n  local (${o.dataset}): sharpe ${r.local.sharpe.toFixed(3)} fitness ${r.local.fitness.toFixed(3)} turnover ${r.local.turnover.toFixed(3)}` : ''}`
            : `${r.expression}\n  ${r.status ?? r.code}: ${r.message}${r.location ? ` (location ${JSON.stringify(r.location)})` : ''}`).join('\n');
          out(o, results.length === 1 ? results[0] : { results }, text);
          if (results.some((r) => !r.ok)) process.exitCode = 1;
        });
      } catch (err) {
        report(o, err);
      }
    });

  common(brain.command('status').description('with an alpha id: its status, metrics and checks on BRAIN; without: what the database holds (alphas, hopeful alphas, submissions today vs the cap, recorded requests)'))
    .argument('[alphaId]', 'an alpha to read from BRAIN')
    .option('--max-per-day <n>', 'the daily cap to compare with', nonNegInt, 1)
    .action(async (alphaId: string | undefined, o: Common & { maxPerDay: number }) => {
      try {
        await ensureLib();
        await withDb(o, async (db) => {
          if (alphaId) {
            const log = new L.DuckDbHttpLog(db);
            const a = await client(o, db, log).alpha(alphaId);
            await log.flush();
            out(o, { ok: true, alphaId: a.id, status: a.status ?? null, is: a.is, checks: a.checks },
              `alpha ${a.id}: ${a.status ?? '?'}\n  sharpe ${a.is.sharpe} fitness ${a.is.fitness} turnover ${a.is.turnover} returns ${a.is.returns} drawdown ${a.is.drawdown}\n  checks: ${a.checks.map((c) => `${c.name}=${c.result}`).join(', ')}`);
            return;
          }
          const alphas = await L.listBrainAlphas(db);
          const hopeful = await L.listHopefulAlphas(db);
          const subs = await L.listSubmissions(db);
          const today = await L.submissionsOnDay(db, Date.now());
          const requests = (await L.readHttpLog(db)).filter((r) => r.venue === 'brain').length;
          const byStatus: Record<string, number> = {};
          for (const h of hopeful) byStatus[h.status] = (byStatus[h.status] ?? 0) + 1;
          const byState: Record<string, number> = {};
          for (const s of subs) byState[s.state] = (byState[s.state] ?? 0) + 1;
          out(o, { ok: true, alphas: alphas.length, hopeful: byStatus, submissions: byState, submittedToday: today, maxPerDay: o.maxPerDay, requestsRecorded: requests },
            `alphas simulated: ${alphas.length}\nhopeful alphas: ${JSON.stringify(byStatus)}\nsubmissions: ${JSON.stringify(byState)}; today (UTC) ${today} of ${o.maxPerDay}\nrequests recorded: ${requests}`);
        });
      } catch (err) {
        report(o, err);
      }
    });

  common(brain.command('check').description("BRAIN's submission checks of an alpha").argument('<alphaId>'))
    .action(async (alphaId: string, o: Common) => {
      try {
        await ensureLib();
        await withDb(o, async (db) => {
          const log = new L.DuckDbHttpLog(db);
          const checks = await client(o, db, log).check(alphaId, progress(o));
          await log.flush();
          const failed = checks.filter((c) => c.result !== 'PASS');
          out(o, { ok: true, alphaId, passed: failed.length === 0, checks }, checks.map((c) => `${c.name}: ${c.result}${c.value !== undefined ? ` (value ${c.value}, limit ${c.limit})` : ''}`).join('\n'));
        });
      } catch (err) {
        report(o, err);
      }
    });

  common(brain.command('submit').description('submit hopeful alphas that pass the local gates and BRAIN checks: at most --max-per-day per UTC day, never twice'))
    .option('--max-per-day <n>', 'submissions per UTC day at most', nonNegInt, 1)
    .option('--export-dir <dir>', 'where hopeful_alphas.json and submission_log.json are written (default data/brain)')
    .option('-d, --dataset <name>', 'panel for the parity run of alphas simulated on the way', 'sp500_daily')
    .option('--no-parity', 'skip the local parity run')
    .action(async (o: Common & { maxPerDay: number; exportDir?: string; dataset: string; parity: boolean }) => {
      try {
        await ensureLib();
        await withDb(o, async (db) => {
          const log = new L.DuckDbHttpLog(db);
          const panel = o.parity ? await loadParityPanel(o.dataset) : undefined;
          const sub = new L.BrainSubmitter(db, client(o, db, log), { maxPerDay: o.maxPerDay, panel, dataset: o.dataset, onProgress: progress(o), log: (l) => process.stderr.write(`${l}\n`) });
          const r = await sub.runOnce();
          await log.flush();
          const dir = resolve(o.exportDir ?? join(projectRoot(), 'data', 'brain'));
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, 'hopeful_alphas.json'), `${JSON.stringify(await L.exportHopefulAlphas(db), null, 2)}\n`);
          writeFileSync(join(dir, 'submission_log.json'), `${JSON.stringify(await L.exportSubmissionLog(db), null, 2)}\n`);
          out(o, { ok: true, submitted: r.submitted.map((v) => ({ alphaId: v.alphaId, verdict: v.verdict, failed: v.failed.map((c) => c.name) })), failedChecks: r.failedChecks, resolved: r.resolved, stoppedBy: r.stoppedBy ?? null, today: r.today, maxPerDay: r.maxPerDay, exportDir: dir },
            `${r.submitted.map((v) => `${v.alphaId}: ${v.verdict}${v.failed.length ? ` (failed: ${v.failed.map((c) => c.name).join(', ')})` : ''}`).join('\n') || 'nothing submitted'}${r.stoppedBy ? `\n${r.stoppedBy}` : ''}\ntoday (UTC): ${r.today} of ${r.maxPerDay}; exports in ${dir}`);
        });
      } catch (err) {
        report(o, err);
      }
    });

  common(brain.command('hopeful').description('list, add or import hopeful alphas (the submitter reads them)'))
    .option('--add <expression>', 'add one expression (local metrics computed on --dataset for the gates)')
    .option('--import <file>', "import the original miner's hopeful_alphas.json")
    .option('--settings <file>', 'BRAIN settings for added / imported alphas')
    .option('-d, --dataset <name>', 'panel for the local metrics of --add', 'sp500_daily')
    .action(async (o: Common & { add?: string; import?: string; settings?: string; dataset: string }) => {
      try {
        await ensureLib();
        const settings = settingsFrom(o.settings);
        await withDb(o, async (db) => {
          let added = 0;
          const skipped: string[] = [];
          if (o.add) {
            const local = L.localBrainMetrics(o.add, await loadParityPanel(o.dataset), settings);
            if (await L.addHopefulAlpha(db, { expression: o.add, settings, source: 'manual', localMetrics: local })) added++;
            else skipped.push(`${o.add}: already present`);
          }
          if (o.import) {
            const r = await L.importHopefulAlphas(db, o.import, settings);
            added += r.added;
            skipped.push(...r.skipped);
          }
          const list = await L.listHopefulAlphas(db);
          out(o, { ok: true, added, skipped, hopeful: list.map((h) => ({ id: h.id, status: h.status, localPass: h.localPass, alphaId: h.alphaId })) },
            `${added ? `added ${added}\n` : ''}${skipped.map((s) => `skipped ${s}\n`).join('')}${list.map((h) => `${h.status.padEnd(13)} ${h.localPass ? 'pass' : 'fail'} ${h.alphaId ?? '-'} ${h.expression}`).join('\n')}`);
        });
      } catch (err) {
        report(o, err);
      }
    });

  common(brain.command('parity').description('BRAIN metrics beside our simulator with the same settings, and their differences'))
    .option('-d, --dataset <name>', 'panel for alphas without local metrics yet', 'sp500_daily')
    .action(async (o: Common & { dataset: string }) => {
      try {
        await ensureLib();
        await withDb(o, async (db) => {
          let rows = await L.listBrainAlphas(db);
          const missing = rows.filter((r) => !r.local && !r.localError);
          if (missing.length) {
            const panel = await loadParityPanel(o.dataset);
            for (const r of missing) {
              let rec = { ...r, dataset: o.dataset };
              try {
                rec = { ...rec, local: L.localBrainMetrics(r.expression, panel, r.settings) };
              } catch (err) {
                rec = { ...rec, localError: (err as Error).message };
              }
              await L.recordBrainAlpha(db, rec);
            }
            rows = await L.listBrainAlphas(db);
          }
          const rep = L.parityReport(rows);
          out(o, { ok: true, ...rep }, L.formatParityReport(rep));
        });
      } catch (err) {
        report(o, err);
      }
    });
}
