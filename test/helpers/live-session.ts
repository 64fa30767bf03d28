/**
 * A scripted live session for the live loop's tests: 1m klines of a seeded
 * random walk on a {@link FakeBinanceUsdm} in live mode, the real ccxt
 * binanceusdm client routed to it, a 3-bar momentum strategy, and the
 * options of `runLive`. Shared by test/trade-live.test.ts and its kill -9 child.
 */
import type { Panel } from '../../lib/data/panel.js';
import type { SignalMasks } from '../../lib/backtest/index.js';
import { CcxtBarFeed, CcxtBroker, createExchange } from '../../lib/venues/index.js';
import type { Clock, Journal, LiveOptions } from '../../lib/trade/index.js';
import { FakeBinanceUsdm, type KlineRow } from './fake-binance.js';
import { lcg } from './numeric.js';

export const P = 60_000;
/** First kline (minute-aligned). */
export const T0 = Math.floor(1_700_000_000_000 / P) * P;
export const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
export const KEYS = { apiKey: 'LIVEKEY-0123456789abcdef', secret: 'LIVESECRET-abcdef0123456789' };

/** `n` 1m klines per symbol from T0 (seeded random walk, 0.4 % steps). */
export function liveKlines(n: number, seed = 7): Map<string, KlineRow[]> {
  const u = lcg(seed);
  const out = new Map<string, KlineRow[]>();
  SYMBOLS.forEach((s, i) => {
    let px = i === 0 ? 100 : 50;
    const rows: KlineRow[] = [];
    for (let t = 0; t < n; t++) {
      const o = px;
      const c = Math.round(o * (1 + (u() - 0.5) * 0.008) * 100) / 100;
      rows.push([T0 + t * P, o, Math.max(o, c) * 1.001, Math.min(o, c) * 0.999, c, 10 + t]);
      px = c;
    }
    out.set(s, rows);
  });
  return out;
}

/** A fake venue in live mode with `n` klines, clock after `closed` closed bars (+5 s). */
export function liveVenue(n: number, closed: number, wallet = 10_000): FakeBinanceUsdm {
  const fake = new FakeBinanceUsdm(SYMBOLS, wallet);
  fake.live = true;
  fake.klines = liveKlines(n);
  fake.clock = T0 + closed * P + 5000;
  return fake;
}

/**
 * 3-bar momentum on closes: long entry when close / close 3 bars back - 1 > 0.1 %,
 * long exit when < 0; short the mirror image. Causal (row t reads rows t-3..t).
 */
export function momentum(panel: Panel): SignalMasks {
  const T = panel.times.length, N = panel.assets.length, c = panel.fields['close']!;
  const le = new Uint8Array(T * N), lx = new Uint8Array(T * N), se = new Uint8Array(T * N), sx = new Uint8Array(T * N);
  for (let t = 3; t < T; t++)
    for (let a = 0; a < N; a++) {
      const m = c[t * N + a]! / c[(t - 3) * N + a]! - 1;
      const j = t * N + a;
      le[j] = m > 0.001 ? 1 : 0;
      lx[j] = m < 0 ? 1 : 0;
      se[j] = m < -0.001 ? 1 : 0;
      sx[j] = m > 0 ? 1 : 0;
    }
  return { longEntry: le, longExit: lx, shortEntry: se, shortExit: sx };
}

/** The real ccxt binanceusdm client with keys, routed to `fetchImplementation`. */
export function liveExchange(fetchImplementation: (url: string, init?: RequestInit) => Promise<Response>) {
  const ex = createExchange('binanceusdm', KEYS);
  (ex as unknown as { fetchImplementation: typeof fetchImplementation }).fetchImplementation = fetchImplementation;
  // ccxt's throttle waits in real time (Binance weights: fetchMyTrades costs 5 x 50 ms); the scripted venue has no limit to respect
  ex.enableRateLimit = false;
  return ex;
}

/** `runLive` options of the scripted session (broker and feed over one ccxt client). */
export function liveOptions(fetchImplementation: (url: string, init?: RequestInit) => Promise<Response>, journal: Journal, clock: Clock, maxBars: number): LiveOptions {
  const ex = liveExchange(fetchImplementation);
  return {
    broker: new CcxtBroker(ex, { symbols: SYMBOLS, backoffMs: 5 }),
    feed: new CcxtBarFeed(ex, SYMBOLS, '1m', { backoffMs: 5 }),
    journal,
    name: 'momentum-live',
    signals: momentum,
    sizing: { kind: 'fixedFraction', fraction: 0.3 },
    stops: { stopLoss: NaN, takeProfit: NaN, trailingStop: NaN },
    maxOpenPositions: 2,
    annualization: 525_600,
    warmupBars: 30,
    clock,
    maxBars,
    graceMs: 1000,
    pollMs: 1000,
  };
}

/** A clock that is the fake venue's clock; sleeping moves it on (a fast clock in the same process). */
export function venueClock(fake: FakeBinanceUsdm): Clock {
  return { now: () => fake.clock, sleep: async (ms) => void (fake.clock += Math.max(1, ms)) };
}
