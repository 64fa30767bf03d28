/**
 * External venues: WorldQuant BRAIN (simulate, check, submit, parity,
 * submitter), Solana swaps through Jupiter, and the Birdeye / DexScreener
 * meme-token data feeds, and the trading `Broker` port with its ccxt adapter
 * (the engine in lib/trade imports this folder). Every client speaks the service's documented HTTP
 * API through one layer (`http.ts`) that records each exchange with secrets
 * masked; errors are {@link VenueError}s shaped like `LlmError`.
 * What ran against the real services: nothing (see lib/venues/README.md).
 *
 * Import rules: venues imports core (retry, transport errors, redaction),
 * db, data, expr, backtest; never trade, never llm.
 *
 * @module
 */
export { VenueError } from './errors.js';
export type { VenueErrorCode, VenueName } from './errors.js';
export { VenueHttp, maskJson } from './http.js';
export type { HttpExchange, HttpRecorder, HttpResponse, VenueHttpOptions, RequestOptions } from './http.js';
export { DuckDbHttpLog, ensureHttpLog, readHttpLog, replayFetch, HTTP_LOG_TABLE } from './http-log.js';
export type { HttpLogRow } from './http-log.js';
export { Semaphore, RateLimiter, retryAfterSeconds, waitAfter429 } from './limits.js';
export type { BackoffOptions } from './limits.js';
export { brainCredentials, readBrainCredentialFile, assertOwnerOnly, apiKeyFromEnv } from './credentials.js';
export type { BrainCredentials } from './credentials.js';
export * from './brain/index.js';
export * from './jupiter/index.js';
export * from './market/index.js';
export * from './broker.js';
export { CcxtBroker, classifyCcxtError, protectiveCause, createExchange, exchangeKeys, EXCHANGE_KEY_ENV, type CcxtBrokerOptions, type ExchangeKeys } from './ccxt.js';
export { CcxtBarFeed, type BarFeed, type ClosedBar } from './ccxt-feed.js';
