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
 *   (confirmed after `confirmAfterPolls` polls, or never).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalServer } from './local-server.js';
import { randomBytes } from 'node:crypto';
import {
  address, appendTransactionMessageInstruction, blockhash, compileTransaction, createTransactionMessage, getBase58Decoder, getBase64EncodedWireTransaction, getBase64Encoder,
  getPublicKeyFromAddress, getTransactionDecoder, pipe, setTransactionMessageFeePayer, setTransactionMessageLifetimeUsingBlockhash, verifySignature, type SignatureBytes,
} from '@solana/kit';

export const FAKE_API_KEY = 'jup-test-key-0123456789abcdef';

/** Verifies every signature of a base64 wire transaction; returns the fee payer's signature (base58) or an error text. */
async function verifyWire(wire: string): Promise<{ ok: true; signature: string; feePayer: string } | { ok: false; error: string }> {
  const tx = getTransactionDecoder().decode(getBase64Encoder().encode(wire));
  const entries = Object.entries(tx.signatures);
  for (const [addr, sig] of entries) {
    if (!sig) return { ok: false, error: `missing signature of ${addr}` };
    const ok = await verifySignature(await getPublicKeyFromAddress(address(addr)), sig as SignatureBytes, tx.messageBytes);
    if (!ok) return { ok: false, error: `invalid signature of ${addr}` };
  }
  return { ok: true, signature: getBase58Decoder().decode(entries[0]![1]!), feePayer: entries[0]![0] };
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
  readonly requests: { method: string; path: string; body: string; apiKey?: string }[] = [];
  /** price: output base units per input base unit */
  rate = 2;



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
        const out = amount * BigInt(this.rate);
        return this.send(res, 200, {
          inputMint: q.get('inputMint'), inAmount: amount.toString(), outputMint: q.get('outputMint'), outAmount: out.toString(),
          otherAmountThreshold: ((out * BigInt(10_000 - slippageBps)) / 10_000n).toString(), swapMode: q.get('swapMode') ?? 'ExactIn', slippageBps,
          platformFee: null, priceImpactPct: '0.0012', routePlan: [{ swapInfo: { ammKey: 'FakeAmm1111111111111111111111111111111111111', label: 'Fake', inputMint: q.get('inputMint'), outputMint: q.get('outputMint'), inAmount: amount.toString(), outAmount: out.toString() }, percent: 100 }],
          contextSlot: 300_000_000, timeTaken: 0.01,
        });
      }
      if (url.pathname === '/swap/v1/swap' && req.method === 'POST') {
        const b = JSON.parse(body) as { userPublicKey: string; quoteResponse: { inAmount: string; outAmount: string } };
        const lvbh = this.blockHeight + this.validForBlocks;
        const msg = pipe(
          createTransactionMessage({ version: 0 }),
          (m) => setTransactionMessageFeePayer(address(b.userPublicKey), m),
          (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash(getBase58Decoder().decode(randomBytes(32))), lastValidBlockHeight: BigInt(lvbh) }, m),
          (m) => appendTransactionMessageInstruction({ programAddress: address('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr'), accounts: [{ address: address(b.userPublicKey), role: 3 }], data: new TextEncoder().encode(`swap ${b.quoteResponse.inAmount} -> ${b.quoteResponse.outAmount}`) }, m),
        );
        return this.send(res, 200, { swapTransaction: getBase64EncodedWireTransaction(compileTransaction(msg)), lastValidBlockHeight: lvbh, prioritizationFeeLamports: 5000, computeUnitLimit: 200_000 });
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
          return ok(v.signature);
        }
        case 'getSignatureStatuses': {
          const value = (params[0] as string[]).map((s) => {
            if (!this.sent.includes(s)) return null;
            const n = (this.statusPolls.get(s) ?? 0) + 1;
            this.statusPolls.set(s, n);
            return n >= this.confirmAfterPolls ? { slot: 300_000_001, confirmations: null, err: null, confirmationStatus: 'confirmed' } : { slot: 300_000_001, confirmations: 0, err: null, confirmationStatus: 'processed' };
          });
          return ok({ context: ctx, value });
        }
        default: return this.send(res, 200, { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } });
      }
    }
    return this.send(res, 404, { error: 'not found' });
  }
}
