/**
 * Command line of the LLM hypothesis loop (issue 6).
 *
 *   npm run research -- [--config configs/default.yaml] [-r "goal"] [-c momentum] [-n 10] [-p auto|ollama|openai|anthropic|llama-cpp|offline] [-m model] [--base-url URL] [--early-stop-sharpe 1.5] [--json]
 *   npm run research -- -p llama-cpp --model PATH.gguf [--ctx 8192] [--threads 4]
 *   npm run research -- status
 *   npm run research -- improve H003 -n 3
 *   npm run research -- analyze
 *   npm run kb -- search --status validated [--category c] [--text t]
 *   npm run kb -- stats
 *
 * Ctrl-C stops the loop at the next step and marks the run interrupted (a
 * hypothesis being tested stays open and is re-tested by the next run); a
 * second Ctrl-C exits at once.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { HYPOTHESIS_STATUSES, openKnowledgeBase, research, type HypothesisStatus, type KnowledgeBase, type ResearchOptions } from '../lib/agent/index.js';
import { LlmError } from '../lib/llm/index.js';
import { exitWithParent } from './parent-watch.js';
import { median } from '../lib/stats/index.js';
import { loadResearchConfig, RESEARCH_CATEGORIES } from '../lib/core/index.js';
import { checkSubcommand, conciseErrors } from './verbs/cli-errors.js';
import { ensureDownloadedSymbols } from './download.js';
import { BUNDLED } from '../lib/data/index.js';

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
};
const num = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${v}"`);
  return n;
};
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

interface LoopFlags {
  requirements?: string;
  category?: string;
  iterations: number;
  maxFailures: number;
  earlyStopSharpe: number;
  provider: 'auto' | 'ollama' | 'openai' | 'anthropic' | 'llama-cpp' | 'offline';
  model?: string;
  baseUrl?: string;
  dataset: string;
  db?: string;
  seed: number;
  costBps: number;
  annualization?: number;
  timeout: number;
  strategiesDir?: string;
  ctx?: number;
  threads?: number;
  json?: boolean;
  exitWithParent?: boolean;
  config?: string;
  symbols?: string;
  timeframe: string;
  exchange: string;
  months: number;
}

function loopOptions(cmd: Command): Command {
  return cmd
    .option('-r, --requirements <text>', 'research goal in words', 'find a profitable, robust factor')
    .option('--config <file>', 'research settings file (YAML or JSON, see configs/default.yaml); flags given here override it')
    .addOption(new Option('-c, --category <name>', 'factor family').choices([...RESEARCH_CATEGORIES]))
    .option('-n, --iterations <n>', 'max iterations', int, 10)
    .option('--max-failures <n>', 'stop after this many consecutive failures', int, 3)
    .option('--early-stop-sharpe <x>', 'stop when a validated strategy reaches this Sharpe', num, 1.5)
    .addOption(new Option('-p, --provider <name>', 'proposer: auto = Ollama if a server answers, else the GGUF model of $ALPHALAB_GGUF / llm.settings.json, else offline').choices(['auto', 'ollama', 'openai', 'anthropic', 'llama-cpp', 'offline']).default('auto'))
    .option('-m, --model <name>', 'model name (default $OLLAMA_MODEL / $OPENAI_MODEL / $ANTHROPIC_MODEL or the provider default); for llama-cpp the .gguf file')
    .option('--ctx <n>', 'llama-cpp: context size in tokens (default 8192)', int)
    .option('--threads <n>', 'llama-cpp: CPU threads (default min(8, cores))', int)
    .option('--json', 'progress on stderr, one JSON summary line on stdout')
    .option('--base-url <url>', 'server base URL (default $OLLAMA_HOST / $OPENAI_BASE_URL)')
    .option('-d, --dataset <name>', 'bundled sample (sp500_daily, binance_perp_1h) or catalog dataset', 'sp500_daily')
    .option('--symbols <list>', 'research these exchange symbols (BTC,ETH or BTCUSDT,...): missing ones are downloaded through ccxt into <exchange>_<timeframe>_download (needs a network route; says so when there is none)')
    .option('--timeframe <tf>', 'with --symbols: bar timeframe', '1h')
    .option('--exchange <id>', 'with --symbols: ccxt exchange id', 'binanceusdm')
    .option('--months <n>', 'with --symbols: months of history to download for a missing symbol', num, 6)
    .option('--db <path>', 'DuckDB file of the knowledge base and trial store (default data/quant.duckdb)')
    .option('--seed <n>', 'seed of the offline proposer and of model sampling', num, 7)
    .option('--cost-bps <x>', 'transaction cost in bps of traded notional', num, 5)
    .option('--annualization <bars>', "bars per year for Sharpe and annual figures (default: inferred from the panel's calendar; warns when > 5 % off it)", num)
    .option('--timeout <s>', 'model call timeout in seconds', num, 180)
    .option('--strategies-dir <path>', 'folder for exported strategies (default <project>/strategies)')
    .option('--no-exit-with-parent', 'keep running when the npm / tsx wrapper that started this process dies (default: stop)');
}

/** Flags from --config, then the flags given on the command line over them (commander's value source 'cli'). */
function withConfig(flags: LoopFlags, cmd: Command): LoopFlags {
  if (!flags.config) return flags;
  const fromFile = loadResearchConfig(flags.config);
  const out: Record<string, unknown> = { ...flags };
  for (const [k, v] of Object.entries(fromFile)) if (cmd.getOptionValueSource(k) !== 'cli') out[k] = v;
  return out as unknown as LoopFlags;
}

