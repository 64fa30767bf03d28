/**
 * Birdeye public API client (`https://public-api.birdeye.so`, header
 * `X-API-KEY` and `x-chain`): trending tokens (`GET /defi/token_trending`,
 * offset / limit pagination, at most 20 a page) and OHLCV
 * (`GET /defi/ohlcv`, at most 1,000 bars a request: paginated by time).
 * Requests are spaced by a rate limiter (default 60 a minute, the standard
 * tier's 1 request a second); 429 retried after Retry-After / backoff.
 *
 * @module
 */
import { VenueError } from '../errors.js';
import { bodySnippet, retry429, VenueHttp, type HttpRecorder, type HttpResponse, type RequestOptions } from '../http.js';
import { RateLimiter, type BackoffOptions } from '../limits.js';
import type { Frequency } from '../../data/panel.js';
import { FREQUENCY_MS } from '../../data/panel.js';
import { jsonNumber, type MemeToken, type TokenBar } from './types.js';

/** The real service. */
export const BIRDEYE_API = 'https://public-api.birdeye.so';

/** Birdeye's OHLCV `type` for each of our frequencies. */
export const BIRDEYE_INTERVAL: Readonly<Record<Frequency, string>> = { '1m': '1m', '5m': '5m', '15m': '15m', '1h': '1H', '4h': '4H', '1d': '1D' };

/** Options of {@link BirdeyeClient}. */
export interface BirdeyeOptions {
  readonly baseUrl?: string;
  /** `BIRDEYE_API_KEY`; masked in records. */
  readonly apiKey: string;
  /** Default 'solana'. */
  readonly chain?: string;
  /** Requests per minute (default 60). */
  readonly perMinute?: number;
  readonly recorder?: HttpRecorder;
  readonly fetch?: typeof fetch;
  readonly backoff?: BackoffOptions;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Birdeye client (trending tokens, OHLCV). */
export class BirdeyeClient {
  readonly http: VenueHttp;
  readonly limiter: RateLimiter;
  readonly chain: string;

  constructor(private readonly o: BirdeyeOptions) {
    this.chain = o.chain ?? 'solana';
    this.http = new VenueHttp({ venue: 'birdeye', baseUrl: o.baseUrl ?? BIRDEYE_API, headers: { 'X-API-KEY': o.apiKey, 'x-chain': this.chain }, secrets: [o.apiKey], recorder: o.recorder, fetch: o.fetch });
    this.limiter = new RateLimiter(o.perMinute ?? 60, o.now, o.sleep);
  }

  private async get(path: string, query: RequestOptions['query'], what: string): Promise<Record<string, unknown>> {
    const r: HttpResponse = await retry429('birdeye', what, async () => {
      await this.limiter.take();
      return this.http.request('GET', path, { query });
    }, { backoff: this.o.backoff, sleep: this.o.sleep, now: this.o.now });
    if (r.status === 401 || r.status === 403) throw new VenueError('birdeye', 'auth', `Birdeye ${what}: HTTP ${r.status}: check BIRDEYE_API_KEY`, r.status);
    const b = r.body as { success?: boolean; data?: Record<string, unknown>; message?: string };
    if (r.status !== 200 || b?.success === false || !b?.data) throw new VenueError('birdeye', 'http', `Birdeye ${what}: HTTP ${r.status}: ${bodySnippet(r, (s) => this.http.scrub(s))}`, r.status, r.status >= 500);
    return b.data;
  }

  /**
   * Trending tokens, paginated (`limit` 20 a page) until `max` tokens or the end of the list.
   * @throws VenueError 'auth', 'http', 'rate_limited'
   */
  async trending(max = 100): Promise<MemeToken[]> {
    const out: MemeToken[] = [];
    for (let offset = 0; out.length < max; ) {
      const limit = Math.min(20, max - out.length);
      const d = await this.get('/defi/token_trending', { sort_by: 'rank', sort_type: 'asc', offset, limit }, 'trending');
      const tokens = Array.isArray(d.tokens) ? (d.tokens as Record<string, unknown>[]) : [];
      for (const t of tokens) {
        out.push({
          address: String(t.address), symbol: String(t.symbol ?? ''), name: String(t.name ?? ''), chain: this.chain, source: 'birdeye',
          priceUsd: jsonNumber(t.price), liquidityUsd: jsonNumber(t.liquidity), fdvUsd: jsonNumber(t.fdv), marketCapUsd: jsonNumber(t.marketcap ?? t.marketCap), volume24hUsd: jsonNumber(t.volume24hUSD), rank: jsonNumber(t.rank),
        });
      }
      offset += tokens.length;
      if (tokens.length < limit || (typeof d.total === 'number' && offset >= d.total)) break;
    }
    return out;
  }

  /**
   * Complete OHLCV bars of one token: bar open t >= fromMs and bar close
   * t + step <= toMs (the bar still forming at toMs is left out), paginated by
   * time (at most 1,000 bars a request). Sorted, unique by time.
   * @throws VenueError 'auth', 'http', 'rate_limited'
   */
  async ohlcv(address: string, frequency: Frequency, fromMs: number, toMs: number): Promise<TokenBar[]> {
    const step = FREQUENCY_MS[frequency];
    const bars = new Map<number, TokenBar>();
    let from = Math.floor(fromMs / 1000);
    const to = Math.floor((toMs - 1) / 1000);
    while (from <= to) {
      const d = await this.get('/defi/ohlcv', { address, type: BIRDEYE_INTERVAL[frequency], time_from: from, time_to: to }, 'ohlcv');
      const items = Array.isArray(d.items) ? (d.items as Record<string, unknown>[]) : [];
      let last = -Infinity;
      for (const it of items) {
        const t = jsonNumber(it.unixTime) * 1000;
        // complete bars only: a bar still forming at toMs (t + step > toMs) would carry a close from after the window
        if (!(t >= fromMs && t + step <= toMs)) continue;
        bars.set(t, { address, time: t, open: jsonNumber(it.o), high: jsonNumber(it.h), low: jsonNumber(it.l), close: jsonNumber(it.c), volume: jsonNumber(it.v) });
        last = Math.max(last, t);
      }
      if (items.length < 1000 || !Number.isFinite(last)) break;
      from = Math.floor((last + step) / 1000);
    }
    return [...bars.values()].sort((a, b) => a.time - b.time);
  }
}
