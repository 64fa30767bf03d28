/**
 * The `Broker` port: what the trading engine needs from a venue, and nothing
 * venue-specific (it lives in lib/venues so venue adapters implement it
 * without importing lib/trade; lib/trade/broker.ts re-exports it). Implementations: `PaperBroker` (lib/trade/paper.ts, the
 * backtest's fill conventions on replayed or live bars), `CcxtBroker`
 * (lib/venues, any ccxt exchange) and `JupiterBroker` (lib/venues/jupiter,
 * Solana swaps; its header says what a swap venue does differently). Every
 * implementation passes the contract suite in `test/helpers/broker-contract.ts`.
 *
 * Contract (each point is checked by the suite):
 * - `submit` is idempotent by `clientOrderId`: submitting an id the venue
 *   already knows returns that order's state and sends nothing (this is what
 *   makes a restart after kill -9 safe: the engine resubmits with the same id).
 * - Market orders are given by base quantity or by quote notional (exactly one).
 * - Fills are reported by `events(afterSeq)` with a venue-unique, stable
 *   `fillId` and a non-decreasing `seq` (the paper venue: a counter; ccxt:
 *   the trade time); every event with seq > afterSeq is returned, events at
 *   seq == afterSeq may be repeated, and the engine ignores ids it has.
 *   Funding payments likewise.
 * - Errors are {@link BrokerError} with a `kind` saying what the engine does:
 *   `retry` (network, rate limit: same client id again later), `reject` (this
 *   order is refused: insufficient funds, bad size), `halt` (authentication,
 *   unknown state: stop trading).
 * Units: quantities in base units (> 0; the side gives the sign), prices and
 * notionals in quote units, fees in quote units, times epoch ms UTC. A fee a
 * venue charges in another asset (a Solana swap's network fee in SOL) is
 * listed in `Fill.otherFees` in that asset's units, never converted.
 */

/** Buy or sell. */
export type OrderSide = 'buy' | 'sell';

/** Protective exits attached to the position an order opens, as fractions of its entry fill price (NaN = off); venue-side (paper: simulated with lib/risk `checkStops`). */
export interface AttachedStops {
  stopLoss: number;
  takeProfit: number;
  trailingStop: number;
}

/** An order as the engine sends it. */
export interface OrderRequest {
  /** Idempotency key chosen by the engine (deterministic: strategy, bar, asset, intent); at most 36 characters (Binance's limit). */
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  type: 'market' | 'limit';
  /** Base quantity (> 0). Exactly one of quantity / notional. */
  quantity?: number;
  /** Quote notional (> 0): quantity = notional / fill price, fee on the notional. */
  notional?: number;
  /** Limit price (type 'limit'). */
  limitPrice?: number;
  /** Only reduce an existing position. */
  reduceOnly?: boolean;
  /** Protective exits for the position this order opens. */
  stops?: AttachedStops;
  /** Why the order exists ('entry', 'signal', 'reverse', 'flatten', 'rule:...'); journaled, not sent. */
  tag?: string;
}

/** Lifecycle of an order. */
export type OrderStatus = 'open' | 'filled' | 'canceled' | 'rejected';

/** An order as the venue knows it. */
export interface OrderState {
  clientOrderId: string;
  venueOrderId: string;
  symbol: string;
  side: OrderSide;
  type: 'market' | 'limit';
  status: OrderStatus;
  /** Requested base quantity (NaN for a notional order until filled). */
  quantity: number;
  filledQuantity: number;
  /** Average fill price (NaN when nothing filled). */
  averagePrice: number;
  /** Venue's reason for a rejection. */
  reason?: string;
}

/** Why a fill happened: an order of the engine, or a venue-side protective exit. */
export type FillCause = 'order' | 'stop_loss' | 'take_profit' | 'trailing_stop';

/** A fee charged in an asset other than the quote, in that asset's whole units (e.g. `{asset: 'SOL', amount: 0.00001}`). */
export interface AssetFee {
  asset: string;
  amount: number;
}

