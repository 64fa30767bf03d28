/**
 * Retry with exponential backoff and full jitter (AWS architecture blog,
 * "Exponential Backoff And Jitter", 2015): wait a uniform random time in
 * [0, min(maxMs, baseMs * 2^attempt)] before each retry.
 */
import { backoffMs, sleepMs } from '../core/retry.js';
import { LlmError } from './types.js';

/** Retry policy. */
export interface RetryOptions {
  /** Retries after the first attempt (0 = try once). Default 3. */
  readonly retries?: number;
  /** Base backoff in milliseconds. Default 500. */
  readonly baseMs?: number;
  /** Backoff cap in milliseconds. Default 8000. */
  readonly maxMs?: number;
  /** Sleep function (tests inject a fast one). Default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Random source in [0,1) for the jitter. Default Math.random. */
  readonly random?: () => number;
  /** Called before each retry with the error and the wait in ms (for logs). */
  readonly onRetry?: (err: LlmError, attempt: number, waitMs: number) => void;
}


/**
 * Runs `fn` until it resolves, retrying only {@link LlmError}s with
 * `retryable` set, at most `retries` times.
 * @returns the value and the number of attempts made.
 * @throws the last error (non-retryable errors at once).
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<{ value: T; attempts: number }> {
  const retries = opts.retries ?? 3;
  const baseMs = opts.baseMs ?? 500;
  const maxMs = opts.maxMs ?? 8000;
  const sleep = opts.sleep ?? sleepMs;
  const random = opts.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      return { value: await fn(attempt), attempts: attempt + 1 };
    } catch (err) {
      if (!(err instanceof LlmError) || !err.retryable || attempt >= retries) throw err;
      const wait = backoffMs(attempt, baseMs, maxMs, random());
      opts.onRetry?.(err, attempt + 1, wait);
      await sleep(wait);
    }
  }
}

/** Both retry callbacks (provider policy, then the call's own), or whichever is set. */
export function chainRetry(a: RetryOptions['onRetry'], b: RetryOptions['onRetry']): RetryOptions['onRetry'] {
  if (!a) return b;
  if (!b) return a;
  return (err, attempt, wait) => {
    a(err, attempt, wait);
    b(err, attempt, wait);
  };
}
