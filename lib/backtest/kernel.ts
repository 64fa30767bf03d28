/**
 * The event-aware vectorized bar simulator: one tight loop over typed arrays
 * for one or many assets that share one cash account. Pure computation, no
 * I/O and no per-bar allocation (vectorbt-style `simulate_from_signals`).
 *
 * Execution conventions (all stated here once; the public docs refer to them):
 *
 * - Signals. A signal row `t` is known at the close of bar `t` (it may use
 *   data up to and including bar `t`'s close, never later).
 * - Fills. `fill = 'nextOpen'` (default): an order from signal row `t` fills
 *   at the open of bar `t + 1`. `fill = 'close'`: it fills at the close of
 *   bar `t` itself (the signal and the fill share the closing price, the
 *   vectorbt default). Fill prices are market prices moved against the trader
 *   by the slippage: buys at `price * (1 + s)`, sells at `price * (1 - s)`.
 * - Slippage `s` (fraction) = `slippageBps / 1e4 + impact * sqrt(orderNotional / barDollarVolume)`
 *   (square-root market-impact law; `barDollarVolume = volume * price` of the
 *   fill bar; the impact term is 0 when `impact = 0` or the volume is missing or 0).
 *   `s` is capped at 0.5.
 * - Fees: `feeBps / 1e4` of the traded notional (fill price x quantity), on
 *   every fill (entry, exit, stop), paid from cash; at least `minFee` per fill,
 *   plus `sellTaxBps / 1e4` of the notional on sells (lib/risk `orderFee`).
 * - Signal logic per asset. Long: enter on `longEntry && !longExit`, exit on
 *   `longExit || shortEntry`; short: symmetric. When the exit is caused by an
 *   opposite entry, the position is reversed at the same fill (reason
 *   `'reverse'` on the closed trade). `longEntry && shortEntry` on a flat
 *   asset opens nothing. No pyramiding: an entry while already in a position
 *   on the same side is ignored. All exits of a bar are filled before its
 *   entries; entries are filled in asset order while fewer than
 *   `maxOpenPositions` positions are open.
 * - Sizing at entry: `fixedFraction` -> notional = `fraction * equity`;
 *   `volTarget` -> notional = `equity * min(maxLeverage, targetVol / sigma)`
 *   with `sigma` the annualized std of close-to-close log returns over the
 *   `lookback` bars up to the signal bar (no entry while sigma is unknown).
 *   `equity` is cash plus positions marked at the fill prices (or the last
 *   close for assets without a price at the fill). Quantity = notional / fill price.
 * - Stops, checked on every bar after the entry fill (for `nextOpen` fills
 *   this includes the entry bar itself, whose whole range follows the open fill):
 *   stop loss at `entry * (1 -/+ stopLoss)`, take profit at
 *   `entry * (1 +/- takeProfit)`, trailing stop at `extreme * (1 -/+ trailingStop)`
 *   where `extreme` is the best high (long) / low (short) of the bars before
 *   the current one since entry, starting at the entry fill price (the
 *   current bar's high/low only moves the trail from the next bar on, so no
 *   intrabar order has to be assumed). `entry` is the entry fill price
 *   (slippage included). A bar that opens beyond a level (gap) fills at its
 *   open. Otherwise a stop fills at its level when the bar's low (long) or
 *   high (short) reaches it, and a take profit when the high (long) / low
 *   (short) reaches it. Rule for bars that touch both: the stop (the
 *   tighter of stop loss and trailing stop) is assumed hit first (the
 *   conservative convention). Stop fills pay slippage and fees like any fill.
 *   The rule is the one pure function `checkStops` of `lib/risk/stops.ts`
 *   (shared with the paper broker); slippage and fill prices come from
 *   `lib/risk/fills.ts`.
 * - Funding (perpetual futures): at each bar `t` a position held just after
 *   the bar's open (after `nextOpen` fills) pays `qty * open[t] * funding[t]`
 *   (`funding` = the panel's `funding_event` field, sum of the rates settled
 *   in [open, open + 1 bar)); longs pay positive rates, shorts receive them.
 * - Missing prices. An asset whose fill price is NaN at a bar neither enters
 *   nor exits there (the order is dropped, not delayed); a position is marked
 *   at its last finite close; stops skip bars whose high/low is NaN.
 * - Equity at bar `t` = cash + sum(qty * close[t]), marked at the close.
 *   Open positions at the end of the range are marked, not closed.
 *
 * Implementation: one bar loop for many assets (`simulateBars`) and a
 * one-asset specialization with the position in local scalars
 * (`simulateBars1`, used when N = 1); fills and stop exits go through shared
 * helpers, so both loops give bit-identical results (tested).
 */

