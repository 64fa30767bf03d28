/**
 * Annualization inferred from the panel's calendar at every entry point:
 * a hand-made 244-session A-share-style calendar annualizes with ~244 in factor
 * validation, the portfolio simulator and the bar simulator (Sharpe recomputed
 * by hand from the per-bar returns), slices keep their parent's figure, short
 * spans use the convention, and a given setting more than 5 % off warns.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  panelAnnualization, resolveAnnualization, sliceDates, withAnnualization, inferBarsPerYear, type Panel,
} from '../lib/data/index.js';
import { simulatePortfolio, backtestSignals } from '../lib/backtest/index.js';
import { analyzeFactor } from '../lib/factors/index.js';
import { mulberry32 } from './helpers/numeric.js';

/** Weekdays of 2018-2019 less enough "holidays" (every 15th weekday from the 8th) to leave exactly 244 sessions a year. */
function sessions244(): Float64Array {
  const out: number[] = [];
  for (const year of [2018, 2019]) {
    const weekdays: number[] = [];
    for (let d = Date.UTC(year, 0, 1); d < Date.UTC(year + 1, 0, 1); d += 86_400_000) {
      const wd = new Date(d).getUTCDay();
      if (wd !== 0 && wd !== 6) weekdays.push(d);
    }
    let drop = weekdays.length - 244;
    for (let i = 0; i < weekdays.length; i++) {
      if (drop > 0 && i % 15 === 7) drop--;
      else out.push(weekdays[i]!);
    }
  }
  return Float64Array.from(out);
}

function aSharePanel(times: Float64Array, N = 12, seed = 5): Panel {
  const T = times.length;
  const rng = mulberry32(seed);
  const close = new Float64Array(T * N);
  for (let a = 0; a < N; a++) close[a] = 10 + a;
  for (let t = 1; t < T; t++) for (let a = 0; a < N; a++) close[t * N + a] = close[(t - 1) * N + a]! * (1 + 0.02 * (rng() - 0.5) + 0.0004 * (a - N / 2));
  const assets = Array.from({ length: N }, (_, a) => `60${String(a).padStart(4, '0')}.SH`);
  return { dataset: 'ashare', frequency: '1d', market: 'equity', times, assets, fields: { open: close, high: close, low: close, close, volume: new Float64Array(T * N).fill(1e6) } };
}

/** mean / std (ddof 1) x sqrt(bpy), by hand. */
function sharpeByHand(r: ArrayLike<number>, bpy: number): number {
  const n = r.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += r[i]!;
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (r[i]! - m) ** 2;
  return (m / Math.sqrt(v / (n - 1))) * Math.sqrt(bpy);
}

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

test('a 244-session calendar: inferred bars per year within 1 % of 244, rounded to 0.1 bar, source "inferred"', () => {
  const times = sessions244();
  assert.equal(times.length, 488);
  const cal = panelAnnualization(aSharePanel(times));
  // (sessions - 1) / years between the first and the last session, by hand:
  const years = (Math.floor(times[487]! / 86_400_000) - Math.floor(times[0]! / 86_400_000)) / 365.2425;
  assert.equal(cal.barsPerYear, Math.round((487 / years) * 10) / 10);
  assert.equal(cal.barsPerYear, Math.round(inferBarsPerYear(times, '1d', 'equity').barsPerYear * 10) / 10);
  assert.equal(cal.source, 'inferred');
  assert.ok(Math.abs(cal.barsPerYear - 244) / 244 < 0.01, `${cal.barsPerYear}`);
});

