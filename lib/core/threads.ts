/**
 * Shared settings of the project's worker-thread pools (lib/expr parallel.ts,
 * lib/mine thread-pool.ts); both start their threads through
 * lib/core/thread-boot.mjs.
 * @module
 */
import { availableParallelism } from 'node:os';

/** Default thread count of a pool: the machine's available parallelism (os.availableParallelism), at least 1. */
export function defaultThreadCount(): number {
  return Math.max(1, availableParallelism());
}