import { fillPrice, orderFee, slippageFraction } from '../risk/fills.js';
import { checkStops, stopHit, stopsActive, stopsLong, stopsShort } from '../risk/stops.js';

/** Result slot of the shared stop rule (one per module: the kernel is single-threaded and not re-entrant). */
const HIT = stopHit();

/** Market arrays of a panel, dates x assets (date-major, length T*N). */
export interface MarketArrays {
  /** Number of bars. */
  T: number;
  /** Number of assets. */
  N: number;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  /** Bar volume in base units (for volume slippage), or null. */
  volume: Float64Array | null;
  /** Funding settled within each bar (fraction of notional), or null for no funding. */
  funding: Float64Array | null;
}

/** Signal masks, dates x assets (1 = true). A null mask is all false. */
export interface SignalMasks {
  longEntry: Uint8Array | null;
  longExit: Uint8Array | null;
  shortEntry: Uint8Array | null;
  shortExit: Uint8Array | null;
}

/** Numeric kernel parameters (see the module comment for semantics). NaN disables a stop. */
export interface KernelParams {
  fillAtClose: boolean;
  feeRate: number;
  /** Tax on sells, fraction of notional (A-share stamp duty). Default 0. */
  sellTaxRate?: number;
  /** Minimum commission per fill, cash units. Default 0. */
  minFee?: number;
  slipRate: number;
  impact: number;
  initialCash: number;
  /** 0 = fixed fraction, 1 = volatility target. */
  sizing: 0 | 1;
  fraction: number;
  targetVol: number;
  maxLeverage: number;
  stopLoss: number;
  takeProfit: number;
  trailingStop: number;
  maxOpenPositions: number;
  start: number;
  end: number;
}

/** Exit reasons, in the order of their numeric codes. */
export const EXIT_REASONS = ['signal', 'reverse', 'stop_loss', 'take_profit', 'trailing_stop', 'open'] as const;
/** Why a trade was closed; `'open'` = still open at the end (marked to market). */
export type ExitReason = (typeof EXIT_REASONS)[number];

/** Scalar results of a kernel run (always computed, also in grid mode). */
export interface KernelSummary {
  nTrades: number;
  nWins: number;
  grossProfit: number;
  grossLoss: number;
  sumTradeReturn: number;
  sumHoldingBars: number;
  tradedNotional: number;
  totalFees: number;
  totalFunding: number;
  exposedBars: number;
  nEntrySignals: number;
  /** One-pass sums of the per-bar equity returns (first bar against initialCash) and of their squares. */
  retSum: number;
  retSumSq: number;
  /** Sum of squared negative returns (downside deviation with target 0). */
  retDownSq: number;
  /** Largest fall of equity from its running peak (peak starts at initialCash), positive fraction. */
  maxDrawdown: number;
}

/** Trade records collected when recording (struct of arrays, grown on demand). */
export class TradeLog {
  n = 0;
  asset = new Int32Array(64);
  side = new Int8Array(64);
  signalIdx = new Int32Array(64);
  entryIdx = new Int32Array(64);
  exitIdx = new Int32Array(64);
  qty = new Float64Array(64);
  entryPrice = new Float64Array(64);
  exitPrice = new Float64Array(64);
  pnl = new Float64Array(64);
  fees = new Float64Array(64);
  funding = new Float64Array(64);
  reason = new Uint8Array(64);

  /** Appends one trade (grows the arrays by doubling). */
  push(asset: number, side: number, signalIdx: number, entryIdx: number, exitIdx: number, qty: number, entryPrice: number, exitPrice: number, pnl: number, fees: number, funding: number, reason: number): void {
    if (this.n === this.asset.length) this.grow();
    const i = this.n++;
    this.asset[i] = asset;
    this.side[i] = side;
    this.signalIdx[i] = signalIdx;
    this.entryIdx[i] = entryIdx;
    this.exitIdx[i] = exitIdx;
    this.qty[i] = qty;
    this.entryPrice[i] = entryPrice;
    this.exitPrice[i] = exitPrice;
    this.pnl[i] = pnl;
    this.fees[i] = fees;
    this.funding[i] = funding;
    this.reason[i] = reason;
  }

