/**
 * A scripted stand-in for Jupiter's Swap API and a Solana JSON-RPC node on
 * 127.0.0.1, in one server:
 * - `GET /swap/v1/quote` and `POST /swap/v1/swap` (x-api-key required; 429
 *   with Retry-After on demand); the swap answer is a REAL unsigned v0
 *   transaction built with @solana/kit (fee payer = userPublicKey, a memo
 *   instruction, a random blockhash) and its lastValidBlockHeight;
 * - `POST /rpc`: getBalance, getTokenAccountsByOwner (jsonParsed),
 *   getAccountInfo (mint), getBlockHeight (advancing `blocksPerCall` per call),
 *   simulateTransaction / sendTransaction (both verify the ed25519 signature
 *   of the fee payer against the message bytes), getSignatureStatuses
 *   (confirmed after `confirmAfterPolls` polls, or never), getTransaction
 *   (jsonParsed shape: meta.fee, pre/post lamports and token balances).
 * Quotes: ExactIn (`amount` = input) and ExactOut (`amount` = output, input
 * rounded up, `otherAmountThreshold` = most input); the price is `prices`
 * per `in>out` mint pair (output base units per input base unit), else
 * `rate`. A swap LANDS when its status first shows confirmed: the wallet
 * pays the fee (`baseFeeLamports` + the swap's priority fee) and, if the
 * output token account is new, `RENT_LAMPORTS`; the swapped amounts are the
 * quote's moved `fillDriftBps` against the trader (inside the slippage
 * bound, else the transaction fails on chain, fee still paid). A swap that
 * never confirms never moves anything.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalServer } from './local-server.js';
import { randomBytes } from 'node:crypto';
import {
  address, appendTransactionMessageInstruction, blockhash, compileTransaction, createTransactionMessage, getBase58Decoder, getBase64EncodedWireTransaction, getBase64Encoder,
  getPublicKeyFromAddress, getTransactionDecoder, pipe, setTransactionMessageFeePayer, setTransactionMessageLifetimeUsingBlockhash, verifySignature, type SignatureBytes,
} from '@solana/kit';

export const FAKE_API_KEY = 'jup-test-key-0123456789abcdef';
/** Rent-exempt minimum of an SPL token account (165 bytes), lamports. */
export const RENT_LAMPORTS = 2_039_280n;
const SOL = 'So11111111111111111111111111111111111111112';

/** A swap built by /swap, by the base64 of its message bytes. */
export interface PendingSwap { owner: string; inputMint: string; outputMint: string; inAmount: bigint; outAmount: bigint; threshold: bigint; swapMode: string; priorityFee: bigint }
type TokenRow = { accountIndex: number; mint: string; owner: string; programId: string; uiTokenAmount: { amount: string; decimals: number; uiAmount: number; uiAmountString: string } };


/** Verifies every signature of a base64 wire transaction; returns the fee payer's signature (base58) or an error text. */
async function verifyWire(wire: string): Promise<{ ok: true; signature: string; feePayer: string; messageKey: string } | { ok: false; error: string }> {
  const tx = getTransactionDecoder().decode(getBase64Encoder().encode(wire));
  const entries = Object.entries(tx.signatures);
  for (const [addr, sig] of entries) {
    if (!sig) return { ok: false, error: `missing signature of ${addr}` };
    const ok = await verifySignature(await getPublicKeyFromAddress(address(addr)), sig as SignatureBytes, tx.messageBytes);
    if (!ok) return { ok: false, error: `invalid signature of ${addr}` };
  }
  return { ok: true, signature: getBase58Decoder().decode(entries[0]![1]!), feePayer: entries[0]![0], messageKey: Buffer.from(tx.messageBytes).toString('base64') };
}

