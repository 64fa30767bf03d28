/** Meme-token market data: Birdeye and DexScreener clients, filters, the ingest pipeline. @module */
export { BirdeyeClient, BIRDEYE_API, BIRDEYE_INTERVAL } from './birdeye.js';
export type { BirdeyeOptions } from './birdeye.js';
export { DexScreenerClient, DEXSCREENER_API } from './dexscreener.js';
export type { DexScreenerOptions } from './dexscreener.js';
export { runMemePipeline, recordMemeTokens } from './pipeline.js';
export type { MemePipelineOptions, MemePipelineReport } from './pipeline.js';
export { DEFAULT_MEME_FILTER, passesMemeFilter } from './types.js';
export type { MemeToken, MemeTokenFilter, TokenBar } from './types.js';