  private grow(): void {
    const m = this.asset.length * 2;
    const g = <A extends Int32Array | Int8Array | Float64Array | Uint8Array>(a: A): A => {
      const b = new (a.constructor as new (n: number) => A)(m);
      b.set(a);
      return b;
    };
    this.asset = g(this.asset);
    this.side = g(this.side);
    this.signalIdx = g(this.signalIdx);
    this.entryIdx = g(this.entryIdx);
    this.exitIdx = g(this.exitIdx);
    this.qty = g(this.qty);
    this.entryPrice = g(this.entryPrice);
    this.exitPrice = g(this.exitPrice);
    this.pnl = g(this.pnl);
    this.fees = g(this.fees);
    this.funding = g(this.funding);
    this.reason = g(this.reason);
  }
}

/** Reusable per-asset state buffers of the kernel (allocate once per N, reuse across runs). */
export class KernelScratch {
  readonly qty: Float64Array;
  readonly entryPx: Float64Array;
  readonly entryNotional: Float64Array;
  readonly entryIdx: Int32Array;
  readonly signalIdx: Int32Array;
  readonly tradeFees: Float64Array;
  readonly tradeFunding: Float64Array;
  readonly extreme: Float64Array;
  readonly lastClose: Float64Array;
  constructor(readonly N: number) {
    this.qty = new Float64Array(N);
    this.entryPx = new Float64Array(N);
    this.entryNotional = new Float64Array(N);
    this.entryIdx = new Int32Array(N);
    this.signalIdx = new Int32Array(N);
    this.tradeFees = new Float64Array(N);
    this.tradeFunding = new Float64Array(N);
    this.extreme = new Float64Array(N);
    this.lastClose = new Float64Array(N);
  }
}

/** Simulator state: inputs, per-asset buffers and accumulators (one monomorphic object, so the helpers below are plain module functions, not per-run closures). */
class Sim {
  readonly N: number;
  readonly open: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array | null;
  readonly le: Uint8Array | null;
  readonly lx: Uint8Array | null;
  readonly se: Uint8Array | null;
  readonly sx: Uint8Array | null;
  readonly sigma: Float64Array | null;
  readonly feeRate: number;
  readonly sellTaxRate: number;
  readonly minFee: number;
  readonly slipRate: number;
  readonly impact: number;
  readonly sizing: number;
  readonly fraction: number;
  readonly targetVol: number;
  readonly maxLeverage: number;
  readonly maxOpen: number;
  readonly qty: Float64Array;
  readonly entryPx: Float64Array;
  readonly entryNotional: Float64Array;
  readonly entryIdx: Int32Array;
  readonly signalIdx: Int32Array;
  readonly tradeFees: Float64Array;
  readonly tradeFunding: Float64Array;
  readonly extreme: Float64Array;
  readonly lastClose: Float64Array;
  readonly trades: TradeLog | null;
  cash: number;
  nOpen = 0;
  nTrades = 0;
  nWins = 0;
  grossProfit = 0;
  grossLoss = 0;
  sumRet = 0;
  sumHold = 0;
  traded = 0;
  totalFees = 0;
  nEntrySignals = 0;
  totalFunding = 0;
  exposedBars = 0;
  retSum = 0;
  retSumSq = 0;
  retDownSq = 0;
  maxDd = 0;

  constructor(m: MarketArrays, s: SignalMasks, sigma: Float64Array | null, p: KernelParams, sc: KernelScratch, trades: TradeLog | null) {
    this.N = m.N;
    this.open = m.open;
    this.close = m.close;
    this.volume = m.volume;
    this.le = s.longEntry;
    this.lx = s.longExit;
    this.se = s.shortEntry;
    this.sx = s.shortExit;
    this.sigma = sigma;
    this.feeRate = p.feeRate;
    this.sellTaxRate = p.sellTaxRate ?? 0;
    this.minFee = p.minFee ?? 0;
    this.slipRate = p.slipRate;
    this.impact = p.impact;
    this.sizing = p.sizing;
    this.fraction = p.fraction;
    this.targetVol = p.targetVol;
    this.maxLeverage = p.maxLeverage;
    this.maxOpen = p.maxOpenPositions;
    this.qty = sc.qty;
    this.entryPx = sc.entryPx;
    this.entryNotional = sc.entryNotional;
    this.entryIdx = sc.entryIdx;
    this.signalIdx = sc.signalIdx;
    this.tradeFees = sc.tradeFees;
    this.tradeFunding = sc.tradeFunding;
    this.extreme = sc.extreme;
    this.lastClose = sc.lastClose;
    this.trades = trades;
    this.cash = p.initialCash;
  }
}