/** One execution. */
export interface Fill {
  kind: 'fill';
  /** Venue-unique, stable across restarts. */
  fillId: string;
  /** Non-decreasing per venue (see the contract). */
  seq: number;
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  quantity: number;
  /** Fill price, slippage included. */
  price: number;
  /** Fee paid, quote units. */
  fee: number;
  /** Fees paid in other assets (not included in `fee`, not converted); absent when none. */
  otherFees?: readonly AssetFee[];
  /** Notional the fee was charged on (quantity x price, or the order's notional). */
  notional: number;
  time: number;
  cause: FillCause;
}

/** A funding payment of a perpetual position (positive = paid by the account). */
export interface FundingPayment {
  kind: 'funding';
  fundingId: string;
  seq: number;
  symbol: string;
  amount: number;
  time: number;
}

/** A fill or funding payment, in venue order. */
export type VenueEvent = Fill | FundingPayment;

/** A position as the venue reports it (signed quantity, 0 = flat). */
export interface VenuePosition {
  symbol: string;
  quantity: number;
  entryPrice: number;
}

/** Account balance in the quote asset. */
export interface Balance {
  asset: string;
  /** Cash (paper: initial cash + realized flows; futures: wallet balance). */
  total: number;
}

/** What the engine does after an error. */
export type BrokerErrorKind = 'retry' | 'reject' | 'halt';

/** An error from a broker, classified for the engine (shaped like lib/llm `LlmError`). */
export class BrokerError extends Error {
  constructor(
    message: string,
    /** retry = try again with the same client order id; reject = this order is refused; halt = stop trading. */
    readonly kind: BrokerErrorKind,
    /** Venue-specific code or class name ('InsufficientFunds', 'DDoSProtection', ...). */
    readonly code: string,
  ) {
    super(message);
    this.name = 'BrokerError';
  }
  /** Whether the same request may be sent again. */
  get retryable(): boolean {
    return this.kind === 'retry';
  }
}

/** The venue port of the trading engine (see the module header for the contract). */
export interface Broker {
  /** Venue name for the journal ('paper', 'binanceusdm', ...). */
  readonly venue: string;
  /** Sends an order, or returns the known one for a client id already sent. @throws BrokerError */
  submit(order: OrderRequest): Promise<OrderState>;
  /** Cancels an open order; returns its final state, or null when unknown. @throws BrokerError */
  cancel(clientOrderId: string): Promise<OrderState | null>;
  /** State of one order by client id, or null when the venue never received it. */
  order(clientOrderId: string): Promise<OrderState | null>;
  /** Orders still open. */
  openOrders(): Promise<OrderState[]>;
  /** Fills and funding payments with seq > afterSeq, in seq order. */
  events(afterSeq: number): Promise<VenueEvent[]>;
  /** Non-flat positions. */
  positions(): Promise<VenuePosition[]>;
  /** Quote-asset balance. */
  balance(): Promise<Balance>;
  /**
   * Venues that hold protective orders (exchange-side stops; the paper venue
   * simulates them instead and leaves this out): places the stop loss / take
   * profit of `position` (signed quantity, entry price) as reduce-only
   * conditional orders with client ids derived from `baseClientOrderId`.
   * Idempotent: ids the venue already knows are returned, not placed again.
   */
  protect?(position: VenuePosition, stops: AttachedStops, baseClientOrderId: string): Promise<OrderState[]>;
  /**
   * Venues that hold protective orders: cancels those of positions that are
   * closed (or flipped), and replaces those larger than a reduced position
   * (same trigger, the position's size). @returns orders canceled and placed
   */
  maintainProtection?(): Promise<{ canceled: number; placed: number }>;
}

/** Signed quantity of an order side: +1 buy, -1 sell. */
export function sideSign(side: OrderSide): 1 | -1 {
  return side === 'buy' ? 1 : -1;
}
