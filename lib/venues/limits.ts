/**
 * Concurrency and rate limits shared by the venue clients: a counting
 * semaphore (BRAIN simulations in flight), a minimum-interval rate limiter
 * (requests per minute of Birdeye / DexScreener / Jupiter), and the wait
 * before retrying a 429 (the server's `Retry-After`, else exponential backoff
 * with full jitter, `lib/core/retry.ts` `backoffMs`).
 *
 * @module
 */
import { backoffMs, sleepMs } from '../core/retry.js';

export { sleepMs };

/**
 * A counting semaphore: at most `limit` holders at once; waiters are served
 * first come, first served. `maxHeld` records the most holders ever seen
 * (tests assert the cap with it).
 */
export class Semaphore {
  private held = 0;
  private readonly waiters: (() => void)[] = [];
  /** Most holders at once since construction. */
  maxHeld = 0;

  /** @throws RangeError when limit is not an integer >= 1. */
  constructor(readonly limit: number) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`Semaphore limit must be an integer >= 1, got ${limit}`);
  }

  /** Holders right now. */
  get inUse(): number {
    return this.held;
  }

  /** Waits for a free slot and takes it. */
  async acquire(): Promise<void> {
    if (this.held < this.limit) {
      this.held++;
    } else {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      // the releasing holder handed its slot over: `held` is unchanged
    }
    if (this.held > this.maxHeld) this.maxHeld = this.held;
  }

  /** Gives a slot back (to the first waiter, if any). */
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = Math.max(0, this.held - 1);
  }

  /** Runs `fn` holding one slot. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

/**
 * Spaces requests at least `60_000 / perMinute` ms apart (a leaky bucket of
 * size one: the documented per-minute limits of the market-data APIs are
 * never exceeded in any 60 s window). Callers are served in order.
 */
export class RateLimiter {
  private next = 0;
  private readonly intervalMs: number;

  /**
   * @param perMinute requests per minute allowed (> 0)
   * @param now clock in ms (tests inject one)
   * @param sleep sleep function (tests inject one)
   * @throws RangeError when perMinute is not > 0
   */
  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = sleepMs,
  ) {
    if (!(perMinute > 0)) throw new RangeError(`RateLimiter perMinute must be > 0, got ${perMinute}`);
    this.intervalMs = 60_000 / perMinute;
  }

  /** Waits until the next request may go out, and books its slot. */
  async take(): Promise<void> {
    const t = this.now();
    const at = Math.max(t, this.next);
    this.next = at + this.intervalMs;
    if (at > t) await this.sleep(at - t);
  }
}

/**
 * Seconds of an HTTP `Retry-After` header (delta-seconds, fractional accepted
 * as BRAIN sends e.g. "2.5"; or an HTTP date), or undefined when absent or
 * unparseable. RFC 9110 section 10.2.3.
 */
export function retryAfterSeconds(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (Number.isFinite(n)) return Math.max(0, n);
  const d = Date.parse(value);
  return Number.isFinite(d) ? Math.max(0, (d - nowMs) / 1000) : undefined;
}

/** Backoff policy for 429s. */
export interface BackoffOptions {
  /** Retries after the first attempt. Default 6. */
  readonly retries?: number;
  /** Base backoff in ms when the server gives no Retry-After. Default 1000. */
  readonly baseMs?: number;
  /** Cap in ms. Default 60_000. */
  readonly maxMs?: number;
  /** Random source in [0,1) for the jitter. Default Math.random. */
  readonly random?: () => number;
}

/**
 * Wait in ms before retry number `attempt` (0-based) after a 429: the
 * server's Retry-After when given (capped at maxMs), else full-jitter
 * exponential backoff.
 */
export function waitAfter429(attempt: number, retryAfter: number | undefined, o: BackoffOptions = {}): number {
  const maxMs = o.maxMs ?? 60_000;
  if (retryAfter !== undefined) return Math.min(maxMs, retryAfter * 1000);
  return backoffMs(attempt, o.baseMs ?? 1000, maxMs, (o.random ?? Math.random)());
}