/** Slippage fraction of an order of `notional` at panel index i and market price `price` (lib/risk `slippageFraction`). */
function slipOf(st: Sim, i: number, price: number, notional: number): number {
  const v = st.volume;
  return slippageFraction(st.slipRate, st.impact, v === null ? NaN : v[i]!, price, notional);
}

/** Closes asset a's position at raw market price px (bar t, panel index i). */
function closePos(st: Sim, a: number, t: number, i: number, px: number, reason: number): void {
  const q = st.qty[a]!;
  const aq = q > 0 ? q : -q;
  const f = slipOf(st, i, px, aq * px);
  const fill = fillPrice(-q, px, f);
  const notional = aq * fill;
  const fee = orderFee(notional, q > 0, st.feeRate, st.sellTaxRate, st.minFee);
  st.cash += q * fill - fee;
  st.traded += notional;
  st.totalFees += fee;
  const fees = st.tradeFees[a]! + fee;
  const pnl = q * (fill - st.entryPx[a]!) - fees - st.tradeFunding[a]!;
  st.nTrades++;
  if (pnl > 0) {
    st.nWins++;
    st.grossProfit += pnl;
  } else st.grossLoss -= pnl;
  st.sumRet += pnl / st.entryNotional[a]!;
  st.sumHold += t - st.entryIdx[a]!;
  if (st.trades !== null) st.trades.push(a, q > 0 ? 1 : -1, st.signalIdx[a]!, st.entryIdx[a]!, t, aq, st.entryPx[a]!, fill, pnl, fees, st.tradeFunding[a]!, reason);
  st.qty[a] = 0;
  st.nOpen--;
}

/** Equity with positions marked at `prices[row + a]`, falling back to the last close. */
function equityAt(st: Sim, prices: Float64Array, row: number): number {
  let e = st.cash;
  for (let b = 0; b < st.N; b++) {
    const q = st.qty[b]!;
    if (q !== 0) {
      const px = prices[row + b]!;
      e += q * (px === px ? px : st.lastClose[b]!);
    }
  }
  return e;
}

/** Opens a position on asset a (side +1/-1) at raw price px (bar t, panel index i) from signal row sRow. */
function openPos(st: Sim, a: number, side: number, t: number, i: number, px: number, sRow: number, prices: Float64Array, row: number): void {
  let lev: number;
  if (st.sizing === 0) lev = st.fraction;
  else {
    const sg = st.sigma![sRow * st.N + a]!;
    if (!(sg > 0)) return;
    lev = st.targetVol / sg;
    if (lev > st.maxLeverage) lev = st.maxLeverage;
  }
  const eq = equityAt(st, prices, row);
  if (!(eq > 0)) return;
  const target = eq * lev;
  const f = slipOf(st, i, px, target);
  const fill = fillPrice(side, px, f);
  const aq = target / fill;
  const fee = orderFee(target, side < 0, st.feeRate, st.sellTaxRate, st.minFee);
  st.cash -= side * aq * fill + fee;
  st.traded += target;
  st.totalFees += fee;
  st.qty[a] = side * aq;
  st.entryPx[a] = fill;
  st.entryNotional[a] = target;
  st.entryIdx[a] = t;
  st.signalIdx[a] = sRow;
  st.tradeFees[a] = fee;
  st.tradeFunding[a] = 0;
  st.extreme[a] = fill;
  st.nOpen++;
}

