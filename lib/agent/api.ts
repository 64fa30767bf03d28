/**
 * The TypeScript API of the research loop, with the command line's options:
 * loads the dataset, opens the knowledge base and the trial store (one DuckDB
 * file), picks the proposer (a model through lib/llm, or the offline one when
 * no server answers), builds the real tester and runs the loop.
 */
import { join } from 'node:path';
import { defaultStrategiesDir } from '../backtest/index.js';
import { Db, defaultDbPath } from '../db/index.js';
import { loadBundledPanel, loadPanel, withAnnualization, type Panel } from '../data/index.js';
import { FactorStore } from '../factors/index.js';
import { createProvider, GGUF_ENV, LlmError, OllamaProvider, resolveGgufSetting, type LlamaCppSettings, type LlmLimits, type LlmProvider } from '../llm/index.js';
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
  /** 'auto' (default: Ollama when a server answers with the model, else a configured GGUF model, else offline), 'ollama', 'openai', 'anthropic', 'llama-cpp' or 'offline' (-p). */
  readonly provider?: 'auto' | 'ollama' | 'openai' | 'anthropic' | 'llama-cpp' | 'offline';
  /** Model name (-m); for llama-cpp the path of the .gguf file. */
  readonly model?: string;
  /** Settings of the in-process llama-cpp provider (context size, threads, temperature, seed); modelPath here is used by 'auto' too. */
  readonly llamaCpp?: Partial<LlamaCppSettings>;
  /** Server base URL (--base-url). */
  readonly baseUrl?: string;
  /** Per-call model timeout in ms. Default 180000. */
  readonly timeoutMs?: number;
  /** Reply size, stored text and repair context limits (defaults: lib/llm `DEFAULT_LLM_LIMITS`: 1 MiB, 64 Ki chars, 8 Ki chars). */
  readonly limits?: Partial<LlmLimits>;
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
  /** Bars per year for annualization. Default: the panel's calendar (lib/data `panelAnnualization`, inferred from its times); warns when > 5 % off it. */
  readonly annualization?: number;
  /** Strategies folder. Default <project>/strategies; exports go to its subfolder `kb-<knowledge base id>/`. */
  readonly strategiesDir?: string;
  /** Progress lines. Default console.log. */
  readonly log?: (line: string) => void;
  /** Abort signal (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** A ready model provider (e.g. the model fleet), used instead of building one from provider/model/baseUrl. */
  readonly llm?: LlmProvider;
}

/** A loaded dataset: bundled sample by name, catalog dataset, or a given panel. */
export async function loadDataset(dataset: string | Panel = 'sp500_daily'): Promise<Panel> {
  if (typeof dataset !== 'string') return dataset;
  if ((BUNDLED_NAMES as readonly string[]).includes(dataset)) return loadBundledPanel(dataset as (typeof BUNDLED_NAMES)[number]);
  return loadPanel(dataset);
}

/**
 * The proposer for the options: 'offline', or a checked model provider.
 * 'auto' takes the first that works, in this order: Ollama when a server
 * answers with the model; else the GGUF model configured by `ALPHALAB_GGUF`
 * or llm.settings.json (run in-process by llama.cpp), when it loads; else the
 * offline proposer. The start line says which was chosen and why.
 * @throws LlmError for an explicit provider whose server, model or model file is missing (message has the fix).
 */
