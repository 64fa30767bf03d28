/**
 * DexScreener API client (`https://api.dexscreener.com`, no key): the top
 * boosted tokens (`GET /token-boosts/top/v1`, 60 requests a minute) and the
 * pairs of up to 30 tokens a request (`GET /tokens/v1/{chainId}/{addresses}`,
 * 300 a minute). A token's numbers come from its most liquid pair.
 * DexScreener has no OHLCV endpoint: bars come from Birdeye.
 *
 * @module
 */
import { VenueError } from '../errors.js';
import { bodySnippet, retry429, VenueHttp, type HttpRecorder } from '../http.js';
import { RateLimiter, type BackoffOptions } from '../limits.js';
import { jsonNumber, type MemeToken } from './types.js';

/** The real service. */
export const DEXSCREENER_API = 'https://api.dexscreener.com';

/** Options of {@link DexScreenerClient}. */
export interface DexScreenerOptions {
  readonly baseUrl?: string;
  /** Default 'solana'. */
  readonly chain?: string;
  /** Requests per minute on the boosts endpoint (default 60). */
  readonly boostsPerMinute?: number;
  /** Requests per minute on the token-pairs endpoint (default 300). */
  readonly pairsPerMinute?: number;
  readonly recorder?: HttpRecorder;
  readonly fetch?: typeof fetch;
  readonly backoff?: BackoffOptions;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** DexScreener client. */
export class DexScreenerClient {
  readonly http: VenueHttp;
  readonly chain: string;
  readonly boostsLimiter: RateLimiter;
  readonly pairsLimiter: RateLimiter;

  constructor(private readonly o: DexScreenerOptions = {}) {
    this.chain = o.chain ?? 'solana';
    this.http = new VenueHttp({ venue: 'dexscreener', baseUrl: o.baseUrl ?? DEXSCREENER_API, recorder: o.recorder, fetch: o.fetch });
    this.boostsLimiter = new RateLimiter(o.boostsPerMinute ?? 60, o.now, o.sleep);
    this.pairsLimiter = new RateLimiter(o.pairsPerMinute ?? 300, o.now, o.sleep);
  }

  private async get(path: string, limiter: RateLimiter, what: string): Promise<unknown> {
    const r = await retry429('dexscreener', what, async () => {
      await limiter.take();
      return this.http.request('GET', path);
    }, { backoff: this.o.backoff, sleep: this.o.sleep, now: this.o.now });
    if (r.status !== 200) throw new VenueError('dexscreener', 'http', `DexScreener ${what}: HTTP ${r.status}: ${bodySnippet(r, (s) => this.http.scrub(s))}`, r.status, r.status >= 500);
    return r.body;
  }

  /** Addresses of the top boosted tokens on this chain, in DexScreener's order. */
  async topBoostedAddresses(): Promise<string[]> {
    const b = await this.get('/token-boosts/top/v1', this.boostsLimiter, 'top boosts');
    if (!Array.isArray(b)) throw new VenueError('dexscreener', 'protocol', 'DexScreener top boosts: expected an array');
    const seen = new Set<string>();
    return (b as Record<string, unknown>[]).filter((x) => x.chainId === this.chain && typeof x.tokenAddress === 'string').map((x) => x.tokenAddress as string).filter((a) => !seen.has(a) && seen.add(a));
  }

  /**
   * Token snapshots for addresses, requested 30 at a time; each token from its
   * most liquid pair where it is the base token. Tokens without a pair are left out.
   */
  async tokens(addresses: readonly string[]): Promise<MemeToken[]> {
    const best = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < addresses.length; i += 30) {
      const batch = addresses.slice(i, i + 30);
      const pairs = await this.get(`/tokens/v1/${this.chain}/${batch.join(',')}`, this.pairsLimiter, 'tokens');
      if (!Array.isArray(pairs)) throw new VenueError('dexscreener', 'protocol', 'DexScreener tokens: expected an array of pairs');
      for (const p of pairs as Record<string, unknown>[]) {
        const base = p.baseToken as Record<string, unknown> | undefined;
        const addr = String(base?.address ?? '');
        if (!batch.includes(addr)) continue;
        const liq = jsonNumber((p.liquidity as Record<string, unknown> | undefined)?.usd);
        const prev = best.get(addr);
        if (!prev || liq > jsonNumber((prev.liquidity as Record<string, unknown> | undefined)?.usd) || Number.isNaN(jsonNumber((prev.liquidity as Record<string, unknown> | undefined)?.usd))) best.set(addr, p);
      }
    }
    return addresses.filter((a) => best.has(a)).map((a, k) => {
      const p = best.get(a)!;
      const base = p.baseToken as Record<string, unknown>;
      return {
        address: a, symbol: String(base.symbol ?? ''), name: String(base.name ?? ''), chain: this.chain, source: 'dexscreener' as const,
        priceUsd: jsonNumber(p.priceUsd), liquidityUsd: jsonNumber((p.liquidity as Record<string, unknown> | undefined)?.usd), fdvUsd: jsonNumber(p.fdv), marketCapUsd: jsonNumber(p.marketCap),
        volume24hUsd: jsonNumber((p.volume as Record<string, unknown> | undefined)?.h24), rank: k + 1, pairAddress: String(p.pairAddress ?? ''),
      };
    });
  }

  /** The top boosted tokens with their numbers (boosts, then pairs in batches of 30). */
  async trending(max = 100): Promise<MemeToken[]> {
    return this.tokens((await this.topBoostedAddresses()).slice(0, max));
  }
}
