/**
 * A swap venue on Solana through Jupiter, behind the trading engine's
 * `Broker` port (lib/venues/broker.ts), plus the swap-level interface the CLI
 * uses: `submitOrder` (one ExactIn or ExactOut swap, idempotent by client
 * order id), `balances` (SOL and every token), `holdings` (non-zero tokens).
 *
 * One swap, step by step:
 * 1. An order id seen before is never re-quoted: its journal row is returned,
 *    or, if it was signed or sent and not settled, confirmation resumes with
 *    the same signed transaction (same signature: a resend cannot double it).
 * 2. Quote (`slippageBps`, default 50; `swapMode` ExactIn: `amount` is the
 *    input; ExactOut: `amount` is the output and the quote's
 *    `otherAmountThreshold` the most input paid), then balance checks BEFORE
 *    anything is signed: SOL input needs the (maximum) input + 
 *    `feeReserveLamports`; a token input needs the token amount and the fee
 *    reserve in SOL. Refused: VenueError 'insufficient_balance', nothing sent.
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
 * 7. Settlement: `getTransaction` of the confirmed signature; the wallet's
 *    pre/post balances give the amounts really swapped, the fee (base +
 *    priority, lamports), the rent of token accounts it opened, the slot and
 *    block time (lib/venues/jupiter/settle.ts). Journaled with the row; a
 *    confirmed row whose settlement was not read yet (crash, node lag) is
 *    settled on the next `events` / `order` / `submit`.
 *
 * Broker port (the contract suite test/helpers/broker-contract.ts runs on
 * this class against the scripted Jupiter + RPC): symbols are the keys of
 * `markets` ('BASE/QUOTE' -> mints, one quote mint for all); orders map to
 * swaps as in lib/venues/jupiter/port.ts (buy quantity = ExactOut). Fills are
 * the settled amounts (`fillId` = signature, `seq` = slot, `time` = block
 * time); `positions` are the wallet's base-mint holdings, `balance` its
 * quote-mint holding. What a swap venue does differently, on purpose:
 * - spot only: a sell larger than the holding, or any reduce-only buy, is
 *   'reject' (no shorts); a position's `entryPrice` is NaN (the chain keeps
 *   no cost basis; the engine's journal does);
 * - market orders only (`type: 'limit'` and attached stops are 'reject');
 *   never partially filled; `cancel` cannot recall a sent transaction (it
 *   returns the state: a pending swap lands or expires at lastValidBlockHeight);
 *   `openOrders` are swaps signed or sent but not settled (after a restart),
 *   and confirmed ones whose amounts were not read yet (state 'open');
 * - fees: the network + priority fee is paid in SOL. With a SOL quote it is
 *   `Fill.fee`; otherwise `fee` is 0 and the SOL amount is in
 *   `Fill.otherFees` (not converted at a made-up price). The AMM fee and the
 *   price impact are inside the fill price, so a round trip loses the spread:
 *   cash changes by the realized PnL of the fills, not by the fees alone;
 * - a transaction that fails on chain pays its network fee but moves no
 *   tokens: the order is 'rejected' and no Fill is reported;
 * - rent deposited for a new token account (refundable) is journaled
 *   (`rent_lamports`), not put into the price or the fees;
 * - no funding events.
 *
 * @module
 */
import type { KeyPairSigner } from '@solana/kit';
import type { Db } from '../../db/index.js';
import { BrokerError, type Balance, type Broker, type OrderRequest, type OrderState, type VenueEvent, type VenuePosition } from '../broker.js';
import { VenueError } from '../errors.js';
import { sleepMs } from '../limits.js';
import type { JupiterClient, QuoteResponse } from './client.js';
import { baseUnitsToFloat, brokerErrorOf, fillOfSwap, orderState, swapOfOrder, type SwapMarket } from './port.js';
import type { SolanaRpc, TokenBalance } from './rpc.js';
import { settlementOf, swapAmounts } from './settle.js';
import { signSwapTransaction } from './signer.js';
import { fromBaseUnits, SOL_DECIMALS, SOL_MINT } from './units.js';

