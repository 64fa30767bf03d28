/**
 * Writes a tiny llama-architecture GGUF model with seeded random weights, so
 * the in-process inference path (node-llama-cpp -> llama.cpp) runs for real
 * with no download. The model's "ideas" are noise; what it proves is that the
 * file format, tokenizer, forward pass, grammar-constrained sampling and the
 * loop's handling all work.
 *
 * Tokenizer: SentencePiece-style ("llama" in tokenizer.ggml.model), spaces as
 * U+2581, with <unk>/<s>/</s>, the 256 byte-fallback tokens <0x00>..<0xFF>
 * (so any text tokenizes), every printable ASCII character, and pieces
 * learned by a few hundred byte-pair merges over a corpus (scores = -rank,
 * so llama.cpp's SPM tokenizer merges them in the learned order), which keeps
 * the research prompt's token count a few times below its character count.
 *
 * Tensors (GGUF dims, innermost first; llama.cpp `LLM_ARCH_LLAMA` names):
 * token_embd [E, V]; per block N: attn_norm [E], attn_q [E, E], attn_k [E, Ekv],
 * attn_v [E, Ekv], attn_output [E, E], ffn_norm [E], ffn_gate [E, F],
 * ffn_up [E, F], ffn_down [F, E]; output_norm [E]; output [E, V].
 */
import { exprGrammar } from '../../lib/agent/grammar.js';
import { SYSTEM_PROMPT } from '../../lib/agent/prompt.js';
import { mulberry32 } from './numeric.js';
import { writeGguf, type GgufKv, type GgufTensor } from '../../lib/llm/gguf.js';

/** Shape and seed of the tiny model. */
export interface TinyLlamaOptions {
  /** Weight seed. Default 1. */
  readonly seed?: number;
  /** Embedding width E. Default 64. */
  readonly embd?: number;
  /** Transformer blocks. Default 2. */
  readonly layers?: number;
  /** Attention heads (E must divide by it). Default 4. */
  readonly heads?: number;
  /** Key/value heads (grouped-query attention when < heads). Default 2. */
  readonly kvHeads?: number;
  /** Feed-forward width F. Default 128. */
  readonly ff?: number;
  /** Byte-pair merges learned from `corpus`. Default 1200. */
  readonly merges?: number;
  /** Text the merges are learned from. Default: the research loop's system prompt, operator list and a sample answer. */
  readonly corpus?: string;
  /** Training context written to the metadata (llama.context_length). Default 16384. */
  readonly contextLength?: number;
}

/** What {@link writeTinyLlamaGguf} wrote. */
export interface TinyLlamaInfo {
  readonly path: string;
  readonly vocabSize: number;
  readonly parameters: number;
  readonly bytes: number;
}

const SPACE = '\u2581';

/** The default corpus: what the research prompt is made of, so it tokenizes into a few thousand tokens. */
function defaultCorpus(): string {
  const ops = exprGrammar()
    .operators()
    .map((o) => `- ${o.signature}: ${o.description}`);
  return [SYSTEM_PROMPT, ...ops, SAMPLE].join('\n');
}

const SAMPLE = [
  'You are a quantitative researcher designing cross-sectional alpha factors. Propose one testable hypothesis.',
  '{"decision": "new", "decision_reason": "try momentum", "parent_id": null, "name": "short_term_reversal", "category": "mean_reversion",',
  '"rationale": "stocks that fell over the last days tend to rebound", "expressions": ["-1 * ts_delta(close, 5)", "rank(ts_mean(volume, 20))"],',
  '"expected_sign": 1, "params": {"delay": 1, "decay": 4, "neutralization": "market", "truncation": 0.05, "signal_quantile": 0.2}}',
  'The expression is evaluated per asset and bar; the portfolio goes long high values and short low values after neutralization.',
  'Use only the listed operators and fields. Windows are in bars. No look-ahead: operators only use past data.',
  'rank ts_rank ts_mean ts_std ts_sum ts_delta ts_corr ts_zscore ts_max ts_min zscore scale log abs sign returns close open high low volume vwap',
].join('\n');

/** Byte-pair merges over space-marked words: the most frequent adjacent pair first. */
function learnPieces(corpus: string, merges: number): string[] {
  const words = new Map<string, number>();
  for (const w of corpus.split(/\s+/).filter((x) => x !== '')) words.set(SPACE + w, (words.get(SPACE + w) ?? 0) + 1);
  let seqs = [...words].map(([w, n]) => ({ syms: [...w], n }));
  const pieces: string[] = [];
  for (let m = 0; m < merges; m++) {
    const counts = new Map<string, number>();
    for (const s of seqs) for (let i = 0; i + 1 < s.syms.length; i++) counts.set(s.syms[i]! + '\u0000' + s.syms[i + 1]!, (counts.get(s.syms[i]! + '\u0000' + s.syms[i + 1]!) ?? 0) + s.n);
    let best = '';
    let bestN = 1;
    for (const [k, n] of counts) if (n > bestN || (n === bestN && best !== '' && k < best)) [best, bestN] = [k, n];
    if (best === '') break;
    const [a, b] = best.split('\u0000') as [string, string];
    pieces.push(a + b);
    seqs = seqs.map((s) => {
      const out: string[] = [];
      for (let i = 0; i < s.syms.length; i++) {
        if (i + 1 < s.syms.length && s.syms[i] === a && s.syms[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(s.syms[i]!);
      }
      return { syms: out, n: s.n };
    });
  }
  return pieces;
}

/** Standard normal draws from a seeded uniform source (Box-Muller). */
function normals(rng: () => number, n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rng(), 1e-12);
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v) * scale;
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v) * scale;
  }
  return out;
}

