/**
 * Live bars from a ccxt exchange for the trading engine's live loop: closed
 * bars only, aligned across symbols.
 *
 * - `fetchOHLCV(symbol, timeframe, since, 1000)` (ccxt 4.5; Binance returns at
 *   most 1,000 bars a call), continued from the last bar + one period.
 * - A bar is closed when its open time + one period <= `now` (the caller's
 *   clock). Exchanges also return the bar still forming, with a close that
 *   will change: it is dropped here, so no decision ever sees an unfinished bar.
 * - Alignment: a bar time is emitted only once every symbol has a closed bar
 *   at or after it (a symbol whose row for that time is missing then gets
 *   NaN there, the panel convention); an exchange that has not yet published
 *   one symbol's last bar holds that time back until the next poll rather than
 *   emitting a silently incomplete bar.
 * Reads are retried on ccxt `NetworkError` (HTTP 418/429 are `DDoSProtection`,
 * a `NetworkError`), with the bounded backoff of {@link CcxtBroker}'s reads.
 */
import type { Exchange } from 'ccxt';
import { BrokerError } from './broker.js';
import { classifyCcxtError } from './ccxt.js';

/** One closed bar for every symbol of a feed (arrays aligned with the feed's symbols; NaN = no bar). */
export interface ClosedBar {
  /** Bar open time, epoch ms UTC. */
  time: number;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** A source of closed bars (the live loop's market events). */
export interface BarFeed {
  /** Bar length as a ccxt timeframe ('1m', '5m', '1h', '1d'). */
  readonly timeframe: string;
  /** Bar length in ms. */
  readonly periodMs: number;
  readonly symbols: readonly string[];
  /** Closed bars with open time >= `from`, in time order, as of clock time `now` (epoch ms). */
  closedBars(from: number, now: number): Promise<ClosedBar[]>;
}

const PAGE = 1000;

/** {@link BarFeed} over ccxt `fetchOHLCV` (see the module header). Symbols are venue ids ('BTCUSDT'). */
export class CcxtBarFeed implements BarFeed {
  private loaded = false;
  readonly periodMs: number;
  constructor(
    readonly exchange: Exchange,
    readonly symbols: readonly string[],
    readonly timeframe: string,
    private readonly opts: { retries?: number; backoffMs?: number } = {},
  ) {
    this.periodMs = exchange.parseTimeframe(timeframe) * 1000;
    if (!(this.periodMs > 0)) throw new RangeError(`CcxtBarFeed: bad timeframe "${timeframe}"`);
  }

  async closedBars(from: number, now: number): Promise<ClosedBar[]> {
    const P = this.periodMs;
    const perSymbol: Array<Map<number, number[]>> = [];
    let horizon = Infinity;
    for (const id of this.symbols) {
      const sym = await this.unified(id);
      const rows = new Map<number, number[]>();
      let since = from, last = -Infinity;
      for (;;) {
        const page = await this.read(() => this.exchange.fetchOHLCV(sym, this.timeframe, since, PAGE));
        let progressed = false;
        for (const r of page) {
          const t = Number(r[0]);
          if (!(t >= from) || t + P > now) continue;
          rows.set(t, r.map(Number));
          if (t > last) {
            last = t;
            progressed = true;
          }
        }
        if (page.length < PAGE || !progressed) break;
        since = last + P;
      }
      perSymbol.push(rows);
      horizon = Math.min(horizon, last);
    }
    const times = [...new Set(perSymbol.flatMap((m) => [...m.keys()]))].filter((t) => t <= horizon).sort((a, b) => a - b);
    const N = this.symbols.length;
    return times.map((time) => {
      const b: ClosedBar = { time, open: new Float64Array(N).fill(NaN), high: new Float64Array(N).fill(NaN), low: new Float64Array(N).fill(NaN), close: new Float64Array(N).fill(NaN), volume: new Float64Array(N).fill(NaN) };
      perSymbol.forEach((m, a) => {
        const r = m.get(time);
        if (!r) return;
        b.open[a] = r[1]!;
        b.high[a] = r[2]!;
        b.low[a] = r[3]!;
        b.close[a] = r[4]!;
        b.volume[a] = r[5]!;
      });
      return b;
    });
  }

  private async unified(id: string): Promise<string> {
    if (!this.loaded) {
      await this.read(() => this.exchange.loadMarkets());
      this.loaded = true;
    }
    const m = this.exchange.markets_by_id?.[id]?.[0];
    if (!m) throw new BrokerError(`${this.exchange.id} has no market ${id}`, 'reject', 'BadSymbol');
    return m.symbol as string;
  }

  private async read<T>(fn: () => Promise<T>): Promise<T> {
    const retries = this.opts.retries ?? 3, backoff = this.opts.backoffMs ?? 500;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const c = classifyCcxtError(err);
        if (c.kind !== 'retry' || attempt >= retries) throw new BrokerError(`${this.exchange.id} bars: ${c.code}: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`, c.kind, c.code);
        await new Promise<void>((r) => setTimeout(r, backoff * 2 ** attempt));
      }
    }
  }
}
