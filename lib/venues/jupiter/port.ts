/**
 * The `Broker` port's vocabulary (lib/venues/broker.ts) in swap terms, as
 * pure functions used by `JupiterBroker`:
 * - a market `symbol` 'BASE/QUOTE' is a pair of mints ({@link SwapMarket});
 * - an order -> one swap ({@link swapOfOrder}): buy quantity = ExactOut of
 *   the base (Jupiter `swapMode=ExactOut`: `amount` is the output, the quote's
 *   `otherAmountThreshold` the most input paid), buy notional = ExactIn of the
 *   quote, sell quantity = ExactIn of the base, sell notional = ExactOut of
 *   the quote;
 * - a settled swap -> a `Fill` ({@link fillOfSwap}) whose quantity, price and
 *   notional are the amounts the confirmed transaction moved;
 * - venue errors -> `BrokerError` kinds ({@link brokerErrorOf}).
 *
 * @module
 */
import { BrokerError, type AssetFee, type BrokerErrorKind, type Fill, type OrderRequest, type OrderSide, type OrderState } from '../broker.js';
import { VenueError, type VenueErrorCode } from '../errors.js';
import { fromBaseUnits, SOL_DECIMALS, SOL_MINT, toBaseUnits } from './units.js';

/** One tradable market of the swap broker: base and quote mints (the quote is what `balance()` reports). */
export interface SwapMarket {
  readonly base: string;
  readonly quote: string;
}

/** A swap as the broker executes it for an order. */
export interface PortSwap {
  readonly inputMint: string;
  readonly outputMint: string;
  readonly swapMode: 'ExactIn' | 'ExactOut';
  /** Base units: of the input (ExactIn) or of the output (ExactOut). */
  readonly amount: bigint;
}

/** Decimal count of a mint, as the broker knows it. */
export type DecimalsOf = (mint: string) => Promise<number>;

/** `x` (a positive float in whole units) in base units, rounded to the nearest unit. */
export function floatToBaseUnits(x: number, decimals: number): bigint {
  return toBaseUnits(x.toFixed(decimals), decimals);
}

/** Base units as a float in whole units (exact up to 2^53 units). */
export function baseUnitsToFloat(units: bigint, decimals: number): number {
  return Number(fromBaseUnits(units, decimals));
}

/**
 * The swap that executes `o` on `m` (see the module header for the four cases).
 * @throws BrokerError 'reject' for a size that is not a positive finite number or rounds to 0 base units
 */
export async function swapOfOrder(o: OrderRequest, m: SwapMarket, decimalsOf: DecimalsOf): Promise<PortSwap> {
  const byQuantity = o.quantity !== undefined;
  const size = byQuantity ? o.quantity! : o.notional!;
  if (!(size > 0 && Number.isFinite(size))) throw new BrokerError(`order ${o.clientOrderId}: size must be a positive finite number, got ${size}`, 'reject', 'BadOrder');
  const sizedMint = byQuantity ? m.base : m.quote;
  const amount = floatToBaseUnits(size, await decimalsOf(sizedMint));
  if (amount <= 0n) throw new BrokerError(`order ${o.clientOrderId}: ${size} rounds to 0 base units of ${sizedMint}`, 'reject', 'BadOrder');
  const [inputMint, outputMint] = o.side === 'buy' ? [m.quote, m.base] : [m.base, m.quote];
  // the sized mint is the output of a buy by quantity and of a sell by notional
  const swapMode = sizedMint === outputMint ? 'ExactOut' : 'ExactIn';
  return { inputMint, outputMint, swapMode, amount };
}

/** What a settled swap moved, with the broker's view of the order. */
export interface SettledSwap {
  readonly clientOrderId: string;
  readonly signature: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly inputMint: string;
  readonly outputMint: string;
  /** Base units the wallet paid / received (from the confirmed transaction). */
  readonly inAmount: bigint;
  readonly outAmount: bigint;
  readonly feeLamports: bigint;
  readonly slot: number;
  /** Epoch ms. */
  readonly time: number;
}

/**
 * The `Fill` of a settled swap: quantity = base units moved, price = quote
 * per base (both from the transaction), notional = quote moved. The network
 * + priority fee is in SOL: it is `fee` when the quote IS SOL, otherwise
 * `fee` is 0 and the SOL amount is in `otherFees` (never converted; the AMM
 * fee is inside the price, as on every swap venue).
 */
export async function fillOfSwap(s: SettledSwap, m: SwapMarket, decimalsOf: DecimalsOf): Promise<Fill> {
  const [baseUnits, quoteUnits] = s.side === 'buy' ? [s.outAmount, s.inAmount] : [s.inAmount, s.outAmount];
  const quantity = baseUnitsToFloat(baseUnits, await decimalsOf(m.base));
  const notional = baseUnitsToFloat(quoteUnits, await decimalsOf(m.quote));
  const solFee = baseUnitsToFloat(s.feeLamports, SOL_DECIMALS);
  const quoteIsSol = m.quote === SOL_MINT;
  const otherFees: AssetFee[] = !quoteIsSol && s.feeLamports > 0n ? [{ asset: 'SOL', amount: solFee }] : [];
  return {
    kind: 'fill', fillId: s.signature, seq: s.slot, clientOrderId: s.clientOrderId, symbol: s.symbol, side: s.side, quantity, price: notional / quantity,
    fee: quoteIsSol ? solFee : 0, notional, time: s.time, cause: 'order', ...(otherFees.length ? { otherFees } : {}),
  };
}

/** The engine's error kind for a venue error code. */
const KIND: Record<VenueErrorCode, BrokerErrorKind> = {
  unreachable: 'retry', timeout: 'retry', rate_limited: 'retry', concurrency_limit: 'retry',
  insufficient_balance: 'reject', bad_request: 'reject', unsupported: 'reject', transaction_failed: 'reject', expired: 'reject', expression: 'reject',
  auth: 'halt', persona: 'halt', credentials: 'halt', protocol: 'halt', http: 'halt',
};

/** A venue error as the engine's BrokerError (5xx and other retryable HTTP answers: 'retry'); other errors pass through. */
export function brokerErrorOf(err: unknown): unknown {
  if (!(err instanceof VenueError)) return err;
  const kind = err.code === 'http' && err.retryable ? 'retry' : KIND[err.code];
  return new BrokerError(`${err.venue}: ${err.message}`, kind, err.code);
}

/** An OrderState with the broker's fixed fields (a swap is a market order, never partially filled). */
export function orderState(o: { clientOrderId: string; symbol: string; side: OrderSide; quantity: number }, venueOrderId: string, status: OrderState['status'], filled?: { quantity: number; price: number }, reason?: string): OrderState {
  return {
    clientOrderId: o.clientOrderId, venueOrderId, symbol: o.symbol, side: o.side, type: 'market', status, quantity: o.quantity,
    filledQuantity: filled?.quantity ?? 0, averagePrice: filled?.price ?? NaN, ...(reason ? { reason } : {}),
  };
}