/** Exit then entry decisions from signal row sRow, filled at prices[t * N + a]. */
function decide(st: Sim, t: number, sRow: number, prices: Float64Array): void {
  const N = st.N;
  const le = st.le, lx = st.lx, se = st.se, sx = st.sx, qty = st.qty;
  const base = sRow * N;
  const row = t * N;
  for (let a = 0; a < N; a++) {
    const q = qty[a]!;
    if (q === 0) continue;
    const px = prices[row + a]!;
    if (px !== px) continue;
    const j = base + a;
    if (q > 0) {
      const ex = lx !== null && lx[j] === 1;
      if (ex || (se !== null && se[j] === 1)) closePos(st, a, t, row + a, px, ex ? 0 : 1);
    } else {
      const ex = sx !== null && sx[j] === 1;
      if (ex || (le !== null && le[j] === 1)) closePos(st, a, t, row + a, px, ex ? 0 : 1);
    }
  }
  for (let a = 0; a < N; a++) {
    const j = base + a;
    const wantL = le !== null && le[j] === 1 && !(lx !== null && lx[j] === 1);
    const wantS = se !== null && se[j] === 1 && !(sx !== null && sx[j] === 1);
    if (wantL === wantS) continue;
    st.nEntrySignals++;
    if (qty[a] !== 0 || st.nOpen >= st.maxOpen) continue;
    const px = prices[row + a]!;
    if (px !== px) continue;
    openPos(st, a, wantL ? 1 : -1, t, row + a, px, sRow, prices, row);
  }
}

/**
 * The bar loop specialized for one asset: the position's state lives in local
 * scalars (synced with `st` around the rare events: fills and stop exits).
 * Same conventions and results as {@link simulateBars} (a test cross-checks the two).
 */
function simulateBars1(st: Sim, m: MarketArrays, s: SignalMasks, p: KernelParams, equityOut: Float64Array, positionsOut: Float64Array | null): void {
  const open = m.open, high = m.high, low = m.low, close = m.close, funding = m.funding;
  const le = s.longEntry, lx = s.longExit, se = s.shortEntry, sx = s.shortExit;
  const qty = st.qty, entryPx = st.entryPx, entryIdx = st.entryIdx, tradeFunding = st.tradeFunding, extreme = st.extreme;
  const sl = p.stopLoss, tp = p.takeProfit, ts = p.trailingStop;
  const hasStops = sl === sl || tp === tp || ts === ts;
  const atClose = p.fillAtClose;
  const start = p.start, end = p.end;
  let exposedBars = 0, totalFunding = 0;
  let cash = st.cash, nOpen = st.nOpen;
  let q = qty[0]!, ep = entryPx[0]!, ext = extreme[0]!, ei = entryIdx[0]!;
  let lc = st.lastClose[0]!;
  let prevEq = p.initialCash, peakEq = p.initialCash, retSum = 0, retSumSq = 0, retDownSq = 0, maxDd = 0;
  for (let t = start; t < end; t++) {
    if (!atClose && t > start) {
      const j = t - 1;
      if ((le !== null && le[j] === 1) || (se !== null && se[j] === 1) || (q !== 0 && ((lx !== null && lx[j] === 1) || (sx !== null && sx[j] === 1)))) {
        st.cash = cash;
        st.nOpen = nOpen;
        qty[0] = q;
        extreme[0] = ext;
        decide(st, t, j, open);
        cash = st.cash;
        nOpen = st.nOpen;
        q = qty[0]!;
        ep = entryPx[0]!;
        ext = extreme[0]!;
        ei = entryIdx[0]!;
      }
    }
    let exposed = q !== 0;
    if (exposed && funding !== null) {
      const fr = funding[t]!;
      if (fr !== 0 && fr === fr) {
        const op = open[t]!;
        if (op === op) {
          const pay = q * op * fr;
          cash -= pay;
          tradeFunding[0] += pay;
          totalFunding += pay;
        }
      }
    }
    if (exposed && hasStops && stopsActive(t, ei, atClose)) {
      const hi = high[t]!, lo = low[t]!, op = open[t]!;
      if (hi === hi && lo === lo) {
        if (checkStops(q > 0, ep, ext, sl, tp, ts, op, hi, lo, t > ei && op === op, HIT)) {
          st.cash = cash;
          st.nOpen = nOpen;
          qty[0] = q;
          extreme[0] = ext;
          closePos(st, 0, t, t, HIT.price, HIT.reason);
          cash = st.cash;
          nOpen = st.nOpen;
          q = 0;
        } else ext = HIT.extreme;
      }
    }
    if (atClose) {
      st.cash = cash;
      st.nOpen = nOpen;
      qty[0] = q;
      extreme[0] = ext;
      decide(st, t, t, close);
      cash = st.cash;
      nOpen = st.nOpen;
      q = qty[0]!;
      ep = entryPx[0]!;
      ext = extreme[0]!;
      ei = entryIdx[0]!;
    }
    const c = close[t]!;
    if (c === c) lc = c;
    const eq = q !== 0 ? cash + q * lc : cash;
    equityOut[t - start] = eq;
    const r = eq / prevEq - 1;
    prevEq = eq;
    retSum += r;
    retSumSq += r * r;
    if (r < 0) retDownSq += r * r;
    if (eq > peakEq) peakEq = eq;
    else if (eq < peakEq * (1 - maxDd)) maxDd = 1 - eq / peakEq;
    if (positionsOut !== null) positionsOut[t - start] = q;
    if (q !== 0) exposed = true;
    if (exposed) exposedBars++;
  }
  qty[0] = q;
  extreme[0] = ext;
  st.lastClose[0] = lc;
  st.cash = cash;
  st.nOpen = nOpen;
  st.totalFunding = totalFunding;
  st.exposedBars = exposedBars;
  st.retSum = retSum;
  st.retSumSq = retSumSq;
  st.retDownSq = retDownSq;
  st.maxDd = maxDd;
}

