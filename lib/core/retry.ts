/**
 * Backoff arithmetic shared by every client that retries (lib/llm, lib/venues):
 * exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter", 2015): wait a uniform random time in
 * [0, min(maxMs, baseMs * 2^attempt)] before retry number `attempt`.
 */

/** Default sleep: a timer promise. */
export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The backoff before retry number `attempt` (0-based): full jitter on base * 2^attempt, capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, u: number): number {
  return Math.floor(u * Math.min(maxMs, baseMs * 2 ** attempt));
}