/** One swap order. */
export interface SwapOrder {
  /** Caller's id; the same id is never executed twice. */
  readonly clientOrderId: string;
  readonly inputMint: string;
  readonly outputMint: string;
  /** Base units: of the input mint (ExactIn) or of the output mint (ExactOut); lamports for SOL. */
  readonly amount: bigint;
  /** Default 'ExactIn'. */
  readonly swapMode?: 'ExactIn' | 'ExactOut';
  /** Slippage tolerance, bps (default 50). */
  readonly slippageBps?: number;
}

/** State of an order in the journal. */
export type SwapState = 'signed' | 'sent' | 'confirmed' | 'failed' | 'expired';

/** What a confirmed swap really moved (from `getTransaction`). */
export interface SwapSettlement {
  /** Base units the wallet paid. */
  readonly inAmount: bigint;
  /** Base units the wallet received. */
  readonly outAmount: bigint;
  /** Network + priority fee, lamports. */
  readonly feeLamports: bigint;
  /** Rent deposited in token accounts the swap opened (negative: refunded from accounts it closed), lamports. */
  readonly rentLamports: bigint;
  readonly slot: number;
  /** Epoch ms (block time; the confirmation time seen by this process when the node has none). */
  readonly time: number;
}

/** The outcome of an order. */
export interface SwapFill {
  readonly clientOrderId: string;
  readonly state: SwapState;
  readonly signature: string | null;
  readonly inputMint: string;
  readonly outputMint: string;
  readonly swapMode: 'ExactIn' | 'ExactOut';
  /** Base units in, as quoted (an estimate for ExactOut). */
  readonly inAmount: bigint;
  /** Most base units in after slippage (ExactOut: the quote's otherAmountThreshold; ExactIn: inAmount). */
  readonly maxInAmount: bigint;
  /** Base units out expected by the quote (exact for ExactOut). */
  readonly expectedOutAmount: bigint;
  /** Minimum out after slippage (ExactIn: the quote's otherAmountThreshold; ExactOut: the exact output). */
  readonly minOutAmount: bigint;
  readonly lastValidBlockHeight: number | null;
  /** The amounts really moved; present once a confirmed swap is settled. */
  readonly settlement?: SwapSettlement;
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
export interface SwapHolding {
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
  /** Markets of the Broker port: symbol ('BONK/USDC') -> mints; every market has the same quote mint. */
  readonly markets?: Readonly<Record<string, SwapMarket>>;
  /** Slippage of Broker-port orders, bps (default 50). */
  readonly slippageBps?: number;
  /** SOL kept for fees, rent of new token accounts and priority fees (default 10_000_000 lamports = 0.01 SOL). */
  readonly feeReserveLamports?: bigint;
  /** Wait between confirmation polls, ms (default 1500). */
  readonly pollMs?: number;
  /** Rebroadcast the same signed bytes every this many polls (default 2). */
  readonly rebroadcastEvery?: number;
  /** getTransaction polls after confirmation before leaving the settlement for later (default 10). */
  readonly settlePolls?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Priority fee cap passed to Jupiter, lamports. */
  readonly maxPriorityFeeLamports?: number;
}

/** The journal row of one order (table `jupiter_orders`). */
interface JournalRow {
  clientOrderId: string; inputMint: string; outputMint: string; swapMode: 'ExactIn' | 'ExactOut';
  inAmount: bigint; maxInAmount: bigint; expectedOutAmount: bigint; minOutAmount: bigint;
  signature: string | null; wire: string | null; lastValidBlockHeight: number | null; state: SwapState; error?: string;
  /** Broker-port order (null for a swap sent through `submitOrder`). */
  symbol: string | null; side: 'buy' | 'sell' | null; requestedQuantity: number;
  settlement?: SwapSettlement;
}

const COLUMNS = [
  'client_order_id', 'input_mint', 'output_mint', 'in_amount', 'expected_out', 'min_out', 'signature', 'wire', 'last_valid_block_height', 'state', 'error', 'updated_at',
  'swap_mode', 'max_in', 'symbol', 'side', 'requested_quantity', 'filled_in', 'filled_out', 'fee_lamports', 'rent_lamports', 'slot', 'fill_time',
] as const;

/** Columns added after the first release of the table (ALTER ... ADD COLUMN IF NOT EXISTS keeps older journals). */
const ADDED_COLUMNS = `swap_mode VARCHAR, max_in VARCHAR, symbol VARCHAR, side VARCHAR, requested_quantity DOUBLE, filled_in VARCHAR, filled_out VARCHAR,
  fee_lamports VARCHAR, rent_lamports VARCHAR, slot BIGINT, fill_time BIGINT`;

const big = (v: unknown): bigint => BigInt(String(v));

/** Swap broker over Jupiter + a Solana RPC (see the module comment). */
export class JupiterBroker implements Broker {
  readonly venue = 'jupiter';
  private readonly mem = new Map<string, JournalRow>();
  private ready: Promise<void> | undefined;
  private readonly inFlight = new Map<string, Promise<SwapFill>>();
  private readonly decimals = new Map<string, number>([[SOL_MINT, SOL_DECIMALS]]);
  private readonly markets: Readonly<Record<string, SwapMarket>>;
  private readonly quoteMint: string | null;

