/**
 * alphalab command line (run through tsx; see package.json scripts):
 *   start                 ensure Jupyter -> ingest the bundled datasets -> run every notebook -> summary
 *   run [notebooks...]    execute notebooks headless (default: notebooks/*.ipynb in order)
 *   lab                   JupyterLab (else the classic notebook) on 127.0.0.1 with the project's kernels
 *   ingest [FILE...]      ingest your files (--name, --map, --frequency, --policy, --tick, --json) or the bundled datasets into the DuckDB catalog
 *   orchestrator          generator / miner / submitter unattended, model fleet status (bin/orchestrator.ts)
 *   train ...             continuous training of local models (bin/train.ts)
 *   models ...            model operations on an Ollama server (bin/models.ts)
 *   brain <verb>          WorldQuant BRAIN: login, simulate, status, check, submit, hopeful, parity (bin/brain.ts)
 *   meme fetch, swap ...  meme-token data pipeline; Solana swaps through Jupiter (bin/venues.ts)
 *   ml <verb>             ML signal engine: train | evaluate | predict | export-features | bench (bin/ml.ts)
 *   factor | lookahead | backtest | runs | trials | data | kb   research verbs (bin/verbs/)
 *   trade ...             paper/live trading, status, kill switch (bin/trade.ts)
 *   download              exchange bars/funding/open interest via ccxt into the catalog (bin/download.ts)
 *   mine grid|variants|gp|generate alpha mining on the train segment, resumable (bin/mine.ts)
 *   worker --queue URL    processes mining candidates from a BullMQ queue (bin/mine.ts, lib/mine/queue.ts)
 *   dashboard             web dashboard and its REST API on 127.0.0.1 (bin/dashboard.ts, lib/monitor)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { projectRoot } from '../lib/db/paths.js';
import type { NotebookParameters, NotebookRunResult, RunOptions } from '../lib/notebook/index.js';

/** lib/notebook (Jupyter client, runner) is loaded only by the verbs that run notebooks. */
const notebookLib = () => import('../lib/notebook/index.js');
import { exitWithParent } from './parent-watch.js';
import { conciseErrors, protectExpressions } from './verbs/cli-errors.js';

const root = projectRoot();

/** notebooks/*.ipynb of the project, sorted by name (NN_ prefixes give the order). */
function defaultNotebooks(): string[] {
  const dir = join(root, 'notebooks');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => join(dir, f));
}

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number');
  return n;
}

interface RunCliOptions {
  kernel?: string;
  out?: string;
  timeout: number;
  url?: string;
  token?: string;
  sign: boolean;
  allowErrors?: boolean;
  parameters?: NotebookParameters;
}

async function runCommand(files: string[], o: RunCliOptions): Promise<NotebookRunResult[]> {
  const list = files.length ? files.map((f) => resolve(f)) : defaultNotebooks();
  if (list.length === 0) {
    process.stderr.write(`no notebooks to run (none given, and ${relative(process.cwd(), join(root, 'notebooks')) || 'notebooks'}/ has no .ipynb)\n`);
    return [];
  }
  for (const f of list) if (!existsSync(f)) throw new Error(`notebook not found: ${f}`);
  const opts: RunOptions = {
    kernel: o.kernel,
    outDir: o.out ? resolve(o.out) : undefined,
    timeoutSec: o.timeout,
    url: o.url,
    token: o.token ?? process.env.JUPYTER_TOKEN,
    sign: o.sign,
    allowErrors: o.allowErrors,
    parameters: o.parameters,
    installJupyter: true,
    onProgress: (await notebookLib()).consoleProgress((s) => process.stderr.write(s), root),
  };
  const { runNotebooks, formatSummary } = await notebookLib();
  const results = await runNotebooks(list, opts);
  process.stdout.write(`\n${formatSummary(results, root)}\n`);
  return results;
}

