/**
 * The TypeScript API of the research loop, with the command line's options:
 * loads the dataset, opens the knowledge base and the trial store (one DuckDB
 * file), picks the proposer (a model through lib/llm, or the offline one when
 * no server answers), builds the real tester and runs the loop.
 */
import { Db, defaultDbPath } from '../db/index.js';
import { loadBundledPanel, loadPanel, type Panel } from '../data/index.js';
import { FactorStore } from '../factors/index.js';
import { createProvider, LlmError, OllamaProvider, type LlmProvider } from '../llm/index.js';
import { exprGrammar } from './grammar.js';
import { KnowledgeBase } from './kb.js';
import { runResearch, type ResearchSummary } from './loop.js';
import { LlmProposer, OfflineProposer, type Proposer } from './proposer.js';
import { formatDatasetSummary, summarizePanel } from './summary.js';
import { EngineTester } from './tester.js';
import type { Hypothesis } from './types.js';

/** Datasets bundled in data/samples (loaded without ingest). */
const BUNDLED_NAMES = ['sp500_daily', 'binance_perp_1h'] as const;

/** Options of {@link research} (the CLI's flags). */
export interface ResearchOptions {
  /** Research goal in words (-r). Default "find a profitable, robust factor". */
  readonly requirements?: string;
  /** Factor family (-c). */
  readonly category?: string;
  /** Max iterations (-n). Default 10. */
  readonly iterations?: number;
  /** Stop after this many consecutive failures. Default 3. */
  readonly maxConsecutiveFailures?: number;
  /** Early-stop Sharpe. Default 1.5. */
  readonly earlyStopSharpe?: number;
  /** 'auto' (default: Ollama when a server answers with the model, else offline), 'ollama', 'openai' or 'offline' (-p). */
  readonly provider?: 'auto' | 'ollama' | 'openai' | 'offline';
  /** Model name (-m). */
  readonly model?: string;
  /** Server base URL (--base-url). */
  readonly baseUrl?: string;
  /** Per-call model timeout in ms. Default 180000. */
  readonly timeoutMs?: number;
  /** Dataset: a bundled sample ('sp500_daily', 'binance_perp_1h') or a catalog dataset, or a loaded panel. Default 'sp500_daily'. */
  readonly dataset?: string | Panel;
  /** DuckDB file of the knowledge base and trial store. Default data/quant.duckdb. */
  readonly dbPath?: string;
  /** Refine this hypothesis (research improve). */
  readonly improve?: string;
  /** Seed of the offline proposer and of model sampling. Default 7. */
  readonly seed?: number;
  /** Transaction costs in bps. Default 5. */
  readonly costBps?: number;
  /** Strategies folder. Default <project>/strategies. */
  readonly strategiesDir?: string;
  /** Progress lines. Default console.log. */
  readonly log?: (line: string) => void;
  /** Abort signal (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** A loaded dataset: bundled sample by name, catalog dataset, or a given panel. */
export async function loadDataset(dataset: string | Panel = 'sp500_daily'): Promise<Panel> {
  if (typeof dataset !== 'string') return dataset;
  if ((BUNDLED_NAMES as readonly string[]).includes(dataset)) return loadBundledPanel(dataset as (typeof BUNDLED_NAMES)[number]);
  return loadPanel(dataset);
}

/**
 * The proposer for the options: 'offline', or a checked model provider.
 * With 'auto', an unreachable server or a missing model falls back to the
 * offline proposer and says why in the log.
 * @throws LlmError for an explicit provider whose server or model is missing (message has the fix).
 */
export async function chooseProposer(opts: Pick<ResearchOptions, 'provider' | 'model' | 'baseUrl' | 'timeoutMs' | 'seed' | 'log'>): Promise<Proposer> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const kind = opts.provider ?? 'auto';
  if (kind === 'offline') return new OfflineProposer({ seed: opts.seed ?? 7 });
  let llm: LlmProvider;
  try {
    if (kind === 'auto') {
      // a quick probe (3 s, no retries) so a missing server does not stall the start
      await new OllamaProvider({ model: opts.model, host: opts.baseUrl, timeoutMs: 3000, retry: { retries: 0 } }).check();
      llm = createProvider({ provider: 'ollama', model: opts.model, baseUrl: opts.baseUrl, timeoutMs: opts.timeoutMs });
    } else {
      llm = createProvider({ provider: kind, model: opts.model, baseUrl: opts.baseUrl, timeoutMs: opts.timeoutMs });
      await llm.check();
    }
  } catch (err) {
    if (kind === 'auto' && err instanceof LlmError) {
      log(`No usable Ollama server: ${err.message}`);
      return new OfflineProposer({ seed: opts.seed ?? 7 });
    }
    throw err;
  }
  return new LlmProposer(llm, { seed: opts.seed ?? 42 });
}

/** Canonical expressions of a hypothesis' ancestors (for the duplicate check). */
async function ancestorsOf(kb: KnowledgeBase, h: Hypothesis): Promise<string[]> {
  const out: string[] = [];
  let p = h.parentId;
  for (let k = 0; p && k < 100; k++) {
    const x = await kb.get(p);
    if (!x) break;
    out.push(x.canonical);
    p = x.parentId;
  }
  return out;
}

/**
 * Runs the research loop end to end (see the module comment).
 * @throws LlmError when an explicitly requested provider is unusable; Error for an unknown dataset.
 */
export async function research(opts: ResearchOptions = {}): Promise<ResearchSummary> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const proposer = await chooseProposer({ ...opts, log });
  const panel = await loadDataset(opts.dataset);
  const db = await Db.open(opts.dbPath ?? defaultDbPath());
  try {
    const kb = await KnowledgeBase.open(db);
    const store = await FactorStore.open(db);
    const tester = new EngineTester({ panel, store, costBps: opts.costBps, strategiesDir: opts.strategiesDir, ancestors: (h) => ancestorsOf(kb, h) });
    return await runResearch({
      goal: opts.requirements,
      category: opts.category,
      maxIterations: opts.iterations,
      maxConsecutiveFailures: opts.maxConsecutiveFailures,
      earlyStopSharpe: opts.earlyStopSharpe,
      improve: opts.improve,
      dataset: panel.dataset ?? (typeof opts.dataset === 'string' ? opts.dataset : 'panel'),
      datasetSummary: formatDatasetSummary(summarizePanel(panel)),
      kb,
      proposer,
      tester,
      grammar: exprGrammar(),
      log,
      signal: opts.signal,
    });
  } finally {
    db.close();
  }
}

/** Opens the knowledge base of a DuckDB file (default data/quant.duckdb) for queries. */
export async function openKnowledgeBase(dbPath?: string): Promise<KnowledgeBase> {
  return KnowledgeBase.open(await Db.open(dbPath ?? defaultDbPath()));
}
