/**
 * A swap venue on Solana through Jupiter. Interface: `submitOrder` (one
 * ExactIn swap, idempotent by client order id), `balances` (SOL and every
 * token), `positions` (non-zero token holdings). It does NOT implement the
 * trading engine's `Broker` port (lib/venues/broker.ts); see "Broker port
 * fit" below for exactly why, and what an adapter needs first.
 *
 * One order, step by step:
 * 1. An order id seen before is never re-quoted: its journal row is returned,
 *    or, if it was signed or sent and not settled, confirmation resumes with
 *    the same signed transaction (same signature: a resend cannot double it).
 * 2. Quote (`slippageBps`, default 50), then balance checks BEFORE anything is
 *    signed: SOL input needs amount + `feeReserveLamports`; a token input
 *    needs the token amount and the fee reserve in SOL. Refused: VenueError
 *    'insufficient_balance', nothing sent.
 * 3. Swap transaction from Jupiter, signed locally (key from SOLANA_PRIVATE_KEY).
 * 4. Journal row 'signed' with the signature, the wire transaction and
 *    lastValidBlockHeight, committed before sending (crash-only: kill -9 at
 *    any point, restart, the same order id resumes; nothing is sent twice
 *    under a different signature).
 * 5. simulateTransaction: an error fails the order without sending.
 * 6. sendTransaction, then poll getSignatureStatuses until confirmed /
 *    finalized (or an error), rebroadcasting the same bytes every few polls,
 *    until the block height passes lastValidBlockHeight: then 'expired' (the
 *    transaction can no longer land; a new order id may retry).
 *
 * Broker port fit (checked point by point against lib/venues/broker.ts and
 * test/helpers/broker-contract.ts; the contract suite is not run on this class):
 * - Met as is: idempotent submit by client order id (step 1; the journal
 *   survives kill -9); 'reject' before anything is sent (insufficient
 *   balance -> VenueError 'insufficient_balance', maps to BrokerError
 *   'reject'); `cancel` / `openOrders` are trivial (a swap is atomic: never
 *   open, nothing to cancel); no funding events.
 * - Met by a thin adapter: a symbol 'BASE/QUOTE' -> a mint pair; `sell
 *   quantity` and `buy notional` -> an ExactIn swap of base resp. quote;
 *   `reduceOnly` -> refuse a sell larger than the token holding (spot: no
 *   shorts, so a sell that opens a short is always 'reject'); positions ->
 *   token holdings of the base mints; balance -> the quote mint's holding.
 * - Not met today:
 *   1. `buy quantity` (a base quantity, what the suite sends first) needs an
 *      ExactOut swap; the client can quote ExactOut (`swapMode`) but this
 *      broker only builds ExactIn orders and its journal records in/out in
 *      ExactIn terms.
 *   2. `Fill.quantity` / `price`: the amounts that actually moved are known
 *      only from the confirmed transaction (`getTransaction` pre/post token
 *      balances); this broker reports the quote's expected and minimum out,
 *      and the RPC client has no `getTransaction`. A fill at the quote would
 *      be a made-up number (slippage up to `slippageBps`).
 *   3. `Fill.fee` in quote units: the cost of a swap is the network +
 *      priority fee in SOL (lamports) plus the AMM fee inside the price;
 *      converting the SOL fee needs a SOL/quote price at fill time.
 *   4. `events(afterSeq)` with a stable seq: confirmed swaps would need the
 *      slot (or block time) from `getTransaction`; the journal has no seq.
 *   5. The suite's "cash changes only by the fees" holds only at zero
 *      spread and zero price impact; a swap always pays both, so that
 *      assertion does not apply to a swap venue.
 *   6. The scripted server (test/helpers/fake-solana.ts) does not settle
 *      swaps (balances do not move on confirmation) and has no
 *      `getTransaction`: a contract run needs both there first.
 *
 * @module
 */
import type { KeyPairSigner } from '@solana/kit';
import type { Db } from '../../db/index.js';
import { VenueError } from '../errors.js';
import { sleepMs } from '../limits.js';
import type { JupiterClient, QuoteResponse } from './client.js';
import type { SolanaRpc, TokenBalance } from './rpc.js';
import { signSwapTransaction } from './signer.js';
import { fromBaseUnits, SOL_DECIMALS, SOL_MINT } from './units.js';

