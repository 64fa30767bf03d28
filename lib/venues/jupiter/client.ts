/**
 * Jupiter Swap API client (`https://api.jup.ag`, Swap API v1; an
 * `x-api-key` header is required there since the keyless host was retired in
 * January 2026):
 * - `GET /swap/v1/quote?inputMint&outputMint&amount&slippageBps&swapMode...`
 *   -> the quote (amounts in base units, as strings);
 * - `POST /swap/v1/swap {quoteResponse, userPublicKey, ...}` -> an unsigned
 *   base64 versioned transaction and its `lastValidBlockHeight`.
 * 429 means rate-limited: retried after Retry-After, else with backoff.
 *
 * @module
 */
import { VenueError } from '../errors.js';
import { bodySnippet, retry429, VenueHttp, type HttpRecorder, type HttpResponse } from '../http.js';
import type { BackoffOptions } from '../limits.js';

/** The real service. */
export const JUPITER_API = 'https://api.jup.ag';

/** Options of {@link JupiterClient}. */
export interface JupiterClientOptions {
  /** Default {@link JUPITER_API}. */
  readonly baseUrl?: string;
  /** API key (from the Jupiter portal; `JUPITER_API_KEY`), sent as `x-api-key`, masked in records. */
  readonly apiKey?: string;
  readonly recorder?: HttpRecorder;
  readonly fetch?: typeof fetch;
  readonly backoff?: BackoffOptions;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly timeoutMs?: number;
}

/** Parameters of a quote. */
export interface QuoteRequest {
  readonly inputMint: string;
  readonly outputMint: string;
  /** Base units of the input mint (ExactIn) or of the output mint (ExactOut). */
  readonly amount: bigint;
  /** Slippage tolerance in basis points (default 50 = 0.5 %). */
  readonly slippageBps?: number;
  /** Default 'ExactIn'. */
  readonly swapMode?: 'ExactIn' | 'ExactOut';
  readonly onlyDirectRoutes?: boolean;
  readonly restrictIntermediateTokens?: boolean;
  readonly maxAccounts?: number;
}

/** A quote as Jupiter returns it (amounts are base-unit integer strings). */
export interface QuoteResponse {
  readonly inputMint: string;
  readonly inAmount: string;
  readonly outputMint: string;
  readonly outAmount: string;
  /** Minimum out (ExactIn) / maximum in (ExactOut) after slippage. */
  readonly otherAmountThreshold: string;
  readonly swapMode: string;
  readonly slippageBps: number;
  readonly priceImpactPct: string;
  readonly routePlan: readonly unknown[];
  readonly contextSlot?: number;
  readonly [k: string]: unknown;
}

/** Options of the swap request. */
export interface SwapRequest {
  readonly quoteResponse: QuoteResponse;
  /** The wallet that signs and pays. */
  readonly userPublicKey: string;
  /** Default true: wrap / unwrap SOL around the swap. */
  readonly wrapAndUnwrapSol?: boolean;
  /** Default true: compute-unit limit from a simulation. */
  readonly dynamicComputeUnitLimit?: boolean;
  /** Priority fee cap in lamports (default 1_000_000 = 0.001 SOL, level 'veryHigh'). */
  readonly maxPriorityFeeLamports?: number;
}

/** The swap answer: an unsigned transaction. */
export interface SwapResponse {
  /** Base64 versioned transaction, unsigned. */
  readonly swapTransaction: string;
  /** Block height after which the transaction's blockhash is no longer valid. */
  readonly lastValidBlockHeight: number;
  readonly prioritizationFeeLamports?: number;
  readonly [k: string]: unknown;
}

/** Client of Jupiter's Swap API. */
export class JupiterClient {
  readonly http: VenueHttp;

  constructor(private readonly o: JupiterClientOptions = {}) {
    this.http = new VenueHttp({ venue: 'jupiter', baseUrl: o.baseUrl ?? JUPITER_API, headers: o.apiKey ? { 'x-api-key': o.apiKey } : {}, secrets: o.apiKey ? [o.apiKey] : [], recorder: o.recorder, fetch: o.fetch, timeoutMs: o.timeoutMs ?? 30_000 });
  }

  private fail(what: string, r: HttpResponse): VenueError {
    if (r.status === 401 || r.status === 403) return new VenueError('jupiter', 'auth', `Jupiter ${what}: HTTP ${r.status} (set JUPITER_API_KEY to a valid key from the Jupiter portal): ${bodySnippet(r, (s) => this.http.scrub(s))}`, r.status);
    return new VenueError('jupiter', r.status === 400 ? 'bad_request' : 'http', `Jupiter ${what}: HTTP ${r.status}: ${bodySnippet(r, (s) => this.http.scrub(s))}`, r.status, r.status >= 500);
  }

  /**
   * A quote (`GET /swap/v1/quote`).
   * @throws VenueError 'bad_request' (400: no route, bad mint), 'auth', 'rate_limited', 'protocol'
   */
  async quote(q: QuoteRequest): Promise<QuoteResponse> {
    const slippageBps = q.slippageBps ?? 50;
    if (!(Number.isInteger(slippageBps) && slippageBps >= 0 && slippageBps <= 10_000)) throw new RangeError(`slippageBps must be an integer in [0, 10000], got ${slippageBps}`);
    if (q.amount <= 0n) throw new RangeError(`amount must be > 0 base units, got ${q.amount}`);
    const r = await retry429('jupiter', 'quote', () => this.http.request('GET', '/swap/v1/quote', {
      query: { inputMint: q.inputMint, outputMint: q.outputMint, amount: q.amount, slippageBps, swapMode: q.swapMode ?? 'ExactIn', onlyDirectRoutes: q.onlyDirectRoutes, restrictIntermediateTokens: q.restrictIntermediateTokens, maxAccounts: q.maxAccounts },
    }), { backoff: this.o.backoff, sleep: this.o.sleep });
    if (r.status !== 200) throw this.fail('quote', r);
    const b = r.body as QuoteResponse;
    for (const k of ['inAmount', 'outAmount', 'otherAmountThreshold'] as const) if (typeof b?.[k] !== 'string' || !/^\d+$/.test(b[k])) throw new VenueError('jupiter', 'protocol', `Jupiter quote has no integer ${k}`);
    return b;
  }

  /**
   * The unsigned swap transaction for a quote (`POST /swap/v1/swap`).
   * @throws VenueError 'bad_request', 'auth', 'rate_limited', 'protocol'
   */
  async swap(s: SwapRequest): Promise<SwapResponse> {
    const r = await retry429('jupiter', 'swap', () => this.http.request('POST', '/swap/v1/swap', {
      json: {
        quoteResponse: s.quoteResponse, userPublicKey: s.userPublicKey, wrapAndUnwrapSol: s.wrapAndUnwrapSol ?? true, dynamicComputeUnitLimit: s.dynamicComputeUnitLimit ?? true,
        prioritizationFeeLamports: { priorityLevelWithMaxLamports: { maxLamports: s.maxPriorityFeeLamports ?? 1_000_000, priorityLevel: 'veryHigh' } },
      },
    }), { backoff: this.o.backoff, sleep: this.o.sleep });
    if (r.status !== 200) throw this.fail('swap', r);
    const b = r.body as SwapResponse;
    if (typeof b?.swapTransaction !== 'string' || typeof b.lastValidBlockHeight !== 'number') throw new VenueError('jupiter', 'protocol', 'Jupiter swap answer lacks swapTransaction / lastValidBlockHeight');
    return b;
  }
}