export class FakeSolana extends LocalServer {
  /** lamports by address */
  readonly lamports = new Map<string, bigint>();
  /** token holdings by `${owner}:${mint}` (base units) */
  readonly tokens = new Map<string, bigint>();
  readonly decimals = new Map<string, number>([['So11111111111111111111111111111111111111112', 9]]);
  blockHeight = 1000;
  blocksPerCall = 1;
  /** getBlockHeight calls until lastValidBlockHeight (from the swap's height). */
  validForBlocks = 150;
  /** Status polls before a sent signature shows as confirmed (Infinity: never). */
  confirmAfterPolls = 2;
  /** Answer simulateTransaction with this error (null: success). */
  simulateError: unknown = null;
  /** 429s to give before answering the next quote. */
  quote429 = 0;
  readonly sent: string[] = [];
  readonly statusPolls = new Map<string, number>();
  /** message key (base64 message bytes) of each sent signature */
  readonly messages = new Map<string, string>();
  readonly requests: { method: string; path: string; body: string; apiKey?: string }[] = [];
  /** price: output base units per input base unit */
  rate = 2;
  /** price per `${inputMint}>${outputMint}` (output base units per input base unit); falls back to `rate` */
  readonly prices = new Map<string, number>();
  /** the landed price is this many bps worse than the quote (within slippage: the order still fills, at the real amounts) */
  fillDriftBps = 0;
  baseFeeLamports = 5000n;
  priorityFeeLamports = 5000n;
  /** getTransaction answers null this many times first (a node that lags behind the status) */
  transactionLag = 0;
  slot = 300_000_000;
  readonly pending = new Map<string, PendingSwap>();
  /** landed transactions by signature, in the getTransaction shape */
  readonly landed = new Map<string, unknown>();

  private price(inputMint: string, outputMint: string): number {
    return this.prices.get(`${inputMint}>${outputMint}`) ?? this.rate;
  }