/** One ExactIn swap order. */
export interface SwapOrder {
  /** Caller's id; the same id is never executed twice. */
  readonly clientOrderId: string;
  readonly inputMint: string;
  readonly outputMint: string;
  /** Input amount in base units of the input mint (lamports for SOL). */
  readonly amount: bigint;
  /** Slippage tolerance, bps (default 50). */
  readonly slippageBps?: number;
}

/** State of an order in the journal. */
export type SwapState = 'signed' | 'sent' | 'confirmed' | 'failed' | 'expired';

/** The outcome of an order. */
export interface SwapFill {
  readonly clientOrderId: string;
  readonly state: SwapState;
  readonly signature: string | null;
  readonly inputMint: string;
  readonly outputMint: string;
  /** Base units in (as quoted). */
  readonly inAmount: bigint;
  /** Base units out expected by the quote. */
  readonly expectedOutAmount: bigint;
  /** Minimum out after slippage (the quote's otherAmountThreshold). */
  readonly minOutAmount: bigint;
  readonly lastValidBlockHeight: number | null;
  readonly error?: string;
}

/** Wallet balances. */
export interface WalletBalances {
  readonly owner: string;
  readonly lamports: bigint;
  /** SOL as a decimal string. */
  readonly sol: string;
  readonly tokens: readonly TokenBalance[];
}

/** A non-zero token holding. */
export interface SwapPosition {
  readonly mint: string;
  readonly amount: bigint;
  readonly decimals: number;
  /** amount / 10^decimals as a decimal string. */
  readonly uiAmount: string;
}

/** Options of {@link JupiterBroker}. */
export interface JupiterBrokerOptions {
  readonly jupiter: JupiterClient;
  readonly rpc: SolanaRpc;
  readonly signer: KeyPairSigner;
  /** Journal database (crash-only resumption); without it, an in-memory journal. */
  readonly db?: Db;
  /** SOL kept for fees, rent of new token accounts and priority fees (default 10_000_000 lamports = 0.01 SOL). */
  readonly feeReserveLamports?: bigint;
  /** Wait between confirmation polls, ms (default 1500). */
  readonly pollMs?: number;
  /** Rebroadcast the same signed bytes every this many polls (default 2). */
  readonly rebroadcastEvery?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Priority fee cap passed to Jupiter, lamports. */
  readonly maxPriorityFeeLamports?: number;
}

interface JournalRow {
  clientOrderId: string; inputMint: string; outputMint: string; inAmount: bigint; expectedOutAmount: bigint; minOutAmount: bigint;
  signature: string | null; wire: string | null; lastValidBlockHeight: number | null; state: SwapState; error?: string;
}

/** Swap broker over Jupiter + a Solana RPC (see the module comment for the order steps). */
export class JupiterBroker {
  private readonly mem = new Map<string, JournalRow>();
  private ready: Promise<void> | undefined;
  private readonly inFlight = new Map<string, Promise<SwapFill>>();

  constructor(private readonly o: JupiterBrokerOptions) {}

  /** The wallet address. */
  get address(): string {
    return this.o.signer.address;
  }

  private async journal(): Promise<Db | undefined> {
    if (!this.o.db) return undefined;
    this.ready ??= this.o.db.exec(`CREATE TABLE IF NOT EXISTS jupiter_orders (
      client_order_id VARCHAR PRIMARY KEY, input_mint VARCHAR NOT NULL, output_mint VARCHAR NOT NULL, in_amount VARCHAR NOT NULL,
      expected_out VARCHAR NOT NULL, min_out VARCHAR NOT NULL, signature VARCHAR, wire VARCHAR, last_valid_block_height BIGINT,
      state VARCHAR NOT NULL, error VARCHAR, updated_at TIMESTAMP NOT NULL)`);
    await this.ready;
    return this.o.db;
  }