  constructor(private readonly o: JupiterBrokerOptions) {
    this.markets = o.markets ?? {};
    const quotes = [...new Set(Object.values(this.markets).map((m) => m.quote))];
    if (quotes.length > 1) throw new RangeError(`JupiterBroker markets: every market needs the same quote mint (the balance's asset), got ${quotes.join(', ')}`);
    for (const [sym, m] of Object.entries(this.markets)) if (m.base === m.quote) throw new RangeError(`JupiterBroker markets: ${sym} has the same base and quote mint ${m.base}`);
    this.quoteMint = quotes[0] ?? null;
  }

  /** The wallet address. */
  get address(): string {
    return this.o.signer.address;
  }

  private async journal(): Promise<Db | undefined> {
    if (!this.o.db) return undefined;
    const db = this.o.db;
    this.ready ??= (async () => {
      await db.exec(`CREATE TABLE IF NOT EXISTS jupiter_orders (
        client_order_id VARCHAR PRIMARY KEY, input_mint VARCHAR NOT NULL, output_mint VARCHAR NOT NULL, in_amount VARCHAR NOT NULL,
        expected_out VARCHAR NOT NULL, min_out VARCHAR NOT NULL, signature VARCHAR, wire VARCHAR, last_valid_block_height BIGINT,
        state VARCHAR NOT NULL, error VARCHAR, updated_at TIMESTAMP NOT NULL)`);
      for (const col of ADDED_COLUMNS.split(',')) await db.exec(`ALTER TABLE jupiter_orders ADD COLUMN IF NOT EXISTS ${col.trim()}`);
    })();
    await this.ready;
    return db;
  }

  private fromRecord(r: Record<string, unknown>): JournalRow {
    const mode = r.swap_mode === 'ExactOut' ? 'ExactOut' : 'ExactIn';
    const inAmount = big(r.in_amount);
    return {
      clientOrderId: String(r.client_order_id), inputMint: String(r.input_mint), outputMint: String(r.output_mint), swapMode: mode,
      inAmount, maxInAmount: r.max_in == null ? inAmount : big(r.max_in), expectedOutAmount: big(r.expected_out), minOutAmount: big(r.min_out),
      signature: (r.signature as string | null) ?? null, wire: (r.wire as string | null) ?? null,
      lastValidBlockHeight: r.last_valid_block_height == null ? null : Number(r.last_valid_block_height), state: String(r.state) as SwapState, error: (r.error as string | null) ?? undefined,
      symbol: (r.symbol as string | null) ?? null, side: (r.side as 'buy' | 'sell' | null) ?? null, requestedQuantity: r.requested_quantity == null ? NaN : Number(r.requested_quantity),
      ...(r.slot == null ? {} : {
        settlement: { inAmount: big(r.filled_in), outAmount: big(r.filled_out), feeLamports: big(r.fee_lamports), rentLamports: big(r.rent_lamports), slot: Number(r.slot), time: Number(r.fill_time) },
      }),
    };
  }

