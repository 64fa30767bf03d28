/**
 * In-process inference figures of the llama-cpp provider: model load time,
 * prompt and generation tokens/s, with the hypothesis schema enforced by
 * grammar, on the real research prompt. Default model: the tiny random-weight
 * test model (test/helpers/tiny-gguf.ts), written to a temp folder; pass a
 * real GGUF file to measure it.
 *
 *   npm run bench:llama-cpp -- [--model PATH.gguf] [--calls 5] [--threads 1] [--ctx 8192]
 *
 * Prints the machine's load average with the figures (other processes share the CPU).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exprGrammar, HYPOTHESIS_SCHEMA, SYSTEM_PROMPT, buildPrompt } from '../lib/agent/index.js';
import { loadBundledPanel } from '../lib/data/index.js';
import { formatDatasetSummary, summarizePanel } from '../lib/agent/index.js';
import { LlamaCppProvider } from '../lib/llm/index.js';
import { writeTinyLlamaGguf } from '../test/helpers/tiny-gguf.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, calls: { type: 'string', default: '5' }, threads: { type: 'string', default: '1' }, ctx: { type: 'string', default: '8192' } } });
const tmp = mkdtempSync(join(tmpdir(), 'alphalab-bench-gguf-'));
const modelPath = values.model ?? join(tmp, 'tiny.gguf');
if (!values.model) writeTinyLlamaGguf(modelPath, { seed: 1 });
const panel = await loadBundledPanel('sp500_daily');
const prompt = buildPrompt({ goal: 'find a profitable, robust factor', datasetSummary: formatDatasetSummary(summarizePanel(panel)), fields: Object.keys(panel.fields), operators: exprGrammar().operators(), best: [], failures: [] });
const provider = new LlamaCppProvider({ modelPath, threads: Number(values.threads), contextSize: Number(values.ctx) });
const f1 = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(1));
console.log(`model ${provider.model}; threads ${values.threads}; context ${values.ctx}; load average before ${loadavg().map((x) => x.toFixed(1)).join(' ')} (shared machine)`);
console.log('call  load ms  prompt tok  prompt tok/s  gen tok  gen tok/s  wall ms  valid');
try {
  for (let i = 0; i < Number(values.calls); i++) {
    const r = await provider.chat({ messages: [{ role: 'system', content: SYSTEM_PROMPT }, { role: 'user', content: `${prompt}\n(attempt ${i})` }], schema: HYPOTHESIS_SCHEMA as unknown as Record<string, unknown>, temperature: 0.7, seed: 42 + i });
    const u = r.usage!;
    console.log(`${String(i + 1).padStart(4)}  ${(u.loadMs === undefined ? '-' : String(u.loadMs)).padStart(7)}  ${String(u.promptTokens).padStart(10)}  ${f1(u.promptTokensPerSec).padStart(12)}  ${String(u.completionTokens).padStart(7)}  ${f1(u.generationTokensPerSec).padStart(9)}  ${String(r.durationMs).padStart(7)}  ${r.jsonError ? `no: ${r.jsonError}` : 'yes'}`);
  }
} finally {
  await provider.dispose();
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`load average after ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