  private async load(id: string): Promise<JournalRow | undefined> {
    const db = await this.journal();
    if (!db) return this.mem.get(id);
    const r = await db.one(`SELECT * FROM jupiter_orders WHERE client_order_id = ?`, [id]);
    if (!r) return undefined;
    return {
      clientOrderId: id, inputMint: String(r.input_mint), outputMint: String(r.output_mint), inAmount: BigInt(String(r.in_amount)), expectedOutAmount: BigInt(String(r.expected_out)),
      minOutAmount: BigInt(String(r.min_out)), signature: (r.signature as string | null) ?? null, wire: (r.wire as string | null) ?? null,
      lastValidBlockHeight: r.last_valid_block_height === null ? null : Number(r.last_valid_block_height), state: String(r.state) as SwapState, error: (r.error as string | null) ?? undefined,
    };
  }

  private async save(j: JournalRow): Promise<void> {
    const db = await this.journal();
    if (!db) {
      this.mem.set(j.clientOrderId, { ...j });
      return;
    }
    await db.exec(`INSERT OR REPLACE INTO jupiter_orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())`, [
      j.clientOrderId, j.inputMint, j.outputMint, j.inAmount.toString(), j.expectedOutAmount.toString(), j.minOutAmount.toString(),
      j.signature, j.wire, j.lastValidBlockHeight, j.state, j.error ?? null,
    ]);
  }

  private fill(j: JournalRow): SwapFill {
    return { clientOrderId: j.clientOrderId, state: j.state, signature: j.signature, inputMint: j.inputMint, outputMint: j.outputMint, inAmount: j.inAmount, expectedOutAmount: j.expectedOutAmount, minOutAmount: j.minOutAmount, lastValidBlockHeight: j.lastValidBlockHeight, ...(j.error ? { error: j.error } : {}) };
  }

  /** SOL and every token of the wallet. */
  async balances(): Promise<WalletBalances> {
    const lamports = await this.o.rpc.getBalance(this.address);
    return { owner: this.address, lamports, sol: fromBaseUnits(lamports, SOL_DECIMALS), tokens: await this.o.rpc.getTokenBalances(this.address) };
  }

  /** Non-zero token holdings. */
  async positions(): Promise<SwapPosition[]> {
    return (await this.o.rpc.getTokenBalances(this.address)).filter((t) => t.amount > 0n).map((t) => ({ ...t, uiAmount: fromBaseUnits(t.amount, t.decimals) }));
  }

  /**
   * Executes (or resumes) one order; see the module comment.
   * @throws VenueError 'insufficient_balance' (nothing signed or sent), the clients' errors before sending;
   *   after sending, failures are returned as states ('failed', 'expired'), not thrown
   */
  submitOrder(order: SwapOrder): Promise<SwapFill> {
    const running = this.inFlight.get(order.clientOrderId);
    if (running) return running;
    const p = this.execute(order).finally(() => this.inFlight.delete(order.clientOrderId));
    this.inFlight.set(order.clientOrderId, p);
    return p;
  }

  private async execute(order: SwapOrder): Promise<SwapFill> {
    const prev = await this.load(order.clientOrderId);
    if (prev) {
      if (prev.state === 'signed' || prev.state === 'sent') return this.confirm(prev, true);
      return this.fill(prev);
    }
    const quote: QuoteResponse = await this.o.jupiter.quote({ inputMint: order.inputMint, outputMint: order.outputMint, amount: order.amount, slippageBps: order.slippageBps });
    await this.checkBalance(order);
    const swap = await this.o.jupiter.swap({ quoteResponse: quote, userPublicKey: this.address, maxPriorityFeeLamports: this.o.maxPriorityFeeLamports });
    const signed = await signSwapTransaction(swap.swapTransaction, this.o.signer);
    const j: JournalRow = {
      clientOrderId: order.clientOrderId, inputMint: order.inputMint, outputMint: order.outputMint, inAmount: BigInt(quote.inAmount), expectedOutAmount: BigInt(quote.outAmount),
      minOutAmount: BigInt(quote.otherAmountThreshold), signature: signed.signature, wire: signed.wire, lastValidBlockHeight: swap.lastValidBlockHeight, state: 'signed',
    };
    await this.save(j);
    const sim = await this.o.rpc.simulateTransaction(signed.wire);
    if (sim.err) {
      j.state = 'failed';
      j.error = `simulation failed, not sent: ${JSON.stringify(sim.err)}${sim.logs?.length ? `; last log: ${sim.logs.at(-1)}` : ''}`;
      await this.save(j);
      return this.fill(j);
    }
    return this.confirm(j, false);
  }

