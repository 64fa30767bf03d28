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
 *   every fill (entry, exit, stop), paid from cash.
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
 * - Funding (perpetual futures): at each bar `t` a position held just after
 *   the bar's open (after `nextOpen` fills) pays `qty * open[t] * funding[t]`
 *   (`funding` = the panel's `funding_event` field, sum of the rates settled
 *   in [open, open + 1 bar)); longs pay positive rates, shorts receive them.
 * - Missing prices. An asset whose fill price is NaN at a bar neither enters
 *   nor exits there (the order is dropped, not delayed); a position is marked
 *   at its last finite close; stops skip bars whose high/low is NaN.
 * - Equity at bar `t` = cash + sum(qty * close[t]), marked at the close.
 *   Open positions at the end of the range are marked, not closed.
 */

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

/**
 * Runs the simulator over bars `[p.start, p.end)`.
 *
 * @param m market arrays (T x N)
 * @param s signal masks (T x N)
 * @param sigma annualized volatility estimate per bar and asset (T x N), required when `p.sizing = 1`
 * @param p parameters
 * @param scratch per-asset state, `scratch.N === m.N`
 * @param equityOut receives equity at each bar's close, length >= end - start (index 0 = bar start)
 * @param positionsOut receives the signed quantity after each bar's close ((end-start) x N), or null
 * @param trades receives closed and open trades, or null (grid mode)
 * @returns scalar summary (trades, wins, profit/loss sums, traded notional, fees, funding, exposure)
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
): KernelSummary {
  const N = m.N;
  const { open, high, low, close, volume, funding } = m;
  const le = s.longEntry, lx = s.longExit, se = s.shortEntry, sx = s.shortExit;
  const { qty, entryPx, entryNotional, entryIdx, signalIdx, tradeFees, tradeFunding, extreme, lastClose } = scratch;
  const feeRate = p.feeRate, slipRate = p.slipRate, impact = p.impact;
  const sl = p.stopLoss, tp = p.takeProfit, ts = p.trailingStop;
  const hasSl = sl === sl, hasTp = tp === tp, hasTs = ts === ts;
  const hasStops = hasSl || hasTp || hasTs;
  const atClose = p.fillAtClose;
  const start = p.start, end = p.end;
  let cash = p.initialCash;
  let nOpen = 0;
  let nTrades = 0, nWins = 0, grossProfit = 0, grossLoss = 0, sumRet = 0, sumHold = 0;
  let traded = 0, totalFees = 0, totalFunding = 0, exposedBars = 0, nEntrySignals = 0;

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

  // slippage fraction of an order of `notional` at bar index i
  const slip = (i: number, price: number, notional: number): number => {
    let f = slipRate;
    if (impact > 0 && volume !== null) {
      const dv = volume[i]! * price;
      if (dv > 0) f += impact * Math.sqrt(notional / dv);
    }
    return f > 0.5 ? 0.5 : f;
  };

  // closes asset a's position at raw market price px (bar t, index i); returns nothing
  const closePos = (a: number, t: number, i: number, px: number, reason: number): void => {
    const q = qty[a]!;
    const aq = q > 0 ? q : -q;
    const f = slip(i, px, aq * px);
    const fill = q > 0 ? px * (1 - f) : px * (1 + f);
    const notional = aq * fill;
    const fee = notional * feeRate;
    cash += q * fill - fee;
    traded += notional;
    totalFees += fee;
    const fees = tradeFees[a]! + fee;
    const pnl = q * (fill - entryPx[a]!) - fees - tradeFunding[a]!;
    nTrades++;
    if (pnl > 0) {
      nWins++;
      grossProfit += pnl;
    } else grossLoss -= pnl;
    sumRet += pnl / entryNotional[a]!;
    sumHold += t - entryIdx[a]!;
    if (trades !== null) trades.push(a, q > 0 ? 1 : -1, signalIdx[a]!, entryIdx[a]!, t, aq, entryPx[a]!, fill, pnl, fees, tradeFunding[a]!, reason);
    qty[a] = 0;
    nOpen--;
  };

  // equity with prices of row `row` (open or close array), falling back to the last close
  const equityAt = (prices: Float64Array, row: number): number => {
    let e = cash;
    for (let b = 0; b < N; b++) {
      const q = qty[b]!;
      if (q !== 0) {
        const px = prices[row + b]!;
        e += q * (px === px ? px : lastClose[b]!);
      }
    }
    return e;
  };

  // opens a position on asset a (side +1/-1) at raw price px, bar t, index i, signal row sRow
  const openPos = (a: number, side: number, t: number, i: number, px: number, sRow: number, prices: Float64Array, row: number): void => {
    let lev: number;
    if (p.sizing === 0) lev = p.fraction;
    else {
      const sg = sigma![sRow * N + a]!;
      if (!(sg > 0)) return;
      lev = p.targetVol / sg;
      if (lev > p.maxLeverage) lev = p.maxLeverage;
    }
    const eq = equityAt(prices, row);
    if (!(eq > 0)) return;
    const target = eq * lev;
    const f = slip(i, px, target);
    const fill = side > 0 ? px * (1 + f) : px * (1 - f);
    const aq = target / fill;
    const fee = target * feeRate;
    cash -= side * aq * fill + fee;
    traded += target;
    totalFees += fee;
    qty[a] = side * aq;
    entryPx[a] = fill;
    entryNotional[a] = target;
    entryIdx[a] = t;
    signalIdx[a] = sRow;
    tradeFees[a] = fee;
    tradeFunding[a] = 0;
    extreme[a] = fill;
    nOpen++;
  };

  // exit then entry decisions from signal row sRow, filled at prices[row + a]
  const decide = (t: number, sRow: number, prices: Float64Array): void => {
    const base = sRow * N;
    const row = t * N;
    for (let a = 0; a < N; a++) {
      const q = qty[a]!;
      if (q === 0) continue;
      const px = prices[row + a]!;
      if (px !== px) continue;
      const j = base + a;
      if (q > 0) {
        const rev = se !== null && se[j] === 1;
        if ((lx !== null && lx[j] === 1) || rev) closePos(a, t, row + a, px, lx !== null && lx[j] === 1 ? 0 : 1);
      } else {
        const rev = le !== null && le[j] === 1;
        if ((sx !== null && sx[j] === 1) || rev) closePos(a, t, row + a, px, sx !== null && sx[j] === 1 ? 0 : 1);
      }
    }
    for (let a = 0; a < N; a++) {
      const j = base + a;
      const wantL = le !== null && le[j] === 1 && !(lx !== null && lx[j] === 1);
      const wantS = se !== null && se[j] === 1 && !(sx !== null && sx[j] === 1);
      if (wantL === wantS) continue;
      nEntrySignals++;
      if (qty[a] !== 0 || nOpen >= p.maxOpenPositions) continue;
      const px = prices[row + a]!;
      if (px !== px) continue;
      openPos(a, wantL ? 1 : -1, t, row + a, px, sRow, prices, row);
    }
  };

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
      if (act) decide(t, t - 1, open);
    }
    let exposed = nOpen > 0;
    if (funding !== null && nOpen > 0) {
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
    if (hasStops && nOpen > 0) {
      for (let a = 0; a < N; a++) {
        const q = qty[a]!;
        if (q === 0) continue;
        const ei = entryIdx[a]!;
        if (atClose ? t <= ei : t < ei) continue;
        const i = row + a;
        const hi = high[i]!, lo = low[i]!, op = open[i]!;
        if (hi !== hi || lo !== lo) continue;
        const ep = entryPx[a]!;
        const gapOk = t > ei && op === op;
        if (q > 0) {
          const slPx = hasSl ? ep * (1 - sl) : -Infinity;
          const tsPx = hasTs ? extreme[a]! * (1 - ts) : -Infinity;
          const stopPx = slPx >= tsPx ? slPx : tsPx;
          const stopReason = slPx >= tsPx ? 2 : 4;
          const tpPx = hasTp ? ep * (1 + tp) : Infinity;
          if (stopPx > -Infinity && gapOk && op <= stopPx) closePos(a, t, i, op, stopReason);
          else if (stopPx > -Infinity && lo <= stopPx) closePos(a, t, i, stopPx, stopReason);
          else if (hasTp && gapOk && op >= tpPx) closePos(a, t, i, op, 3);
          else if (hasTp && hi >= tpPx) closePos(a, t, i, tpPx, 3);
          else if (hi > extreme[a]!) extreme[a] = hi;
        } else {
          const slPx = hasSl ? ep * (1 + sl) : Infinity;
          const tsPx = hasTs ? extreme[a]! * (1 + ts) : Infinity;
          const stopPx = slPx <= tsPx ? slPx : tsPx;
          const stopReason = slPx <= tsPx ? 2 : 4;
          const tpPx = hasTp ? ep * (1 - tp) : -Infinity;
          if (stopPx < Infinity && gapOk && op >= stopPx) closePos(a, t, i, op, stopReason);
          else if (stopPx < Infinity && hi >= stopPx) closePos(a, t, i, stopPx, stopReason);
          else if (hasTp && gapOk && op <= tpPx) closePos(a, t, i, op, 3);
          else if (hasTp && lo <= tpPx) closePos(a, t, i, tpPx, 3);
          else if (lo < extreme[a]!) extreme[a] = lo;
        }
      }
    }
    if (atClose) decide(t, t, close);
    for (let a = 0; a < N; a++) {
      const c = close[row + a]!;
      if (c === c) lastClose[a] = c;
    }
    let eq = cash;
    for (let a = 0; a < N; a++) {
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

  if (trades !== null) {
    for (let a = 0; a < N; a++) {
      const q = qty[a]!;
      if (q === 0) continue;
      const px = lastClose[a]!;
      const pnl = q * (px - entryPx[a]!) - tradeFees[a]! - tradeFunding[a]!;
      trades.push(a, q > 0 ? 1 : -1, signalIdx[a]!, entryIdx[a]!, end - 1, q > 0 ? q : -q, entryPx[a]!, px, pnl, tradeFees[a]!, tradeFunding[a]!, 5);
    }
  }

  return { nTrades, nWins, grossProfit, grossLoss, sumTradeReturn: sumRet, sumHoldingBars: sumHold, tradedNotional: traded, totalFees, totalFunding, exposedBars, nEntrySignals, retSum, retSumSq, retDownSq, maxDrawdown: maxDd };
}
