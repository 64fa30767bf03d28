/**
 * Pure text helpers for model answers: separating `<think>` reasoning from
 * the answer (deepseek-r1, qwq and other reasoning models) and extracting a
 * JSON value from an answer that may be wrapped in prose or code fences.
 */

/** An answer split into reasoning and final text. */
export interface SplitAnswer {
  /** Text inside all `<think>...</think>` blocks, joined by blank lines, trimmed. */
  readonly thinking: string;
  /** The rest of the text, trimmed. */
  readonly answer: string;
}

/**
 * Splits `<think>...</think>` blocks out of a model answer. An unclosed
 * `<think>` at the end (output cut by a token limit) counts as reasoning up
 * to the end of the text; a stray `</think>` with no opening tag (some
 * templates put the opening tag in the prompt) makes everything before it
 * reasoning. Convention: deepseek-r1's chat template.
 */
export function splitThinking(text: string): SplitAnswer {
  const thoughts: string[] = [];
  let rest = text;
  const firstOpen = rest.indexOf('<think>');
  const firstClose = rest.indexOf('</think>');
  if (firstClose >= 0 && (firstOpen < 0 || firstClose < firstOpen)) {
    thoughts.push(rest.slice(0, firstClose));
    rest = rest.slice(firstClose + '</think>'.length);
  }
  let out = '';
  for (;;) {
    const open = rest.indexOf('<think>');
    if (open < 0) {
      out += rest;
      break;
    }
    out += rest.slice(0, open);
    const close = rest.indexOf('</think>', open);
    if (close < 0) {
      thoughts.push(rest.slice(open + '<think>'.length));
      break;
    }
    thoughts.push(rest.slice(open + '<think>'.length, close));
    rest = rest.slice(close + '</think>'.length);
  }
  return { thinking: thoughts.map((t) => t.trim()).filter((t) => t !== '').join('\n\n'), answer: out.trim() };
}

/** Result of {@link parseJsonAnswer}. */
export type JsonParse = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/**
 * Parses a JSON value from a model answer: the whole answer if it is JSON,
 * else the content of the first ```json fenced block, else the first
 * balanced `{...}` object in the text. Never evaluates code.
 * @returns `{ok: false, error}` with the JSON parser's message when nothing parses.
 */
export function parseJsonAnswer(answer: string): JsonParse {
  const text = answer.trim();
  if (text === '') return { ok: false, error: 'empty answer (expected a JSON object)' };
  let firstError = '';
  const attempt = (s: string): JsonParse | undefined => {
    try {
      return { ok: true, value: JSON.parse(s) };
    } catch (err) {
      if (!firstError) firstError = (err as Error).message;
      return undefined;
    }
  };
  const whole = attempt(text);
  if (whole) return whole;
  const fence = /```(?:json)?\s*([\s\S]*?)```/i.exec(text);
  if (fence) {
    const r = attempt(fence[1]!.trim());
    if (r) return r;
  }
  const obj = firstBalancedObject(text);
  if (obj !== undefined) {
    const r = attempt(obj);
    if (r) return r;
  }
  return { ok: false, error: `answer is not valid JSON: ${firstError}` };
}

/** The first balanced `{...}` substring, skipping braces inside JSON strings; undefined if none. */
function firstBalancedObject(text: string): string | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  return undefined;
}
