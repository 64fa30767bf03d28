/**
 * A Solana JSON-RPC 2.0 client for the calls a swap needs (Solana RPC
 * reference): getBalance, getTokenAccountsByOwner (jsonParsed),
 * getAccountInfo (mint decimals), getBlockHeight, simulateTransaction,
 * sendTransaction, getSignatureStatuses, getTransaction (jsonParsed, v0
 * transactions: the confirmed balances a fill is read from). Over the venue HTTP layer, so every
 * call is recorded; 429 retried after Retry-After / backoff.
 *
 * @module
 */
import { VenueError } from '../errors.js';
import { bodySnippet, retry429, VenueHttp, type HttpRecorder } from '../http.js';
import type { BackoffOptions } from '../limits.js';

/** SPL Token program and Token-2022 program ids. */
export const TOKEN_PROGRAMS = ['TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb'] as const;

/** Options of {@link SolanaRpc}. */
export interface SolanaRpcOptions {
  /** RPC URL (e.g. https://api.mainnet-beta.solana.com or a provider's URL; an API key in it is redacted from records). */
  readonly url: string;
  readonly recorder?: HttpRecorder;
  readonly fetch?: typeof fetch;
  readonly backoff?: BackoffOptions;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Default 'confirmed'. */
  readonly commitment?: 'processed' | 'confirmed' | 'finalized';
}

/** A token holding (summed over the owner's accounts of that mint). */
export interface TokenBalance {
  readonly mint: string;
  /** Base units. */
  readonly amount: bigint;
  readonly decimals: number;
}

/** One signature's status (null when the cluster has not seen it). */
export interface SignatureStatus {
  readonly slot: number;
  readonly confirmationStatus: 'processed' | 'confirmed' | 'finalized' | null;
  readonly err: unknown;
}

/** A token account balance inside a transaction's meta (`preTokenBalances` / `postTokenBalances`). */
export interface TransactionTokenBalance {
  /** Index into the transaction's account keys. */
  readonly accountIndex: number;
  readonly mint: string;
  /** Owner of the token account (absent on very old transactions). */
  readonly owner?: string;
  readonly uiTokenAmount: { readonly amount: string; readonly decimals: number };
}

/**
 * A confirmed transaction as `getTransaction` returns it with
 * `encoding: 'jsonParsed'` and `maxSupportedTransactionVersion: 0` (Solana RPC
 * reference, "getTransaction"); only the fields a fill is read from.
 * Balances are lamports per account key, in account-key order (lookup-table
 * addresses included, as jsonParsed lists them).
 */
export interface ConfirmedTransaction {
  readonly slot: number;
  /** Unix seconds (null when the node does not know it). */
  readonly blockTime: number | null;
  readonly meta: {
    readonly err: unknown;
    /** Lamports charged: base fee per signature + the priority fee. */
    readonly fee: number;
    readonly preBalances: readonly number[];
    readonly postBalances: readonly number[];
    readonly preTokenBalances?: readonly TransactionTokenBalance[];
    readonly postTokenBalances?: readonly TransactionTokenBalance[];
  } | null;
  readonly transaction: { readonly message: { readonly accountKeys: readonly ({ readonly pubkey: string } | string)[] } };
}

/** JSON-RPC client of a Solana cluster. */
export class SolanaRpc {
  readonly http: VenueHttp;
  private id = 0;
  readonly commitment: 'processed' | 'confirmed' | 'finalized';

  constructor(private readonly o: SolanaRpcOptions) {
    const u = new URL(o.url);
    const secrets = [...u.searchParams.values()].filter((v) => v.length >= 8);
    this.http = new VenueHttp({ venue: 'solana', baseUrl: o.url, secrets, recorder: o.recorder, fetch: o.fetch, timeoutMs: 30_000 });
    this.commitment = o.commitment ?? 'confirmed';
  }

