/**
 * `alphalab runs list [--json]` and `alphalab runs show [RUN] [--json]`: the
 * executed-notebook runs under data/runs/ (one folder per run, `latest` the
 * newest), read from each executed copy's `metadata.alphalab.run`.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { projectRoot } from '../../lib/db/paths.js';
import { printJson, printTable } from './common.js';

interface RunMeta {
  notebook: string;
  status: string;
  seconds: number | null;
  kernel: string;
  cells: string;
  parameters: Record<string, unknown> | null;
  error: string;
}

function runsDir(): string {
  return join(projectRoot(), 'data', 'runs');
}

/** The executed notebooks of one run folder, with their recorded status. */
export function readRun(dir: string): RunMeta[] {
  return readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort().map((f) => {
    try {
      const nb = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { metadata?: { alphalab?: { run?: Record<string, unknown> } } };
      const r = nb.metadata?.alphalab?.run ?? {};
      return {
        notebook: f, status: String(r.status ?? '?'), seconds: typeof r.seconds === 'number' ? r.seconds : null, kernel: String(r.kernel ?? '?'),
        cells: `${String(r.executed_cells ?? '?')}/${String(r.code_cells ?? '?')}`, parameters: (r.parameters as Record<string, unknown> | undefined) ?? null, error: String(r.error ?? ''),
      };
    } catch (err) {
      return { notebook: f, status: 'unreadable', seconds: null, kernel: '?', cells: '?', parameters: null, error: (err as Error).message };
    }
  });
}

/** Registers `runs list|show`. */
export function registerRuns(program: Command): void {
  const cmd = program.command('runs').description('executed notebook runs under data/runs/');
  cmd
    .command('list')
    .description('runs, newest first: notebooks ok / total, seconds')
    .option('--json', 'print one JSON line: {runs: [...]}')
    .action((o: { json?: boolean }) => {
      const dir = runsDir();
      const names = existsSync(dir) ? readdirSync(dir).filter((n) => n !== 'latest' && statSync(join(dir, n)).isDirectory()).sort().reverse() : [];
      const latest = existsSync(join(dir, 'latest')) ? basename(realpathSync(join(dir, 'latest'))) : null;
      const rows = names.map((n) => {
        const nbs = readRun(join(dir, n));
        return { run: n, latest: n === latest, notebooks: nbs.length, ok: nbs.filter((x) => x.status === 'ok').length, seconds: Number(nbs.reduce((s, x) => s + (x.seconds ?? 0), 0).toFixed(1)) };
      });
      if (o.json) return printJson({ runs: rows });
      printTable(rows);
    });
  cmd
    .command('show')
    .description('one run (default latest): each notebook with status, time, kernel, parameters, error')
    .argument('[run]', 'run folder name (from runs list) or path', 'latest')
    .option('--json', 'print one JSON line')
    .action((run: string, o: { json?: boolean }) => {
      const dir = existsSync(run) ? run : join(runsDir(), run);
      if (!existsSync(dir)) throw new Error(`no run "${run}" under ${runsDir()} (see: alphalab runs list)`);
      const rows = readRun(dir);
      if (o.json) return printJson({ run: basename(realpathSync(dir)), dir: realpathSync(dir), notebooks: rows });
      printTable(rows.map((r) => ({ ...r, parameters: r.parameters ? JSON.stringify(r.parameters) : '' })));
    });
}