/** The bar loop of {@link runKernel} (a function of its own so that the optimizing compiler sees only the hot loop). */
function simulateBars(st: Sim, m: MarketArrays, s: SignalMasks, p: KernelParams, equityOut: Float64Array, positionsOut: Float64Array | null): void {
  const N = m.N;
  const open = m.open, high = m.high, low = m.low, close = m.close, funding = m.funding;
  const le = s.longEntry, lx = s.longExit, se = s.shortEntry, sx = s.shortExit;
  const qty = st.qty, entryPx = st.entryPx, entryIdx = st.entryIdx, tradeFunding = st.tradeFunding, extreme = st.extreme, lastClose = st.lastClose;
  const sl = p.stopLoss, tp = p.takeProfit, ts = p.trailingStop;
  const hasStops = sl === sl || tp === tp || ts === ts;
  const atClose = p.fillAtClose;
  const start = p.start, end = p.end;
  let exposedBars = 0;
  // hot-loop copies of st.cash / st.nOpen (synced around the helper calls, which are rare events)
  let cash = st.cash, nOpen = st.nOpen, totalFunding = 0;
  let prevEq = p.initialCash, peakEq = p.initialCash, retSum = 0, retSumSq = 0, retDownSq = 0, maxDd = 0;
  for (let t = start; t < end; t++) {
    const row = t * N;
    if (!atClose && t > start) {
      // skip the decision pass when signal row t-1 asks nothing of any asset
      const base = (t - 1) * N;
      let act = false;
      for (let a = 0; a < N; a++) {
        const j = base + a;
        if ((le !== null && le[j] === 1) || (se !== null && se[j] === 1) || (qty[a] !== 0 && ((lx !== null && lx[j] === 1) || (sx !== null && sx[j] === 1)))) {
          act = true;
          break;
        }
      }
      if (act) {
        st.cash = cash;
        st.nOpen = nOpen;
        decide(st, t, t - 1, open);
        cash = st.cash;
        nOpen = st.nOpen;
      }
    }
    let exposed = nOpen > 0;
    if (funding !== null && exposed) {
      for (let a = 0; a < N; a++) {
        const q = qty[a]!;
        if (q === 0) continue;
        const fr = funding[row + a]!;
        const op = open[row + a]!;
        if (fr === fr && op === op && fr !== 0) {
          const pay = q * op * fr;
          cash -= pay;
          tradeFunding[a] += pay;
          totalFunding += pay;
        }
      }
    }
    if (hasStops && exposed) {
      st.cash = cash;
      st.nOpen = nOpen;
      for (let a = 0; a < N; a++) {
        const q = qty[a]!;
        if (q === 0) continue;
        const ei = entryIdx[a]!;
        if (!stopsActive(t, ei, atClose)) continue;
        const i = row + a;
        const hi = high[i]!, lo = low[i]!, op = open[i]!;
        if (hi !== hi || lo !== lo) continue;
        const gap = t > ei && op === op;
        if (q > 0 ? stopsLong(entryPx[a]!, extreme[a]!, sl, tp, ts, op, hi, lo, gap, HIT) : stopsShort(entryPx[a]!, extreme[a]!, sl, tp, ts, op, hi, lo, gap, HIT)) closePos(st, a, t, i, HIT.price, HIT.reason);
        else extreme[a] = HIT.extreme;
      }
      cash = st.cash;
      nOpen = st.nOpen;
    }
    if (atClose) {
      st.cash = cash;
      st.nOpen = nOpen;
      decide(st, t, t, close);
      cash = st.cash;
      nOpen = st.nOpen;
    }
    let eq = cash;
    for (let a = 0; a < N; a++) {
      const c = close[row + a]!;
      if (c === c) lastClose[a] = c;
      const q = qty[a]!;
      if (q !== 0) eq += q * lastClose[a]!;
    }
    equityOut[t - start] = eq;
    const r = eq / prevEq - 1;
    prevEq = eq;
    retSum += r;
    retSumSq += r * r;
    if (r < 0) retDownSq += r * r;
    if (eq > peakEq) peakEq = eq;
    else if (eq < peakEq * (1 - maxDd)) maxDd = 1 - eq / peakEq;
    if (positionsOut !== null) {
      const o = (t - start) * N;
      for (let a = 0; a < N; a++) positionsOut[o + a] = qty[a]!;
    }
    if (nOpen > 0) exposed = true;
    if (exposed) exposedBars++;
  }

  st.cash = cash;
  st.nOpen = nOpen;
  st.totalFunding = totalFunding;
  st.exposedBars = exposedBars;
  st.retSum = retSum;
  st.retSumSq = retSumSq;
  st.retDownSq = retDownSq;
  st.maxDd = maxDd;
}