  /**
   * One JSON-RPC call.
   * @throws VenueError 'http' / 'rate_limited' for transport answers, 'transaction_failed' for an RPC error object (message and code kept)
   */
  async call<T>(method: string, params: unknown[]): Promise<T> {
    const r = await retry429('solana', method, () => this.http.request('POST', '', { json: { jsonrpc: '2.0', id: ++this.id, method, params } }), { backoff: this.o.backoff, sleep: this.o.sleep });
    if (r.status !== 200) throw new VenueError('solana', 'http', `Solana RPC ${method}: HTTP ${r.status}: ${bodySnippet(r, (s) => this.http.scrub(s))}`, r.status, r.status >= 500);
    const b = r.body as { result?: T; error?: { code: number; message: string; data?: unknown } };
    if (b?.error) throw new VenueError('solana', 'transaction_failed', `Solana RPC ${method} error ${b.error.code}: ${b.error.message}`, 200, false, b.error);
    if (!b || !('result' in b)) throw new VenueError('solana', 'protocol', `Solana RPC ${method}: answer has no result`);
    return b.result as T;
  }

  /** Lamports of an address. */
  async getBalance(address: string): Promise<bigint> {
    const r = await this.call<{ value: number | string }>('getBalance', [address, { commitment: this.commitment }]);
    return BigInt(r.value);
  }

  /** Holdings of an owner, one entry per mint (accounts of the same mint summed); `mint` restricts to one mint. */
  async getTokenBalances(owner: string, mint?: string): Promise<TokenBalance[]> {
    const filters = mint ? [{ mint }] : TOKEN_PROGRAMS.map((programId) => ({ programId }));
    const by = new Map<string, TokenBalance>();
    for (const f of filters) {
      const r = await this.call<{ value: { account: { data: { parsed: { info: { mint: string; tokenAmount: { amount: string; decimals: number } } } } } }[] }>('getTokenAccountsByOwner', [owner, f, { encoding: 'jsonParsed', commitment: this.commitment }]);
      for (const acc of r.value) {
        const info = acc.account.data.parsed.info;
        const prev = by.get(info.mint);
        by.set(info.mint, { mint: info.mint, amount: (prev?.amount ?? 0n) + BigInt(info.tokenAmount.amount), decimals: info.tokenAmount.decimals });
      }
    }
    return [...by.values()];
  }

  /** Decimals of a mint (getAccountInfo jsonParsed). @throws VenueError 'protocol' when the account is not a mint */
  async getMintDecimals(mint: string): Promise<number> {
    const r = await this.call<{ value: { data: { parsed?: { type: string; info: { decimals: number } } } } | null }>('getAccountInfo', [mint, { encoding: 'jsonParsed', commitment: this.commitment }]);
    const p = r.value?.data.parsed;
    if (!p || p.type !== 'mint') throw new VenueError('solana', 'protocol', `${mint} is not a token mint account`);
    return p.info.decimals;
  }

  /** Current block height. */
  async getBlockHeight(): Promise<number> {
    return this.call<number>('getBlockHeight', [{ commitment: this.commitment }]);
  }

  /** Simulates a signed base64 transaction (signatures verified): `err` null when it would succeed. */
  async simulateTransaction(wire: string): Promise<{ err: unknown; logs: string[] | null; unitsConsumed?: number }> {
    const r = await this.call<{ value: { err: unknown; logs: string[] | null; unitsConsumed?: number } }>('simulateTransaction', [wire, { encoding: 'base64', commitment: this.commitment, sigVerify: true }]);
    return r.value;
  }

  /** Sends a signed base64 transaction (preflight skipped: it was simulated; no RPC-side retries: the client rebroadcasts). */
  async sendTransaction(wire: string): Promise<string> {
    return this.call<string>('sendTransaction', [wire, { encoding: 'base64', skipPreflight: true, maxRetries: 0 }]);
  }

  /** Statuses of signatures (null = not seen). */
  async getSignatureStatuses(signatures: readonly string[]): Promise<(SignatureStatus | null)[]> {
    const r = await this.call<{ value: (SignatureStatus | null)[] }>('getSignatureStatuses', [signatures, { searchTransactionHistory: true }]);
    return r.value;
  }

  /**
   * A landed transaction by signature (jsonParsed; commitment 'confirmed' at
   * least: the RPC does not serve 'processed' here), or null while the node
   * does not have it.
   */
  async getTransaction(signature: string): Promise<ConfirmedTransaction | null> {
    const commitment = this.commitment === 'processed' ? 'confirmed' : this.commitment;
    return this.call<ConfirmedTransaction | null>('getTransaction', [signature, { encoding: 'jsonParsed', commitment, maxSupportedTransactionVersion: 0 }]);
  }
}
