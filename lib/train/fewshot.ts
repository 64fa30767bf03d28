/**
 * The few-shot block of a model variant under a token budget. Ollama
 * prepends a model's MESSAGE examples to every chat and silently drops them
 * once they exceed `num_ctx`, so the block must fit:
 *
 *   budget = numCtx - tokens(system) - tokens(longest question) - maxAnswerTokens - margin
 *
 * Token counts are estimated as ceil(characters / 3.5) per message plus 4
 * tokens of chat-template overhead: BPE tokenizers of the Llama / Qwen / Phi
 * families average about 4 characters per English token, and numbers split
 * into more tokens, so 3.5 over-counts on purpose (the model's own tokenizer
 * is not available to a client).
 */
import type { TrainingExample } from './dataset.js';

/** Characters per token assumed (see the module comment). */
export const CHARS_PER_TOKEN = 3.5;
/** Template overhead per message, tokens. */
export const MESSAGE_OVERHEAD_TOKENS = 4;
/** Safety margin, tokens. */
export const BUDGET_MARGIN_TOKENS = 64;

/** Estimated tokens of one chat message. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN) + MESSAGE_OVERHEAD_TOKENS;
}

/** A chosen few-shot block. */
export interface FewShotBlock {
  /** user / assistant pairs, oldest example first. */
  readonly messages: readonly { readonly role: 'user' | 'assistant'; readonly content: string }[];
  /** Examples used. */
  readonly examples: readonly TrainingExample[];
  /** Estimated tokens of the block. */
  readonly tokens: number;
  /** The budget it had to fit. */
  readonly budget: number;
}

/** The token budget of the few-shot block (see the module comment); may be <= 0 when nothing fits. */
export function fewShotBudget(numCtx: number, system: string, longestQuestion: string, maxAnswerTokens: number): number {
  return numCtx - estimateTokens(system) - estimateTokens(longestQuestion) - maxAnswerTokens - BUDGET_MARGIN_TOKENS;
}

/**
 * Chooses up to `max` examples whose messages fit `budget` tokens,
 * alternating 'up' and 'down' answers (the latest of each first) so the block
 * does not teach one direction, then orders them by time.
 */
export function selectFewShot(pool: readonly TrainingExample[], budget: number, max: number): FewShotBlock {
  const byDir = (d: 'up' | 'down') => pool.filter((e) => e.answer.direction === d).sort((a, b) => b.t - a.t || a.id.localeCompare(b.id));
  const queues = [byDir('up'), byDir('down')];
  const chosen: TrainingExample[] = [];
  let tokens = 0;
  for (let k = 0; chosen.length < max && (queues[0]!.length || queues[1]!.length); k++) {
    const q = queues[k % 2]!.length ? queues[k % 2]! : queues[(k + 1) % 2]!;
    const e = q.shift()!;
    const cost = estimateTokens(e.question) + estimateTokens(e.answerText);
    if (tokens + cost > budget) continue;
    chosen.push(e);
    tokens += cost;
  }
  chosen.sort((a, b) => a.t - b.t || a.symbol.localeCompare(b.symbol));
  return { messages: chosen.flatMap((e) => [{ role: 'user' as const, content: e.question }, { role: 'assistant' as const, content: e.answerText }]), examples: chosen, tokens, budget };
}