async function runLoop(flags: LoopFlags, improve?: string): Promise<void> {
  // --symbols: research the download dataset, fetching missing symbols first (a bundled sample cannot take new symbols)
  if (flags.symbols) flags = { ...flags, dataset: await ensureDownloadedSymbols({ symbols: flags.symbols, timeframe: flags.timeframe, exchange: flags.exchange, months: flags.months, ...(flags.dataset in BUNDLED ? {} : { dataset: flags.dataset }) }) };
  const ac = new AbortController();
  let interrupts = 0;
  const onInt = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    console.log('\nInterrupt: stopping after the current step (Ctrl-C again to quit now).');
    ac.abort();
  };
  process.on('SIGINT', onInt);
  // kill -9 of `npm run research` (or of tsx) is not forwarded: stop when a wrapper parent dies.
  const unwatch = flags.exitWithParent === false ? () => undefined : exitWithParent((pid) => {
    console.error(`parent process ${pid} is gone: stopping (crash-safe: the next run resumes)`);
    ac.abort();
  });
  const opts: ResearchOptions = {
    requirements: flags.requirements,
    category: flags.category,
    iterations: flags.iterations,
    maxConsecutiveFailures: flags.maxFailures,
    earlyStopSharpe: flags.earlyStopSharpe,
    provider: flags.provider,
    model: flags.model,
    baseUrl: flags.baseUrl,
    dataset: flags.dataset,
    dbPath: flags.db,
    seed: flags.seed,
    costBps: flags.costBps,
    ...(flags.annualization !== undefined ? { annualization: flags.annualization } : {}),
    timeoutMs: flags.timeout * 1000,
    strategiesDir: flags.strategiesDir,
    improve,
    signal: ac.signal,
    ...(flags.ctx || flags.threads ? { llamaCpp: { ...(flags.ctx ? { contextSize: flags.ctx } : {}), ...(flags.threads ? { threads: flags.threads } : {}) } } : {}),
    ...(flags.json ? { log: (line: string) => void process.stderr.write(`${line}\n`) } : {}),
  };
  try {
    const s = await research(opts);
    if (flags.json) {
      const num = (x: number) => (Number.isFinite(x) ? x : null);
      console.log(JSON.stringify({ runId: s.runId, status: s.status, stopReason: s.stopReason, provider: s.provider, model: s.model, usedLanguageModel: s.usedLanguageModel, tried: s.tried, tested: s.tested, passed: s.passed, bestSharpe: num(s.bestSharpe), best: s.best?.id ?? null, exported: s.exported, modelMs: s.modelMs }));
    }
    process.exitCode = s.status === 'completed' ? 0 : 2;
  } finally {
    process.off('SIGINT', onInt);
    unwatch();
  }
}

async function withKb<T>(db: string | undefined, fn: (kb: KnowledgeBase) => Promise<T>): Promise<T> {
  const kb = await openKnowledgeBase(db);
  try {
    return await fn(kb);
  } finally {
    kb.close();
  }
}

function printHypotheses(rows: readonly { id: string; status: string; category: string; name: string; sharpe: number; parentId?: string; expressions: readonly string[]; strategyPath: string }[]): void {
  if (rows.length === 0) {
    console.log('(no hypotheses)');
    return;
  }
  for (const h of rows) {
    console.log(`${h.id.padEnd(5)} ${h.status.padEnd(9)} ${h.category.padEnd(14)} Sharpe ${f2(h.sharpe).padStart(6)}  ${h.name}${h.parentId ? ` <- ${h.parentId}` : ''}`);
    console.log(`      ${h.expressions[0]}${h.strategyPath ? `\n      exported: ${h.strategyPath}` : ''}`);
  }
}