  /** Refuses an order the wallet cannot pay (before anything is signed). */
  private async checkBalance(order: SwapOrder): Promise<void> {
    const reserve = this.o.feeReserveLamports ?? 10_000_000n;
    const lamports = await this.o.rpc.getBalance(this.address);
    if (order.inputMint === SOL_MINT) {
      if (lamports < order.amount + reserve) {
        throw new VenueError('solana', 'insufficient_balance', `order ${order.clientOrderId}: needs ${fromBaseUnits(order.amount, SOL_DECIMALS)} SOL + ${fromBaseUnits(reserve, SOL_DECIMALS)} SOL fee reserve, wallet has ${fromBaseUnits(lamports, SOL_DECIMALS)} SOL; nothing sent`, undefined, false, { needed: order.amount + reserve, available: lamports });
      }
      return;
    }
    const [tok] = await this.o.rpc.getTokenBalances(this.address, order.inputMint);
    const have = tok?.amount ?? 0n;
    if (have < order.amount) {
      const d = tok?.decimals ?? 0;
      throw new VenueError('solana', 'insufficient_balance', `order ${order.clientOrderId}: needs ${fromBaseUnits(order.amount, d)} of ${order.inputMint}, wallet has ${fromBaseUnits(have, d)}; nothing sent`, undefined, false, { needed: order.amount, available: have });
    }
    if (lamports < reserve) throw new VenueError('solana', 'insufficient_balance', `order ${order.clientOrderId}: needs ${fromBaseUnits(reserve, SOL_DECIMALS)} SOL for fees, wallet has ${fromBaseUnits(lamports, SOL_DECIMALS)} SOL; nothing sent`, undefined, false, { needed: reserve, available: lamports });
  }

  /** Sends (unless resuming a sent order whose status is already known) and confirms until lastValidBlockHeight. */
  private async confirm(j: JournalRow, resuming: boolean): Promise<SwapFill> {
    const rpc = this.o.rpc;
    const sleep = this.o.sleep ?? sleepMs;
    const every = this.o.rebroadcastEvery ?? 2;
    const settle = async (state: SwapState, error?: string): Promise<SwapFill> => {
      j.state = state;
      if (error) j.error = error;
      await this.save(j);
      return this.fill(j);
    };
    const status = async (): Promise<SwapFill | undefined> => {
      const [st] = await rpc.getSignatureStatuses([j.signature!]);
      if (st?.err) return settle('failed', `transaction failed on chain: ${JSON.stringify(st.err)}`);
      if (st && (st.confirmationStatus === 'confirmed' || st.confirmationStatus === 'finalized')) return settle('confirmed');
      return undefined;
    };
    if (resuming) {
      const done = await status();
      if (done) return done;
    }
    const send = async (): Promise<void> => {
      try {
        await rpc.sendTransaction(j.wire!);
      } catch (err) {
        // a resend of the same signed bytes may be refused (already processed); the status poll decides
        if (!(err instanceof VenueError)) throw err;
      }
    };
    if ((await rpc.getBlockHeight()) > j.lastValidBlockHeight!) return (await status()) ?? settle('expired', `block height passed lastValidBlockHeight ${j.lastValidBlockHeight} before confirmation`);
    await send();
    if (j.state === 'signed') {
      j.state = 'sent';
      await this.save(j);
    }
    for (let i = 1; ; i++) {
      await sleep(this.o.pollMs ?? 1500);
      const done = await status();
      if (done) return done;
      if ((await rpc.getBlockHeight()) > j.lastValidBlockHeight!) return (await status()) ?? settle('expired', `block height passed lastValidBlockHeight ${j.lastValidBlockHeight} before confirmation`);
      if (i % every === 0) await send();
    }
  }
}