/**
 * Writes the tiny model to `path` (a few hundred KB with the defaults).
 * @throws RangeError when heads do not divide the embedding width or kvHeads does not divide heads.
 */
export function writeTinyLlamaGguf(path: string, options: TinyLlamaOptions = {}): TinyLlamaInfo {
  const E = options.embd ?? 64;
  const L = options.layers ?? 2;
  const H = options.heads ?? 4;
  const Hkv = options.kvHeads ?? 2;
  const F = options.ff ?? 128;
  if (E % H !== 0) throw new RangeError(`writeTinyLlamaGguf: embd ${E} must divide by heads ${H}`);
  if (H % Hkv !== 0) throw new RangeError(`writeTinyLlamaGguf: heads ${H} must divide by kvHeads ${Hkv}`);
  const headDim = E / H;
  const Ekv = headDim * Hkv;

  // vocabulary: specials, 256 byte tokens, printable ASCII + the space mark, learned pieces
  const tokens: string[] = ['<unk>', '<s>', '</s>'];
  const types: number[] = [2, 3, 3]; // unknown, control, control
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6); // byte
  }
  const seen = new Set(tokens);
  const normal = [SPACE, ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter((c) => c !== ' ')];
  for (const p of learnPieces(options.corpus ?? defaultCorpus(), options.merges ?? 1200)) normal.push(p);
  const scores: number[] = [0, 0, 0, ...new Array<number>(256).fill(0)];
  let rank = 0;
  for (const t of normal) {
    if (seen.has(t)) continue;
    seen.add(t);
    tokens.push(t);
    types.push(1);
    scores.push(-rank++);
  }
  const V = tokens.length;

  const rng = mulberry32(options.seed ?? 1);
  const ones = (n: number) => new Float32Array(n).fill(1);
  const w = (rows: number, cols: number, scale = 1 / Math.sqrt(rows)) => normals(rng, rows * cols, scale);
  const tensors: GgufTensor[] = [{ name: 'token_embd.weight', dims: [E, V], data: normals(rng, E * V, 1) }];
  for (let l = 0; l < L; l++) {
    const b = `blk.${l}`;
    tensors.push(
      { name: `${b}.attn_norm.weight`, dims: [E], data: ones(E) },
      { name: `${b}.attn_q.weight`, dims: [E, E], data: w(E, E) },
      { name: `${b}.attn_k.weight`, dims: [E, Ekv], data: w(E, Ekv) },
      { name: `${b}.attn_v.weight`, dims: [E, Ekv], data: w(E, Ekv) },
      { name: `${b}.attn_output.weight`, dims: [E, E], data: w(E, E) },
      { name: `${b}.ffn_norm.weight`, dims: [E], data: ones(E) },
      { name: `${b}.ffn_gate.weight`, dims: [E, F], data: w(E, F) },
      { name: `${b}.ffn_up.weight`, dims: [E, F], data: w(E, F) },
      { name: `${b}.ffn_down.weight`, dims: [F, E], data: w(F, E) },
    );
  }
  tensors.push({ name: 'output_norm.weight', dims: [E], data: ones(E) }, { name: 'output.weight', dims: [E, V], data: w(E, V, 2 / Math.sqrt(E)) });

  const kvs: GgufKv[] = [
    { key: 'general.architecture', kind: 'string', value: 'llama' },
    { key: 'general.name', kind: 'string', value: 'alphalab-tiny-random-llama' },
    { key: 'general.file_type', kind: 'u32', value: 0 },
    { key: 'llama.context_length', kind: 'u32', value: options.contextLength ?? 16384 },
    { key: 'llama.embedding_length', kind: 'u32', value: E },
    { key: 'llama.block_count', kind: 'u32', value: L },
    { key: 'llama.feed_forward_length', kind: 'u32', value: F },
    { key: 'llama.rope.dimension_count', kind: 'u32', value: headDim },
    { key: 'llama.rope.freq_base', kind: 'f32', value: 10000 },
    { key: 'llama.attention.head_count', kind: 'u32', value: H },
    { key: 'llama.attention.head_count_kv', kind: 'u32', value: Hkv },
    { key: 'llama.attention.layer_norm_rms_epsilon', kind: 'f32', value: 1e-5 },
    { key: 'llama.vocab_size', kind: 'u32', value: V },
    { key: 'tokenizer.ggml.model', kind: 'string', value: 'llama' },
    { key: 'tokenizer.ggml.tokens', kind: 'array', of: 'string', value: tokens },
    { key: 'tokenizer.ggml.scores', kind: 'array', of: 'f32', value: scores },
    { key: 'tokenizer.ggml.token_type', kind: 'array', of: 'i32', value: types },
    { key: 'tokenizer.ggml.unknown_token_id', kind: 'u32', value: 0 },
    { key: 'tokenizer.ggml.bos_token_id', kind: 'u32', value: 1 },
    { key: 'tokenizer.ggml.eos_token_id', kind: 'u32', value: 2 },
    { key: 'tokenizer.ggml.add_bos_token', kind: 'bool', value: true },
    { key: 'tokenizer.ggml.add_eos_token', kind: 'bool', value: false },
  ];
  writeGguf(path, kvs, tensors);
  const parameters = tensors.reduce((a, t) => a + t.data.length, 0);
  return { path, vocabSize: V, parameters, bytes: parameters * 4 };
}
