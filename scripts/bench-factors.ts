import { analyzeFactor } from '../lib/factors/index.js';
import type { Panel } from '../lib/data/panel.js';
const T = 1259, N = 505;
let seed = 1;
const rnd = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
const close = new Float64Array(T * N);
for (let a = 0; a < N; a++) { let p = 100; for (let t = 0; t < T; t++) { p *= 1 + (rnd() - 0.5) * 0.04; close[t * N + a] = p; } }
const panel: Panel = { frequency: '1d', market: 'equity', times: Float64Array.from({ length: T }, (_, i) => i * 86400000), assets: Array.from({ length: N }, (_, i) => `A${i}`), fields: { close } };
const f = new Float64Array(T * N);
for (let i = N; i < T * N; i++) f[i] = close[i]! / close[i - N]! - 1;
for (let k = 0; k < 5; k++) { const t0 = performance.now(); const r = analyzeFactor(f, panel); console.log(k, (performance.now() - t0).toFixed(1), r.rankIc.mean, r.grade.grade); }