  private async load(id: string): Promise<JournalRow | undefined> {
    const db = await this.journal();
    if (!db) {
      const r = this.mem.get(id);
      return r && { ...r };
    }
    const r = await db.one(`SELECT * FROM jupiter_orders WHERE client_order_id = ?`, [id]);
    return r ? this.fromRecord(r) : undefined;
  }

  /** Every journal row, oldest settlement first (unsettled rows last). */
  private async rows(): Promise<JournalRow[]> {
    const db = await this.journal();
    const all = db ? (await db.all(`SELECT * FROM jupiter_orders`)).map((r) => this.fromRecord(r)) : [...this.mem.values()].map((r) => ({ ...r }));
    return all.sort((a, b) => (a.settlement?.slot ?? Infinity) - (b.settlement?.slot ?? Infinity) || a.clientOrderId.localeCompare(b.clientOrderId));
  }

  private async save(j: JournalRow): Promise<void> {
    const db = await this.journal();
    if (!db) {
      this.mem.set(j.clientOrderId, { ...j });
      return;
    }
    const s = j.settlement;
    const values = [
      j.clientOrderId, j.inputMint, j.outputMint, j.inAmount.toString(), j.expectedOutAmount.toString(), j.minOutAmount.toString(), j.signature, j.wire, j.lastValidBlockHeight, j.state, j.error ?? null,
      j.swapMode, j.maxInAmount.toString(), j.symbol, j.side, Number.isNaN(j.requestedQuantity) ? null : j.requestedQuantity,
      s?.inAmount.toString() ?? null, s?.outAmount.toString() ?? null, s?.feeLamports.toString() ?? null, s?.rentLamports.toString() ?? null, s?.slot ?? null, s?.time ?? null,
    ];
    await db.exec(`INSERT OR REPLACE INTO jupiter_orders (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => (c === 'updated_at' ? 'now()' : '?')).join(', ')})`, values);
  }

  private fill(j: JournalRow): SwapFill {
    return {
      clientOrderId: j.clientOrderId, state: j.state, signature: j.signature, inputMint: j.inputMint, outputMint: j.outputMint, swapMode: j.swapMode, inAmount: j.inAmount, maxInAmount: j.maxInAmount,
      expectedOutAmount: j.expectedOutAmount, minOutAmount: j.minOutAmount, lastValidBlockHeight: j.lastValidBlockHeight, ...(j.settlement ? { settlement: j.settlement } : {}), ...(j.error ? { error: j.error } : {}),
    };
  }

  /** SOL and every token of the wallet. */
  async balances(): Promise<WalletBalances> {
    const lamports = await this.o.rpc.getBalance(this.address);
    return { owner: this.address, lamports, sol: fromBaseUnits(lamports, SOL_DECIMALS), tokens: await this.o.rpc.getTokenBalances(this.address) };
  }

  /** Non-zero token holdings. */
  async holdings(): Promise<SwapHolding[]> {
    return (await this.o.rpc.getTokenBalances(this.address)).filter((t) => t.amount > 0n).map((t) => ({ ...t, uiAmount: fromBaseUnits(t.amount, t.decimals) }));
  }

  /**
   * Executes (or resumes) one swap; see the module comment.
   * @throws VenueError 'insufficient_balance' (nothing signed or sent), the clients' errors before sending;
   *   after sending, failures are returned as states ('failed', 'expired'), not thrown
   */
  submitOrder(order: SwapOrder): Promise<SwapFill> {
    return this.once(order.clientOrderId, () => this.execute(order, null));
  }

  /** One execution per client id at a time in this process (a second caller shares the first's promise). */
  private once(id: string, run: () => Promise<SwapFill>): Promise<SwapFill> {
    const running = this.inFlight.get(id);
    if (running) return running;
    const p = run().finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, p);
    return p;
  }