test('factor validation, portfolio simulator and bar simulator annualize a 244-session panel with the inferred figure (Sharpe by hand)', () => {
  const p = aSharePanel(sessions244());
  const bpy = panelAnnualization(p).barsPerYear;
  const T = p.times.length, N = p.assets.length;
  // factor: the asset index (a fixed cross-sectional ranking), so the book is never empty
  const f = new Float64Array(T * N);
  for (let t = 0; t < T; t++) for (let a = 0; a < N; a++) f[t * N + a] = a;

  const port = simulatePortfolio(f, p);
  assert.equal(port.metrics.annualization, bpy);
  assert.ok(close(port.metrics.sharpe, sharpeByHand(port.returns, bpy)));
  assert.ok(!close(port.metrics.sharpe, sharpeByHand(port.returns, 252), 1e-3), 'differs from the 252 convention');

  const analysis = analyzeFactor(f, p, { horizon: 1, decayHorizons: [1] });
  assert.equal(analysis.annualization, bpy);

  const masks = { longEntry: new Uint8Array(T * N), longExit: new Uint8Array(T * N), shortEntry: new Uint8Array(T * N), shortExit: new Uint8Array(T * N) };
  for (let t = 0; t < T; t += 10) masks.longEntry[t * N + (t / 10) % N] = 1;
  for (let t = 5; t < T; t += 10) masks.longExit[t * N + ((t - 5) / 10) % N] = 1;
  const bt = backtestSignals(p, masks, { feeBps: 0, slippageBps: 0 });
  assert.equal(bt.metrics.annualization, bpy);
  assert.ok(close(bt.metrics.sharpe, sharpeByHand(bt.returns, bpy)));
});

test('a slice keeps its parent\'s bars per year; a span under a year without one uses the 252 convention', () => {
  const p = aSharePanel(sessions244());
  const bpy = panelAnnualization(p).barsPerYear;
  const quarter = sliceDates(p, 100, 160);
  assert.equal(quarter.barsPerYear, bpy);
  assert.deepEqual(panelAnnualization(quarter), { barsPerYear: bpy, source: 'panel' });
  const { barsPerYear: _b, ...bare } = quarter;
  assert.deepEqual(panelAnnualization(bare), { barsPerYear: 252, source: 'convention' });
  // crypto is always calendar bars
  const hourly = { times: Float64Array.from({ length: 48 }, (_, i) => Date.UTC(2024, 0, 1) + i * 3_600_000), frequency: '1h' as const, market: 'crypto' as const };
  assert.deepEqual(panelAnnualization(hourly), { barsPerYear: 8760, source: 'inferred' });
});

test('a given annualization more than 5 % off the inferred figure warns once (returned and as a process warning); within 5 % it does not', async () => {
  const p = aSharePanel(sessions244());
  const bpy = panelAnnualization(p).barsPerYear;
  const seen: string[] = [];
  const onWarning = (w: Error) => {
    if (w.name === 'AnnualizationWarning') seen.push(w.message);
  };
  process.on('warning', onWarning);
  try {
    const ok = resolveAnnualization(p, 252, 'settings.annualization');
    assert.equal(ok.barsPerYear, 252);
    assert.equal(ok.warning, undefined, '252 vs ~244 is 3.3 %: no warning');
    const off = resolveAnnualization(p, 365, 'settings.annualization');
    assert.equal(off.barsPerYear, 365);
    assert.equal(off.calendar, bpy);
    assert.match(off.warning ?? '', /settings\.annualization: annualization 365 bars\/year differs from the 24\d\.\d inferred from the data by 4\d\.\d %/);
    resolveAnnualization(p, 365, 'settings.annualization'); // same text: not emitted again
    const portfolio = simulatePortfolio(new Float64Array(p.times.length * p.assets.length).fill(1), p, { annualization: 365 });
    assert.equal(portfolio.metrics.annualization, 365);
    await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
    assert.equal(seen.filter((m) => m.startsWith('settings.annualization')).length, 1);
    assert.equal(seen.filter((m) => m.startsWith('PortfolioSettings.annualization')).length, 1);
    // withAnnualization declares the calendar for everything downstream, with the same check
    const declared = withAnnualization(p, 365, '--annualization');
    assert.equal(declared.barsPerYear, 365);
    assert.equal(simulatePortfolio(new Float64Array(p.times.length * p.assets.length).fill(1), declared).metrics.annualization, 365);
    await new Promise((r) => setImmediate(r));
    assert.equal(seen.filter((m) => m.startsWith('--annualization')).length, 1);
    assert.throws(() => resolveAnnualization(p, 0, 'settings.annualization'), /settings\.annualization must be > 0, got 0/);
  } finally {
    process.off('warning', onWarning);
  }
});
