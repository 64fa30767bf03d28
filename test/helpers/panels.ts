/** Hand-made panels shared by the tests of the screen and the hypothesis tester. */
import assert from 'node:assert/strict';
import type { Panel } from '../../lib/data/index.js';
import { mulberry32 } from './numeric.js';

/**
 * Synthetic daily equity panel, T x N: `sig` is a persistent AR(1) signal
 * (phi 0.97) known at t; the close-to-close return from t to t+1 is
 * 0.004 * sig[t-1] + 1% noise, so `sig` predicts returns with delay 1;
 * `noise` is i.i.d. N(0, 1), unrelated to returns.
 */
export function syntheticPanel(T = 700, N = 40, seed = 3): Panel {
  const rng = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const sig = new Float64Array(T * N);
  const noise = new Float64Array(T * N);
  const close = new Float64Array(T * N);
  for (let a = 0; a < N; a++) {
    sig[a] = gauss();
    noise[a] = gauss();
    close[a] = 100;
  }
  for (let t = 1; t < T; t++) {
    for (let a = 0; a < N; a++) {
      sig[t * N + a] = 0.97 * sig[(t - 1) * N + a]! + Math.sqrt(1 - 0.97 ** 2) * gauss();
      noise[t * N + a] = gauss();
      const drive = t >= 2 ? sig[(t - 2) * N + a]! : 0;
      close[t * N + a] = close[(t - 1) * N + a]! * (1 + 0.004 * drive + 0.01 * gauss());
    }
  }
  const times = new Float64Array(T);
  for (let t = 0; t < T; t++) times[t] = Date.UTC(2015, 0, 1) + t * 86_400_000;
  const assets = Array.from({ length: N }, (_, a) => `A${String(a).padStart(2, '0')}`);
  return { dataset: 'synthetic', frequency: '1d', market: 'equity', times, assets, fields: { open: close, high: close, low: close, close, volume: new Float64Array(T * N).fill(1e6), sig, noise } };
}


/** The value of field `f` at daily date `date` (YYYY-MM-DD, 00:00 UTC) for `sym`; asserts both are on the panel. */
export function cell(p: Panel, f: string, date: string, sym: string): number {
  const t = p.times.indexOf(Date.parse(`${date}T00:00:00Z`));
  const a = p.assets.indexOf(sym);
  assert.ok(t >= 0 && a >= 0, `${date} ${sym} on the panel`);
  return p.fields[f]![t * p.assets.length + a]!;
}