const program = new Command();
conciseErrors(program.name('research').description('LLM hypothesis loop: propose factors, test them, learn from every try').enablePositionalOptions());

loopOptions(program).action(async (flags: LoopFlags, cmd: Command) => runLoop(withConfig(flags, cmd)));

loopOptions(program.command('improve <id>').description('refine a stored hypothesis (e.g. H003) for n iterations')).action(async (id: string, flags: LoopFlags, cmd: Command) => runLoop(withConfig(flags, cmd), id.toUpperCase()));

program
  .command('status')
  .description('runs, hypothesis counts, open (interrupted) hypotheses, best validated')
  .option('--db <path>', 'DuckDB file')
  .action(async (flags: { db?: string }) =>
    withKb(flags.db, async (kb) => {
      const runs = await kb.runs();
      console.log(`Runs: ${runs.length}`);
      for (const r of runs.slice(-10)) console.log(`  ${r.runId} ${r.status.padEnd(11)} ${r.provider}/${r.model} ${r.dataset}: ${r.stopReason}`);
      const st = await kb.stats();
      console.log(`Hypotheses: ${st.total} (${Object.entries(st.byStatus).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}); trials tested ${st.trials}`);
      const open = await kb.openHypotheses();
      if (open.length) console.log(`Open (interrupted, re-tested by the next run): ${open.map((h) => h.id).join(', ')}`);
      console.log('Best validated:');
      printHypotheses(await kb.best(5));
    }),
  );

program
  .command('analyze')
  .description('failure patterns, most frequent first')
  .option('--db <path>', 'DuckDB file')
  .action(async (flags: { db?: string }) =>
    withKb(flags.db, async (kb) => {
      const pats = await kb.failurePatterns();
      if (pats.length === 0) console.log('(no failures recorded)');
      for (const p of pats) {
        console.log(`${p.kind.padEnd(20)} ${String(p.count).padStart(4)}  by category: ${Object.entries(p.byCategory).map(([k, v]) => `${k} ${v}`).join(', ')}`);
        console.log(`${''.padEnd(26)}latest: ${p.example.id} \`${p.example.expression}\`: ${p.example.detail}`);
      }
      const sig = await kb.signalTable();
      if (sig.length) {
        const medianPf = median(sig.map((r) => r.profitFactor));
        console.log(`Signal stage (test segment): ${sig.filter((r) => r.pass).length} of ${sig.length} passed; median profit factor after costs ${f2(medianPf)}`);
      }
    }),
  );

const kbCmd = program.command('kb').description('query the knowledge base');
kbCmd
  .command('search')
  .description('search hypotheses by status, category and text')
  .addOption(new Option('--status <status>').choices([...HYPOTHESIS_STATUSES]))
  .option('--category <name>')
  .option('--text <text>', 'substring of name, rationale or expression')
  .option('--limit <n>', 'max rows', int, 50)
  .option('--db <path>', 'DuckDB file')
  .action(async (flags: { status?: HypothesisStatus; category?: string; text?: string; limit: number; db?: string }) =>
    withKb(flags.db, async (kb) => printHypotheses(await kb.search({ status: flags.status, category: flags.category, text: flags.text, limit: flags.limit }))),
  );
kbCmd
  .command('stats')
  .description('success rate by category and by model')
  .option('--db <path>', 'DuckDB file')
  .action(async (flags: { db?: string }) =>
    withKb(flags.db, async (kb) => {
      const st = await kb.stats();
      console.log(`Hypotheses ${st.total}, tested ${st.trials}, runs ${st.runs}; by status: ${Object.entries(st.byStatus).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
      for (const [title, groups] of [['category', st.byCategory], ['model', st.byModel]] as const) {
        console.log(`By ${title}:`);
        for (const g of groups) console.log(`  ${g.key.padEnd(18)} tested ${String(g.tested).padStart(3)}  validated ${String(g.validated).padStart(3)}  success ${Number.isFinite(g.successRate) ? `${(g.successRate * 100).toFixed(0)}%` : 'n/a'}  best Sharpe ${f2(g.bestSharpe)}`);
      }
    }),
  );

checkSubcommand(program, process.argv);
program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof LlmError ? `error: ${err.message}` : err instanceof Error ? `error: ${err.message}` : err);
  process.exit(1);
});