export async function chooseProposer(opts: Pick<ResearchOptions, 'provider' | 'model' | 'baseUrl' | 'timeoutMs' | 'seed' | 'log' | 'llamaCpp' | 'llm' | 'limits'>): Promise<Proposer> {
  const log = opts.log ?? ((l: string) => console.log(l));
  if (opts.llm) return new LlmProposer(opts.llm, { seed: opts.seed ?? 42, ...(opts.limits ? { limits: opts.limits } : {}) });
  const kind = opts.provider ?? 'auto';
  if (kind === 'offline') return new OfflineProposer({ seed: opts.seed ?? 7 });
  const llmProposer = (llm: LlmProvider) =>
    new LlmProposer(llm, { seed: opts.seed ?? 42, ...(opts.llamaCpp?.contextSize ? { numCtx: opts.llamaCpp.contextSize } : {}), ...(opts.limits ? { limits: opts.limits } : {}) });
  const maxReplyBytes = opts.limits?.maxReplyBytes;
  if (kind !== 'auto') {
    let llm: LlmProvider;
    if (kind === 'llama-cpp') {
      const configured = opts.model || opts.llamaCpp?.modelPath ? undefined : resolveGgufSetting();
      const path = opts.model ?? opts.llamaCpp?.modelPath ?? configured?.settings.modelPath;
      if (!path) throw new LlmError('model_missing', `provider llama-cpp needs a model file: pass --model PATH.gguf, set ${GGUF_ENV}, or set llamaCpp.modelPath in llm.settings.json`);
      llm = createProvider({ provider: 'llama-cpp', llamaCpp: { ...configured?.settings, ...opts.llamaCpp, modelPath: path }, timeoutMs: opts.timeoutMs });
    } else {
      llm = createProvider({ provider: kind, model: opts.model, baseUrl: opts.baseUrl, timeoutMs: opts.timeoutMs, maxReplyBytes });
    }
    await llm.check();
    return llmProposer(llm);
  }
  // auto: a quick probe (3 s, no retries) so a missing server does not stall the start
  let ollamaWhy: string;
  try {
    const probe = new OllamaProvider({ model: opts.model, host: opts.baseUrl, timeoutMs: 3000, retry: { retries: 0 } });
    await probe.check();
    log(`Provider (auto): Ollama ${probe.model} at ${probe.baseUrl}, because the server answers and has the model.`);
    return llmProposer(createProvider({ provider: 'ollama', model: opts.model, baseUrl: opts.baseUrl, timeoutMs: opts.timeoutMs, maxReplyBytes }));
  } catch (err) {
    if (!(err instanceof LlmError)) throw err;
    ollamaWhy = err.message;
  }
  const gguf = opts.llamaCpp?.modelPath ? { settings: { ...opts.llamaCpp, modelPath: opts.llamaCpp.modelPath }, source: 'the llamaCpp option' } : resolveGgufSetting();
  if (gguf) {
    const llm = createProvider({ provider: 'llama-cpp', llamaCpp: { ...gguf.settings, ...opts.llamaCpp }, timeoutMs: opts.timeoutMs });
    try {
      await llm.check();
      log(`Provider (auto): llama-cpp in-process with ${llm.baseUrl.replace(/^file:\/\//, '')} (configured by ${gguf.source}), because no Ollama server is usable: ${ollamaWhy}`);
      return llmProposer(llm);
    } catch (err) {
      if (!(err instanceof LlmError)) throw err;
      log(`Provider (auto): offline proposer, because no Ollama server is usable (${ollamaWhy}) and the GGUF model configured by ${gguf.source} did not load: ${err.message}`);
      return new OfflineProposer({ seed: opts.seed ?? 7 });
    }
  }
  log(`Provider (auto): offline proposer, because no Ollama server is usable (${ollamaWhy}) and no GGUF model is configured (set ${GGUF_ENV} or llamaCpp.modelPath in llm.settings.json).`);
  return new OfflineProposer({ seed: opts.seed ?? 7 });
}

/**
 * The export folder of a knowledge base: `<base>/kb-<kb id>` (base default
 * `<project>/strategies`). Two knowledge bases never share one, so their
 * `H0xx_*` exports cannot overwrite each other.
 */
export async function kbStrategiesDir(kb: KnowledgeBase, base: string = defaultStrategiesDir()): Promise<string> {
  return join(base, `kb-${await kb.id()}`);
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
  try {
    return await researchWith(proposer, opts, log);
  } finally {
    // an in-process model holds native memory until released
    if (proposer instanceof LlmProposer && 'dispose' in proposer.llm && typeof proposer.llm.dispose === 'function') await (proposer.llm.dispose as () => Promise<void>)();
  }
}

async function researchWith(proposer: Proposer, opts: ResearchOptions, log: (line: string) => void): Promise<ResearchSummary> {
  const panel = withAnnualization(await loadDataset(opts.dataset), opts.annualization, 'ResearchOptions.annualization');
  const db = await Db.open(opts.dbPath ?? defaultDbPath());
  try {
    const kb = await KnowledgeBase.open(db);
    const store = await FactorStore.open(db);
    // One folder per knowledge base: runs with different --db never overwrite each other's H0xx_* exports.
    const strategiesDir = await kbStrategiesDir(kb, opts.strategiesDir);
    const tester = new EngineTester({ panel, store, costBps: opts.costBps, strategiesDir, ancestors: (h) => ancestorsOf(kb, h) });
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
