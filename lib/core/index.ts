/**
 * Floor 1, no domain imports: typed config files (one defaults table, unknown keys rejected);
 * retry backoff (`retry.ts`), transport-error tests (`net.ts`) and secret redaction (`redact.ts`) shared by lib/llm and lib/venues.
 */
export * from './research-config.js';
export { backoffMs, sleepMs } from './retry.js';
export { isConnectionError, networkCode } from './net.js';
export { redact } from './redact.js';
export { defaultThreadCount } from './threads.js';
export * from './settings.js';