  /** Lands a confirmed swap: moves the balances once and records the transaction. */
  private land(signature: string, messageKey: string): { slot: number; err: unknown } {
    const done = this.landed.get(signature) as { slot: number; meta: { err: unknown } } | undefined;
    if (done) return { slot: done.slot, err: done.meta.err };
    const p = this.pending.get(messageKey)!;
    const drift = BigInt(this.fillDriftBps);
    let inAmount = p.inAmount, outAmount = p.outAmount;
    if (p.swapMode === 'ExactOut') inAmount = (p.inAmount * (10_000n + drift) + 9_999n) / 10_000n;
    else outAmount = (p.outAmount * (10_000n - drift)) / 10_000n;
    const fee = this.baseFeeLamports + p.priorityFee;
    const slot = ++this.slot;
    const mints = [p.inputMint, p.outputMint].filter((m) => m !== SOL);
    const keys = [p.owner, ...mints.map((m) => `ata-${p.owner.slice(0, 6)}-${m.slice(0, 6)}`)];
    const lam = (k: string) => this.lamports.get(k) ?? 0n;
    const preLamports = keys.map(lam);
    const tokenRows = (): TokenRow[] => mints.flatMap((m, i) => {
      const amt = this.tokens.get(`${p.owner}:${m}`);
      const d = this.decimals.get(m) ?? 6;
      return amt === undefined ? [] : [{ accountIndex: i + 1, mint: m, owner: p.owner, programId: 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', uiTokenAmount: { amount: amt.toString(), decimals: d, uiAmount: Number(amt) / 10 ** d, uiAmountString: String(Number(amt) / 10 ** d) } }];
    });
    const preTokens = tokenRows();
    const have = p.inputMint === SOL ? lam(p.owner) - fee : this.tokens.get(`${p.owner}:${p.inputMint}`) ?? 0n;
    const bound = p.swapMode === 'ExactOut' ? inAmount <= p.threshold : outAmount >= p.threshold;
    let err: unknown = null;
    this.lamports.set(p.owner, lam(p.owner) - fee);
    if (!bound) err = { InstructionError: [2, { Custom: 6001 }] }; // Jupiter: SlippageToleranceExceeded
    else if (have < inAmount) err = { InstructionError: [2, { Custom: 1 }] }; // SPL token: insufficient funds
    else {
      const move = (mint: string, d: bigint) => {
        if (mint === SOL) this.lamports.set(p.owner, lam(p.owner) + d);
        else {
          const k = `${p.owner}:${mint}`;
          if (!this.tokens.has(k)) {
            this.lamports.set(p.owner, lam(p.owner) - RENT_LAMPORTS);
            this.lamports.set(keys[mints.indexOf(mint) + 1]!, RENT_LAMPORTS);
          }
          this.tokens.set(k, (this.tokens.get(k) ?? 0n) + d);
        }
      };
      move(p.inputMint, -inAmount);
      move(p.outputMint, outAmount);
    }
    this.landed.set(signature, {
      slot, blockTime: 1_760_000_000 + (slot - 300_000_000),
      meta: { err, fee: Number(fee), preBalances: preLamports.map(Number), postBalances: keys.map((k) => Number(lam(k))), preTokenBalances: preTokens, postTokenBalances: tokenRows(), logMessages: [], loadedAddresses: { readonly: [], writable: [] } },
      transaction: { signatures: [signature], message: { accountKeys: keys.map((k, i) => ({ pubkey: k, signer: i === 0, writable: true, source: 'transaction' })), instructions: [], recentBlockhash: '11111111111111111111111111111111' } },
      version: 0,
    });
    return { slot, err };
  }



  rpcCalls(method: string): number {
    return this.requests.filter((r) => r.path === '/rpc' && JSON.parse(r.body).method === method).length;
  }


  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, body, apiKey: req.headers['x-api-key'] as string | undefined });
    if (url.pathname.startsWith('/swap/')) {
      if (req.headers['x-api-key'] !== FAKE_API_KEY) return this.send(res, 401, { message: 'Unauthorized: invalid or missing x-api-key' });
      if (url.pathname === '/swap/v1/quote') {
        if (this.quote429 > 0) {
          this.quote429--;
          return this.send(res, 429, { message: 'Too many requests' }, { 'retry-after': '0.01' });
        }
        const q = url.searchParams;
        const amount = BigInt(q.get('amount') ?? '0');
        const slippageBps = Number(q.get('slippageBps') ?? 50);
        const swapMode = q.get('swapMode') ?? 'ExactIn';
        const px = this.price(q.get('inputMint')!, q.get('outputMint')!);
        // exact rational arithmetic on the price (as a fraction over 1e12)
        const num = BigInt(Math.round(px * 1e12)), den = 1_000_000_000_000n;
        const exactOut = swapMode === 'ExactOut';
        const inAmt = exactOut ? (amount * den + num - 1n) / num : amount;
        const out = exactOut ? amount : (amount * num) / den;
        const threshold = exactOut ? (inAmt * BigInt(10_000 + slippageBps)) / 10_000n : (out * BigInt(10_000 - slippageBps)) / 10_000n;
        return this.send(res, 200, {
          inputMint: q.get('inputMint'), inAmount: inAmt.toString(), outputMint: q.get('outputMint'), outAmount: out.toString(),
          otherAmountThreshold: threshold.toString(), swapMode, slippageBps,
          platformFee: null, priceImpactPct: '0.0012', routePlan: [{ swapInfo: { ammKey: 'FakeAmm1111111111111111111111111111111111111', label: 'Fake', inputMint: q.get('inputMint'), outputMint: q.get('outputMint'), inAmount: inAmt.toString(), outAmount: out.toString() }, percent: 100 }],
          contextSlot: 300_000_000, timeTaken: 0.01,
        });
      }
      if (url.pathname === '/swap/v1/swap' && req.method === 'POST') {
        const b = JSON.parse(body) as { userPublicKey: string; quoteResponse: { inputMint: string; outputMint: string; inAmount: string; outAmount: string; otherAmountThreshold: string; swapMode: string } };
        const lvbh = this.blockHeight + this.validForBlocks;
        const msg = pipe(
          createTransactionMessage({ version: 0 }),
          (m) => setTransactionMessageFeePayer(address(b.userPublicKey), m),
          (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(getBase58Decoder().decode(randomBytes(32))), lastValidBlockHeight: BigInt(lvbh) }, m),
          (m) => appendTransactionMessageInstruction({ programAddress: address('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr'), accounts: [{ address: address(b.userPublicKey), role: 3 }], data: new TextEncoder().encode(`swap ${b.quoteResponse.inAmount} -> ${b.quoteResponse.outAmount}`) }, m),
        );
        const tx = compileTransaction(msg);
        const q = b.quoteResponse;
        this.pending.set(Buffer.from(tx.messageBytes).toString('base64'), { owner: b.userPublicKey, inputMint: q.inputMint, outputMint: q.outputMint, inAmount: BigInt(q.inAmount), outAmount: BigInt(q.outAmount), threshold: BigInt(q.otherAmountThreshold), swapMode: q.swapMode, priorityFee: this.priorityFeeLamports });
        return this.send(res, 200, { swapTransaction: getBase64EncodedWireTransaction(tx), lastValidBlockHeight: lvbh, prioritizationFeeLamports: Number(this.priorityFeeLamports), computeUnitLimit: 200_000 });
      }
    }
    if (url.pathname === '/rpc' && req.method === 'POST') {
      const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: any[] };
      const ok = (result: unknown) => this.send(res, 200, { jsonrpc: '2.0', id, result });
      const ctx = { slot: 300_000_000 };
      switch (method) {
        case 'getBalance': return ok({ context: ctx, value: Number(this.lamports.get(params[0]) ?? 0n) });
        case 'getBlockHeight': { const h = this.blockHeight; this.blockHeight += this.blocksPerCall; return ok(h); }
        case 'getAccountInfo': { const d = this.decimals.get(params[0]); return ok({ context: ctx, value: d === undefined ? null : { data: { parsed: { type: 'mint', info: { decimals: d } }, program: 'spl-token' } } }); }
        case 'getTokenAccountsByOwner': {
          const owner = params[0] as string;
          const mintFilter = (params[1] as { mint?: string; programId?: string }).mint;
          const isLegacyProgram = (params[1] as { programId?: string }).programId !== 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb';
          const value = [...this.tokens].filter(([k]) => k.startsWith(`${owner}:`) && (!mintFilter || k === `${owner}:${mintFilter}`) && isLegacyProgram).map(([k, amount]) => {
            const mint = k.split(':')[1]!;
            return { pubkey: `ata-${mint.slice(0, 8)}`, account: { data: { program: 'spl-token', parsed: { type: 'account', info: { mint, owner, tokenAmount: { amount: amount.toString(), decimals: this.decimals.get(mint) ?? 6 } } } } } };
          });
          return ok({ context: ctx, value });
        }
        case 'simulateTransaction': {
          const v = await verifyWire(params[0]);
          if (!v.ok) return ok({ context: ctx, value: { err: 'SignatureFailure', logs: [v.error] } });
          return ok({ context: ctx, value: { err: this.simulateError, logs: ['Program log: fake swap'], unitsConsumed: 120_000 } });
        }
        case 'sendTransaction': {
          const v = await verifyWire(params[0]);
          if (!v.ok) return this.send(res, 200, { jsonrpc: '2.0', id, error: { code: -32003, message: `Transaction signature verification failure: ${v.error}` } });
          this.sent.push(v.signature);
          this.messages.set(v.signature, v.messageKey);
          return ok(v.signature);
        }
        case 'getSignatureStatuses': {
          const value = (params[0] as string[]).map((s) => {
            if (!this.sent.includes(s)) return null;
            const n = (this.statusPolls.get(s) ?? 0) + 1;
            this.statusPolls.set(s, n);
            if (n < this.confirmAfterPolls) return { slot: this.slot + 1, confirmations: 0, err: null, confirmationStatus: 'processed' };
            const l = this.land(s, this.messages.get(s)!);
            return { slot: l.slot, confirmations: null, err: l.err, confirmationStatus: 'confirmed' };
          });
          return ok({ context: ctx, value });
        }
        case 'getTransaction': {
          const cfg = params[1] as { encoding?: string; maxSupportedTransactionVersion?: number } | undefined;
          if (cfg?.maxSupportedTransactionVersion === undefined) return this.send(res, 200, { jsonrpc: '2.0', id, error: { code: -32015, message: 'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0' } });
          if (this.transactionLag > 0) {
            this.transactionLag--;
            return ok(null);
          }
          return ok(this.landed.get(params[0] as string) ?? null);
        }
        default: return this.send(res, 200, { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } });
      }
    }
    return this.send(res, 404, { error: 'not found' });
  }
}