  private async execute(order: SwapOrder, port: Pick<JournalRow, 'symbol' | 'side' | 'requestedQuantity'> | null): Promise<SwapFill> {
    const prev = await this.load(order.clientOrderId);
    if (prev) return this.resume(prev);
    const swapMode = order.swapMode ?? 'ExactIn';
    const quote: QuoteResponse = await this.o.jupiter.quote({ inputMint: order.inputMint, outputMint: order.outputMint, amount: order.amount, slippageBps: order.slippageBps, swapMode });
    const inAmount = BigInt(quote.inAmount), outAmount = BigInt(quote.outAmount), threshold = BigInt(quote.otherAmountThreshold);
    const maxIn = swapMode === 'ExactOut' ? threshold : inAmount;
    await this.checkBalance(order.clientOrderId, order.inputMint, maxIn);
    const swap = await this.o.jupiter.swap({ quoteResponse: quote, userPublicKey: this.address, maxPriorityFeeLamports: this.o.maxPriorityFeeLamports });
    const signed = await signSwapTransaction(swap.swapTransaction, this.o.signer);
    const j: JournalRow = {
      clientOrderId: order.clientOrderId, inputMint: order.inputMint, outputMint: order.outputMint, swapMode, inAmount, maxInAmount: maxIn, expectedOutAmount: outAmount,
      minOutAmount: swapMode === 'ExactOut' ? outAmount : threshold, signature: signed.signature, wire: signed.wire, lastValidBlockHeight: swap.lastValidBlockHeight, state: 'signed',
      symbol: port?.symbol ?? null, side: port?.side ?? null, requestedQuantity: port?.requestedQuantity ?? NaN,
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

  /** A journaled order: pending -> resume confirmation; confirmed but unsettled -> settle; else as is. */
  private async resume(j: JournalRow): Promise<SwapFill> {
    if (j.state === 'signed' || j.state === 'sent') return this.confirm(j, true);
    if (j.state === 'confirmed' && !j.settlement) await this.settle(j);
    return this.fill(j);
  }

  /** Refuses an order the wallet cannot pay (before anything is signed); `maxIn` = the most input the swap may take. */
  private async checkBalance(id: string, inputMint: string, maxIn: bigint): Promise<void> {
    const reserve = this.o.feeReserveLamports ?? 10_000_000n;
    const lamports = await this.o.rpc.getBalance(this.address);
    if (inputMint === SOL_MINT) {
      if (lamports < maxIn + reserve) {
        throw new VenueError('solana', 'insufficient_balance', `order ${id}: needs ${fromBaseUnits(maxIn, SOL_DECIMALS)} SOL + ${fromBaseUnits(reserve, SOL_DECIMALS)} SOL fee reserve, wallet has ${fromBaseUnits(lamports, SOL_DECIMALS)} SOL; nothing sent`, undefined, false, { needed: maxIn + reserve, available: lamports });
      }
      return;
    }
    const [tok] = await this.o.rpc.getTokenBalances(this.address, inputMint);
    const have = tok?.amount ?? 0n;
    if (have < maxIn) {
      const d = tok?.decimals ?? (await this.decimalsOf(inputMint));
      throw new VenueError('solana', 'insufficient_balance', `order ${id}: needs ${fromBaseUnits(maxIn, d)} of ${inputMint}, wallet has ${fromBaseUnits(have, d)}; nothing sent`, undefined, false, { needed: maxIn, available: have });
    }
    if (lamports < reserve) throw new VenueError('solana', 'insufficient_balance', `order ${id}: needs ${fromBaseUnits(reserve, SOL_DECIMALS)} SOL for fees, wallet has ${fromBaseUnits(lamports, SOL_DECIMALS)} SOL; nothing sent`, undefined, false, { needed: reserve, available: lamports });
  }

  /** Sends (unless resuming a sent order whose status is already known) and confirms until lastValidBlockHeight; settles a confirmed swap. */
  private async confirm(j: JournalRow, resuming: boolean): Promise<SwapFill> {
    const rpc = this.o.rpc;
    const sleep = this.o.sleep ?? sleepMs;
    const every = this.o.rebroadcastEvery ?? 2;
    const settle = async (state: SwapState, error?: string): Promise<SwapFill> => {
      j.state = state;
      if (error) j.error = error;
      await this.save(j);
      if (state === 'confirmed') await this.settle(j);
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

  /**
   * Reads the confirmed transaction and journals what it moved (step 7).
   * Leaves the row unsettled when the node does not serve it yet (retried later).
   * @throws VenueError 'protocol' when the transaction did not swap the order's mints
   */
  private async settle(j: JournalRow): Promise<void> {
    const polls = this.o.settlePolls ?? 10;
    for (let i = 0; i < polls; i++) {
      const tx = await this.o.rpc.getTransaction(j.signature!);
      if (tx) {
        const s = settlementOf(tx, this.address);
        const { inAmount, outAmount } = swapAmounts(s, j.inputMint, j.outputMint, `order ${j.clientOrderId} (${j.signature})`);
        j.settlement = { inAmount, outAmount, feeLamports: s.feeLamports, rentLamports: s.rentLamports, slot: s.slot, time: s.time ?? Date.now() };
        await this.save(j);
        return;
      }
      await (this.o.sleep ?? sleepMs)(this.o.pollMs ?? 1500);
    }
  }

  // ---- Broker port ----

  private market(symbol: string): SwapMarket {
    const m = this.markets[symbol];
    if (!m) throw new BrokerError(`jupiter: no market ${symbol} (configured: ${Object.keys(this.markets).join(', ') || 'none'})`, 'reject', 'BadSymbol');
    return m;
  }

  private async decimalsOf(mint: string): Promise<number> {
    let d = this.decimals.get(mint);
    if (d === undefined) {
      d = await this.o.rpc.getMintDecimals(mint);
      this.decimals.set(mint, d);
    }
    return d;
  }

  /** Base units of `mint` held by the wallet (SOL: native lamports). */
  private async held(mint: string): Promise<bigint> {
    if (mint === SOL_MINT) return this.o.rpc.getBalance(this.address);
    const [t] = await this.o.rpc.getTokenBalances(this.address, mint);
    return t?.amount ?? 0n;
  }

  /** The Broker view of a journal row (null for a swap not sent through the port). */
  private async stateOf(j: JournalRow): Promise<OrderState> {
    const o = { clientOrderId: j.clientOrderId, symbol: j.symbol ?? `${j.outputMint}/${j.inputMint}`, side: j.side ?? 'buy', quantity: j.requestedQuantity };
    const sig = j.signature ?? '';
    if (j.state === 'signed' || j.state === 'sent') return orderState(o, sig, 'open');
    if (j.state === 'failed') return orderState(o, sig, 'rejected', undefined, j.error);
    if (j.state === 'expired') return orderState(o, sig, 'canceled', undefined, j.error);
    // confirmed but its amounts not read yet: still 'open' (a fill at made-up amounts would be wrong)
    if (!j.settlement) return orderState(o, sig, 'open');
    if (!j.symbol) return orderState(o, sig, 'filled');
    const f = await fillOfSwap(this.settled(j), this.market(j.symbol), (m) => this.decimalsOf(m));
    return orderState(o, sig, 'filled', { quantity: f.quantity, price: f.price });
  }

  private settled(j: JournalRow) {
    const s = j.settlement!;
    return { clientOrderId: j.clientOrderId, signature: j.signature!, symbol: j.symbol!, side: j.side!, inputMint: j.inputMint, outputMint: j.outputMint, inAmount: s.inAmount, outAmount: s.outAmount, feeLamports: s.feeLamports, slot: s.slot, time: s.time };
  }

  /**
   * Broker port: one market order as one swap (see the module comment).
   * @throws BrokerError 'reject' (unknown symbol, limit order, attached stops, reduce-only buy, sell beyond the holding, insufficient balance, no route),
   *   'retry' (rate limit, network), 'halt' (auth, protocol)
   */
  async submit(o: OrderRequest): Promise<OrderState> {
    try {
      const prev = await this.load(o.clientOrderId);
      if (prev) {
        await this.once(o.clientOrderId, () => this.resume(prev));
        return this.stateOf((await this.load(o.clientOrderId))!);
      }
      const m = this.market(o.symbol);
      if (o.type !== 'market') throw new BrokerError(`jupiter: order ${o.clientOrderId}: a swap venue executes market orders only, got ${o.type}`, 'reject', 'OrderNotSupported');
      if (o.stops && [o.stops.stopLoss, o.stops.takeProfit, o.stops.trailingStop].some((x) => Number.isFinite(x))) throw new BrokerError(`jupiter: order ${o.clientOrderId}: attached protective stops cannot be placed on a swap venue`, 'reject', 'AttachedStopsNotSupported');
      if ((o.quantity === undefined) === (o.notional === undefined)) throw new BrokerError(`jupiter: order ${o.clientOrderId} needs exactly one of quantity and notional`, 'reject', 'BadOrder');
      if (o.reduceOnly && o.side === 'buy') throw new BrokerError(`jupiter: reduce-only buy ${o.clientOrderId} cannot reduce a spot position (no shorts)`, 'reject', 'ReduceOnly');
      const swap = await swapOfOrder(o, m, (x) => this.decimalsOf(x));
      if (o.side === 'sell' && o.quantity !== undefined) {
        const have = await this.held(m.base);
        if (swap.amount > have) throw new BrokerError(`jupiter: sell ${o.clientOrderId} of ${o.quantity} exceeds the holding ${baseUnitsToFloat(have, await this.decimalsOf(m.base))} of ${o.symbol} (spot: no shorts)`, 'reject', 'NoShortSelling');
      }
      const order: SwapOrder = { clientOrderId: o.clientOrderId, ...swap, slippageBps: this.o.slippageBps };
      const port = { symbol: o.symbol, side: o.side, requestedQuantity: o.quantity ?? NaN };
      await this.once(o.clientOrderId, () => this.execute(order, port));
      return this.stateOf((await this.load(o.clientOrderId))!);
    } catch (err) {
      throw brokerErrorOf(err);
    }
  }

  /** A sent swap cannot be recalled: returns the order's state (null when unknown). */
  async cancel(clientOrderId: string): Promise<OrderState | null> {
    return this.order(clientOrderId);
  }

  /** State of one order by client id (a confirmed, unsettled one is settled first), or null. */
  async order(clientOrderId: string): Promise<OrderState | null> {
    const j = await this.load(clientOrderId);
    if (!j) return null;
    if (j.state === 'confirmed' && !j.settlement) await this.settle(j);
    return this.stateOf(j);
  }

  /** Swaps signed or sent but not settled (after a restart: `submit` waits for the outcome), or confirmed with amounts not read yet. */
  async openOrders(): Promise<OrderState[]> {
    const open = (await this.rows()).filter((j) => j.state === 'signed' || j.state === 'sent' || (j.state === 'confirmed' && !j.settlement));
    return Promise.all(open.map((j) => this.stateOf(j)));
  }

  /** Fills of settled Broker-port swaps with slot >= afterSeq (a slot may hold several swaps, so the boundary slot is repeated), in slot order. */
  async events(afterSeq: number): Promise<VenueEvent[]> {
    const out: VenueEvent[] = [];
    for (const j of await this.rows()) {
      if (j.state !== 'confirmed' || !j.symbol) continue;
      if (!j.settlement) await this.settle(j);
      if (j.settlement && j.settlement.slot >= afterSeq) out.push(await fillOfSwap(this.settled(j), this.market(j.symbol), (m) => this.decimalsOf(m)));
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** The wallet's holdings of each market's base mint (long only; entry price unknown to the chain: NaN). */
  async positions(): Promise<VenuePosition[]> {
    const out: VenuePosition[] = [];
    for (const [symbol, m] of Object.entries(this.markets)) {
      const units = await this.held(m.base);
      if (units > 0n) out.push({ symbol, quantity: baseUnitsToFloat(units, await this.decimalsOf(m.base)), entryPrice: NaN });
    }
    return out;
  }

  /** The wallet's holding of the quote mint, whole units (SOL: native lamports / 1e9). */
  async balance(): Promise<Balance> {
    if (!this.quoteMint) throw new BrokerError('jupiter: no markets configured (JupiterBrokerOptions.markets)', 'halt', 'NoMarkets');
    return { asset: this.quoteMint, total: baseUnitsToFloat(await this.held(this.quoteMint), await this.decimalsOf(this.quoteMint)) };
  }
}