/**
 * Runs the bar simulator over bars `[p.start, p.end)` of `m` (N assets, one
 * shared cash account) with entry/exit masks `s` (length nBars x N,
 * date-major) and optional per-bar volatility `sigma` for volatility-target
 * sizing. Execution conventions are those of this module's comment (fills at
 * the next open or this close, fees and slippage in bps of traded notional,
 * funding from `funding_event`, stops on each bar's high/low, stop first when
 * a bar touches both). Writes the equity curve into `equityOut` (length
 * p.end - p.start, currency units), positions (units per asset, date-major)
 * into `positionsOut` and closed trades into `trades` when given; `general`
 * forces the multi-asset loop also for N = 1 (used to cross-check the fast
 * single-asset path, which must give identical results).
 * @returns the scalar summary (cash, funding, exposure, return moments, max drawdown).
 */
export function runKernel(
  m: MarketArrays,
  s: SignalMasks,
  sigma: Float64Array | null,
  p: KernelParams,
  scratch: KernelScratch,
  equityOut: Float64Array,
  positionsOut: Float64Array | null,
  trades: TradeLog | null,
  general = false,
): KernelSummary {
  const st = new Sim(m, s, sigma, p, scratch, trades);
  const N = m.N;
  const close = m.close;
  const qty = st.qty, entryPx = st.entryPx, entryIdx = st.entryIdx, tradeFees = st.tradeFees, tradeFunding = st.tradeFunding, lastClose = st.lastClose;
  const start = p.start, end = p.end;

  for (let a = 0; a < N; a++) {
    qty[a] = 0;
    tradeFees[a] = 0;
    tradeFunding[a] = 0;
    // last finite close before start (for marking assets that have no price yet)
    let lc = NaN;
    for (let t = start - 1; t >= 0; t--) {
      const c = close[t * N + a]!;
      if (c === c) {
        lc = c;
        break;
      }
    }
    lastClose[a] = lc;
  }

  if (N === 1 && !general) simulateBars1(st, m, s, p, equityOut, positionsOut);
  else simulateBars(st, m, s, p, equityOut, positionsOut);

  if (trades !== null) {
    for (let a = 0; a < N; a++) {
      const q = qty[a]!;
      if (q === 0) continue;
      const px = lastClose[a]!;
      const pnl = q * (px - entryPx[a]!) - tradeFees[a]! - tradeFunding[a]!;
      trades.push(a, q > 0 ? 1 : -1, st.signalIdx[a]!, entryIdx[a]!, end - 1, q > 0 ? q : -q, entryPx[a]!, px, pnl, tradeFees[a]!, tradeFunding[a]!, 5);
    }
  }

  return {
    nTrades: st.nTrades,
    nWins: st.nWins,
    grossProfit: st.grossProfit,
    grossLoss: st.grossLoss,
    sumTradeReturn: st.sumRet,
    sumHoldingBars: st.sumHold,
    tradedNotional: st.traded,
    totalFees: st.totalFees,
    totalFunding: st.totalFunding,
    exposedBars: st.exposedBars,
    nEntrySignals: st.nEntrySignals,
    retSum: st.retSum,
    retSumSq: st.retSumSq,
    retDownSq: st.retDownSq,
    maxDrawdown: st.maxDd,
  };
}
