/** Seeded synthetic bars for the trading tests (random walks with volume and funding every 8 bars). */
import type { Panel } from '../../lib/data/panel.js';
import type { SignalMasks } from '../../lib/backtest/index.js';
import { lcg } from './numeric.js';

const H = 3_600_000;

/** Options of {@link randomWalkPanel}: the uniform generator (default `lcg`) and each asset's first price (default 100 + 10 a). */
export interface RandomWalkOptions {
  rng?: (seed: number) => () => number;
  startPrice?: (asset: number) => number;
}

/** T hourly bars x N assets from seed: open/high/low/close/volume/funding_event (funding on every 8th bar); optional NaN holes. */
export function randomWalkPanel(T: number, N: number, seed: number, holes = 0, opts: RandomWalkOptions = {}): Panel {
  const u = (opts.rng ?? lcg)(seed);
  const f = { open: new Float64Array(T * N), high: new Float64Array(T * N), low: new Float64Array(T * N), close: new Float64Array(T * N), volume: new Float64Array(T * N), funding_event: new Float64Array(T * N) };
  for (let a = 0; a < N; a++) {
    let px = opts.startPrice ? opts.startPrice(a) : 100 + a * 10;
    for (let t = 0; t < T; t++) {
      const i = t * N + a;
      const o = px * (1 + (u() - 0.5) * 0.01);
      const c = o * (1 + (u() - 0.5) * 0.04);
      f.open[i] = o;
      f.close[i] = c;
      f.high[i] = Math.max(o, c) * (1 + u() * 0.01);
      f.low[i] = Math.min(o, c) * (1 - u() * 0.01);
      f.volume[i] = 1000 + u() * 1000;
      f.funding_event[i] = t % 8 === 0 ? (u() - 0.4) * 0.001 : 0;
      if (holes > 0 && u() < holes) for (const k of ['open', 'high', 'low', 'close'] as const) f[k][i] = NaN;
      px = c;
    }
  }
  return { frequency: '1h', market: 'crypto', times: Float64Array.from({ length: T }, (_, i) => 1.7e12 + i * H), assets: Array.from({ length: N }, (_, a) => `A${a}`), fields: f };
}

/** Random entry/exit masks (T x N) with the given probabilities. */
export function randomMasks(T: number, N: number, seed: number, p = { le: 0.04, lx: 0.04, se: 0.03, sx: 0.04 }): SignalMasks {
  const u = lcg(seed);
  const mk = (q: number) => Uint8Array.from({ length: T * N }, () => (u() < q ? 1 : 0));
  return { longEntry: mk(p.le), longExit: mk(p.lx), shortEntry: mk(p.se), shortExit: mk(p.sx) };
}