/** Runs the ingest in a child process so its DuckDB file lock is released before kernels open the catalog. */
function ingestInChild(): 'ok' | 'missing' | 'failed' | 'interrupted' {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bin', 'alphalab.ts'), 'ingest'], { cwd: root, stdio: 'inherit', env: { ...process.env, ALPHALAB_ROOT: root } });
  if (r.signal === 'SIGINT' || r.signal === 'SIGTERM') return 'interrupted';
  return r.status === 0 ? 'ok' : r.status === 3 ? 'missing' : 'failed';
}

async function ingestCommand(): Promise<number> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import('../lib/data/index.js')) as Record<string, unknown>;
  } catch (err) {
    process.stderr.write(`ingest: cannot load lib/data (${(err as Error).message}); skipping the ingest\n`);
    return 3;
  }
  const ingestBundled = mod.ingestBundled as ((opts?: object) => Promise<unknown[]>) | undefined;
  if (typeof ingestBundled !== 'function') {
    process.stderr.write('ingest: lib/data does not export ingestBundled() yet; skipping the ingest\n');
    return 3;
  }
  const { Db } = await import('../lib/db/index.js');
  const db = await Db.open();
  const t0 = Date.now();
  try {
    process.stderr.write('ingest: bundled datasets (data/samples/) -> DuckDB catalog\n');
    const reports = await ingestBundled({ db });
    const format = mod.formatReport as ((r: unknown) => string) | undefined;
    for (const r of reports) process.stdout.write(`${typeof format === 'function' ? format(r) : JSON.stringify(r)}\n`);
    process.stdout.write(`ingest: done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const rejected = reports.filter((r) => (r as { status?: string }).status === 'rejected');
    return rejected.length ? 1 : 0;
  } finally {
    db.close();
    Db.closeAll();
  }
}

type Register = (program: Command) => void;

/**
 * The verb groups defined in their own modules, loaded lazily: a CLI start imports only the module of the
 * verb it runs (ccxt, pino, fastify, DuckDB-heavy code each cost up to ~2 s of imports on this machine,
 * paid by every test that spawns the CLI). Keys are the top-level verbs each module registers.
 */
const verbGroups: { verbs: string[]; load: () => Promise<Register> }[] = [
  { verbs: ['orchestrator'], load: async () => (await import('./orchestrator.js')).registerOrchestrator },
  { verbs: ['train'], load: async () => (await import('./train.js')).registerTrain },
  { verbs: ['models'], load: async () => (await import('./models.js')).registerModels },
  { verbs: ['brain'], load: async () => (await import('./brain.js')).registerBrainCommand },
  { verbs: ['meme', 'swap'], load: async () => (await import('./venues.js')).registerVenueCommands },
  { verbs: ['ml'], load: async () => (await import('./ml.js')).registerMlCommand },
  { verbs: ['mine', 'worker'], load: async () => (await import('./mine.js')).registerMineCommand },
  { verbs: ['trade'], load: async () => (await import('./trade.js')).registerTradeCommands },
  { verbs: ['download'], load: async () => (await import('./download.js')).registerDownloadCommand },
  { verbs: ['dashboard'], load: async () => (await import('./dashboard.js')).registerDashboard },
  {
    verbs: ['factor', 'lookahead', 'backtest', 'runs', 'trials', 'data', 'kb'],
    load: async () => (await import('./verbs/index.js')).registerResearchVerbs,
  },
];

/**
 * Registers the verb group of the first non-option argument only; for help, no verb or an unknown verb
 * (so commander can list every verb and suggest the closest one) registers them all, in the table's order.
 */
async function registerVerbGroups(program: Command, args: string[]): Promise<void> {
  const verb = args.find((a) => !a.startsWith('-'));
  const own = verb === undefined ? undefined : verbGroups.find((g) => g.verbs.includes(verb));
  const builtIn = ['run', 'lab', 'research', 'ingest', 'start', 'help'];
  const groups = own ? [own] : verb !== undefined && builtIn.includes(verb) && verb !== 'help' ? [] : verbGroups;
  for (const g of groups) (await g.load())(program);
}

const program = new Command();
conciseErrors(program.name('alphalab').description('TypeScript notebooks and engine for quantitative alpha research'));

const addRunOptions = (cmd: Command): Command =>
  cmd
    .option('-k, --kernel <name>', "kernel for every notebook (default: each notebook's metadata.kernelspec.name)")
    .option('-o, --out <dir>', 'folder for the executed copies (default data/runs/<UTC timestamp>/)')
    .option('-t, --timeout <s>', 'per-cell timeout in seconds', seconds, 600)
    .option('--url <url>', 'use a running Jupyter server at this URL instead of starting one')
    .option('--token <token>', 'token of the --url server (default $JUPYTER_TOKEN)')
    .option('--no-sign', 'do not mark the executed notebooks trusted')
    .option('--allow-errors', 'keep running the cells after a failing one (the notebook still counts as failed)');

// papermill's `-p NAME VALUE` takes two values, which commander options cannot: taken out of argv for `run` before parsing.
const isRun = process.argv[2] === 'run';
let argv = protectExpressions(process.argv);
let parameters: NotebookParameters = {};
try {
  if (isRun) ({ argv, parameters } = (await notebookLib()).extractParameterArgs(argv));
} catch (err) {
  process.stderr.write(`alphalab run: ${(err as Error).message}\n`);
  process.exit(1);
}

addRunOptions(program.command('run').description('execute notebooks headless and write executed copies (-p NAME VALUE: a parameter, papermill style; repeatable)').argument('[notebooks...]', 'notebook files (default notebooks/*.ipynb, in name order)')).action(
  async (files: string[], o: RunCliOptions) => {
    const results = await runCommand(files, { ...o, parameters });
    process.exitCode = results.some((r) => r.status !== 'ok') ? 1 : 0;
  },
);

program
  .command('lab')
  .description('start JupyterLab (else the classic notebook) on 127.0.0.1 with the project kernels and jupyter_config.json')
  .option('-p, --port <port>', 'port (default lab_port of jupyter_config.json)', port)
  .option('--classic', 'start the classic notebook even when JupyterLab is installed')
  .action(async (o: { port?: number; classic?: boolean }) => {
    const { loadJupyterConfig, ensureJupyter, serverArgs, jupyterEnv } = await notebookLib();
    const cfg = loadJupyterConfig(root);
    const install = ensureJupyter();
    const app = install.lab && !o.classic ? 'lab' : 'notebook';
    const args = serverArgs(cfg, app, { port: o.port ?? cfg.labPort, port_retries: o.port === undefined ? 50 : 0 });
    process.stderr.write(`starting: jupyter ${args.join(' ')}\n(kernels from ${cfg.jupyterPath.join(', ')}; Ctrl-C to stop)\n`);
    const child = spawn(install.jupyter, args, { cwd: root, env: jupyterEnv(cfg), stdio: 'inherit' });
    // Ctrl-C reaches Jupyter through the terminal's process group; SIGTERM is forwarded.
    process.on('SIGINT', () => undefined);
    process.on('SIGTERM', () => child.kill('SIGTERM'));
    child.on('exit', (code) => process.exit(code ?? 0));
  });

program
  .command('research')
  .description('LLM hypothesis loop (all flags of bin/research.ts: -p auto|ollama|openai|anthropic|llama-cpp|offline, --model, -n, --json, status, kb ...)')
  .helpOption(false)
  .allowUnknownOption()
  .argument('[args...]')
  .action((args: string[]) => {
    // the loop's own CLI, in a child so its Ctrl-C handling and exit codes stay as they are
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(projectRoot(), 'bin', 'research.ts'), ...args], { stdio: 'inherit' });
    process.exitCode = r.status ?? 1;
  });

program
  .command('ingest')
  .description('ingest FILE... (CSV, CSV.gz, parquet) as dataset --name, or with no file the bundled datasets (data/samples/), into the DuckDB catalog')
  .argument('[files...]', 'your own files of bars (default: the bundled samples)')
  .option('--name <name>', 'dataset name (required with files)')
  .option('--map <pairs>', 'column mapping, e.g. symbol=code,time=date')
  .option('--frequency <f>', 'bar frequency 1m|5m|15m|1h|4h|1d (default: inferred from the data)')
  .option('--market <m>', 'equity|crypto (default: inferred from weekend bars)')
  .option('--policy <p>', 'error rows: reject (default: nothing written), drop (dropped and reported) or repair (open/close within one tick of [low, high] clamped and listed; any other error rejects)')
  .option('--tick <price>', 'price step for --policy repair (default: per symbol, the smallest positive difference between its prices)')
  .option('--ignore <cols>', 'comma-separated columns not to keep as fields or labels')
  .option('--symbol <s>', 'constant symbol for a single-asset file without a symbol column')
  .option('--tz <zone>', 'IANA time zone of zone-less local timestamps, e.g. Asia/Shanghai (default UTC; intraday data)')
  .option('--time-format <fmt>', 'strptime format of the time column, e.g. "%d/%m/%Y %H:%M" (default: ISO dates/times, YYYYMMDD, epoch s/ms)')
  .option('--json', 'print one summary line (JSON)')
  .action(async (files: string[], o: Record<string, string | boolean | undefined>) => {
    if (!files.length) {
      process.exitCode = await ingestCommand();
      return;
    }
    const { ingestFileCommand } = await import('./ingest-file.js');
    process.exitCode = await ingestFileCommand(files, o);
  });

addRunOptions(program.command('start').description('ensure Jupyter is installed, ingest the bundled datasets, run every notebook, print a summary')).action(
  async (o: RunCliOptions) => {
    const t0 = Date.now();
    process.stderr.write('[1/3] Jupyter\n');
    const { ensureJupyter } = await notebookLib();
    const install = ensureJupyter({ install: true, log: (l) => process.stderr.write(`${l}\n`) });
    process.stderr.write(`      ${install.jupyter} (server: ${install.server ? 'yes' : 'no'}, notebook: ${install.notebook ? 'yes' : 'no'}, lab: ${install.lab ? 'yes' : 'no'})\n`);
    process.stderr.write('[2/3] ingest\n');
    const ing = ingestInChild();
    if (ing === 'interrupted') {
      process.stderr.write('      ingest interrupted; stopping\n');
      process.exit(130);
    }
    if (ing === 'missing') process.stderr.write('      the ingest is not available yet (lib/data ingestBundled); notebooks run on whatever the catalog holds\n');
    else if (ing === 'failed') process.stderr.write('      the ingest failed (see above); running the notebooks anyway\n');
    process.stderr.write('[3/3] notebooks\n');
    const results = await runCommand([], o);
    const failed = results.filter((r) => r.status !== 'ok').length;
    process.stdout.write(`start: ingest ${ing}, ${results.length - failed}/${results.length} notebooks ok, ${((Date.now() - t0) / 1000).toFixed(1)} s in all\n`);
    process.exitCode = failed > 0 || ing === 'failed' ? 1 : 0;
  },
);

await registerVerbGroups(program, process.argv.slice(2));
// A kill -9 of the npm / tsx wrapper is not forwarded: when a wrapper parent dies, stop as on SIGTERM
// (the runner and `lab` shut their Jupyter servers down on it). ALPHALAB_EXIT_WITH_PARENT=0 opts out.
if (process.env.ALPHALAB_EXIT_WITH_PARENT !== '0') {
  exitWithParent((pid) => {
    process.stderr.write(`alphalab: parent process ${pid} is gone: stopping\n`);
    process.kill(process.pid, 'SIGTERM');
  }, { graceMs: 15_000 });
}


program.parseAsync(argv).catch((err: Error) => {
  process.stderr.write(`alphalab: ${err.message}\n`);
  process.exit(1);
});
