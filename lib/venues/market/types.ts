/**
 * Shared shapes of the meme-token data feeds: one token snapshot type for
 * Birdeye and DexScreener, the liquidity / valuation filter, and OHLCV bars.
 *
 * @module
 */

/** A token as one feed saw it (USD values; NaN when the feed gave none). */
export interface MemeToken {
  /** Mint address (Solana), the stable key: meme-token symbols collide. */
  readonly address: string;
  readonly symbol: string;
  readonly name: string;
  readonly chain: string;
  readonly source: 'birdeye' | 'dexscreener';
  readonly priceUsd: number;
  readonly liquidityUsd: number;
  /** Fully diluted valuation, USD. */
  readonly fdvUsd: number;
  readonly marketCapUsd: number;
  readonly volume24hUsd: number;
  /** Trending rank (Birdeye) or boost order (DexScreener), 1 = first. */
  readonly rank?: number;
  /** DexScreener: the pair the numbers come from (the most liquid one). */
  readonly pairAddress?: string;
}

/** Minimum liquidity and valuation (AlphaGPT's filters). */
export interface MemeTokenFilter {
  /** USD; default 500,000. */
  readonly minLiquidityUsd: number;
  /** USD; default 10,000,000. */
  readonly minFdvUsd: number;
}

/** Liquidity >= 500,000 USD and FDV >= 10 M USD. */
export const DEFAULT_MEME_FILTER: MemeTokenFilter = { minLiquidityUsd: 500_000, minFdvUsd: 10_000_000 };

/** Whether a token passes the filter (a missing value, NaN, fails). */
export function passesMemeFilter(t: Pick<MemeToken, 'liquidityUsd' | 'fdvUsd'>, f: MemeTokenFilter = DEFAULT_MEME_FILTER): boolean {
  return t.liquidityUsd >= f.minLiquidityUsd && t.fdvUsd >= f.minFdvUsd;
}

/** One OHLCV bar of a token (USD prices). */
export interface TokenBar {
  /** Mint address (used as the panel's asset id). */
  readonly address: string;
  /** Bar open, epoch ms UTC. */
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Volume as the feed reports it (Birdeye: token units). */
  readonly volume: number;
}

/** A number from a feed field (number or numeric string), NaN when absent. */
export function jsonNumber(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : NaN;
}
