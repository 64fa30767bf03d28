import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync, mkdirSync, symlinkSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Panel } from '../lib/data/panel.js';
import { evaluate } from '../lib/expr/index.js';
import { exportStrategy, loadStrategy, rerunStrategy, verifyStrategy, backtestSignals, simulatePortfolio, STRATEGY_SCHEMA_VERSION, strategyHash, MAX_STRATEGY_DEPTH } from '../lib/backtest/index.js';

const H = 3_600_000;

function perpPanel(T: number, N: number, seed: number): Panel {
  let s = seed;
  const u = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const f = { open: new Float64Array(T * N), high: new Float64Array(T * N), low: new Float64Array(T * N), close: new Float64Array(T * N), volume: new Float64Array(T * N), funding_rate: new Float64Array(T * N), funding_event: new Float64Array(T * N) };
  for (let a = 0; a < N; a++) {
    let px = 100 + a;
    let rate = 0.0001;
    for (let t = 0; t < T; t++) {
      const i = t * N + a;
      const o = px;
      const c = o * (1 + (u() - 0.5) * 0.03);
      f.open[i] = o;
      f.close[i] = c;
      f.high[i] = Math.max(o, c) * (1 + u() * 0.005);
      f.low[i] = Math.min(o, c) * (1 - u() * 0.005);
      f.volume[i] = 1000 * (1 + u());
      if (t % 8 === 0) rate = (u() - 0.45) * 0.001;
      f.funding_rate[i] = rate;
      f.funding_event[i] = t % 8 === 0 ? rate : 0;
      px = c;
    }
  }
  return { dataset: 'synthetic_perp', frequency: '1h', market: 'crypto', times: Float64Array.from({ length: T }, (_, i) => 1.7e12 + i * H), assets: Array.from({ length: N }, (_, a) => `C${a}USDT`), fields: f };
}

const signalsInput = (panel: Panel) => ({
  name: 'funding_reversal_test',
  description: 'Fade extreme funding: long when the funding z-score is very negative.',
  kind: 'signals' as const,
  factors: { z: 'ts_zscore(funding_rate, 48)' },
  signal: { longEntry: { factor: 'z', op: '<' as const, value: -1.5 }, longExit: { factor: 'z', op: '>' as const, value: 0 }, shortEntry: { factor: 'z', op: '>' as const, value: 1.5 }, shortExit: { factor: 'z', op: '<' as const, value: 0 } },
  execution: { feeBps: 4, slippageBps: 2, stopLoss: 0.03, takeProfit: 0.05 },
  parameters: { threshold: 1.5, lookback: 48 },
  validation: { walkForward: { train: { sharpe: 1.2 }, validation: { sharpe: 0.8 }, test: { sharpe: NaN } }, deflatedSharpe: { dsr: 0.97, nTrials: 50 } },
  panel,
  period: { start: 100, end: 900 },
  createdAt: '2026-11-21T00:00:00.000Z',
});

test('signal strategy: export writes json/markdown/html; reload reproduces the stored metrics exactly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bt-export-'));
  try {
    const panel = perpPanel(1000, 3, 42);
    const { dir: out, hash, doc } = await exportStrategy(signalsInput(panel), { dir });
    assert.ok(existsSync(join(out, 'strategy.json')) && existsSync(join(out, 'README.md')) && existsSync(join(out, 'tearsheet.html')));
    assert.match(readFileSync(join(out, 'README.md'), 'utf8'), /ts_zscore\(funding_rate, 48\)/);
    assert.match(readFileSync(join(out, 'tearsheet.html'), 'utf8'), /Plotly\.newPlot/);
    // metrics are those of backtestSignals on the stored period
    const direct = backtestSignals(panel, { factors: { z: evaluate('ts_zscore(funding_rate, 48)', panel) }, ...signalsInput(panel).signal }, { feeBps: 4, slippageBps: 2, stopLoss: 0.03, takeProfit: 0.05, start: 100, end: 900 });
    assert.deepEqual({ ...direct.metrics }, doc.metrics);
    assert.ok(direct.metrics.nTrades > 5);
    const loaded = await loadStrategy(out, { panel });
    assert.equal(loaded.contentHash, hash);
    assert.deepEqual(loaded, doc);
    assert.ok(Number.isNaN((loaded.validation.walkForward as { test: { sharpe: unknown } }).test.sharpe === 'NaN' ? NaN : 0));
    const rerun = rerunStrategy(loaded, panel);
    for (const [k, v] of Object.entries(loaded.metrics)) assert.ok(Object.is(rerun[k], v), `${k}: ${rerun[k]} vs ${v}`);
    assert.deepEqual(verifyStrategy(loaded, panel), { ok: true, mismatches: [] });
    assert.equal(loaded.dataset.periodStart, new Date(panel.times[100]!).toISOString());
    assert.equal(loaded.dataset.periodEnd, new Date(panel.times[899]!).toISOString());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('portfolio strategy round-trips exactly too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bt-export-'));
  try {
    const panel = { ...perpPanel(400, 8, 5), frequency: '1d' as const, market: 'equity' as const };
    const { doc, dir: out } = await exportStrategy(
      { name: 'xs_reversal', kind: 'portfolio', factors: { rev: '-ts_delta(close, 5)' }, portfolio: { factor: 'rev', settings: { decay: 3, truncation: 0.3, costBps: 5 } }, panel, period: { start: 200, end: 400 } },
      { dir, plotly: 'inline' },
    );
    const direct = simulatePortfolio(evaluate('-ts_delta(close, 5)', panel), panel, { decay: 3, truncation: 0.3, costBps: 5, start: 200, end: 400 });
    assert.deepEqual({ ...direct.metrics }, doc.metrics);
    const loaded = await loadStrategy(out, { panel });
    assert.deepEqual(verifyStrategy(loaded, panel).ok, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A signals strategy exported on a 600 x 2 perpetual panel (bars 50..600) into a fresh temp folder: its folder, file and original text. */
async function exportedSignalsStrategy() {
  const dir = mkdtempSync(join(tmpdir(), 'bt-export-'));
  const panel = perpPanel(600, 2, 9);
  const { dir: out } = await exportStrategy({ ...signalsInput(panel), period: { start: 50, end: 600 } }, { dir });
  const file = join(out, 'strategy.json');
  return { dir, panel, out, file, original: readFileSync(file, 'utf8') };
}

test('tampered, incompatible or mismatched files are refused with a clear error', async () => {
  const { dir, panel, out, file, original } = await exportedSignalsStrategy();
  try {
    const json = JSON.parse(original);
    // tampered metric
    writeFileSync(file, JSON.stringify({ ...json, metrics: { ...json.metrics, sharpe: 9.99 } }, null, 2));
    await assert.rejects(loadStrategy(out), /content hash mismatch.*modified after export/);
    // tampered rule
    writeFileSync(file, original.replace('"value": -1.5', '"value": -1.4'));
    await assert.rejects(loadStrategy(out), /content hash mismatch/);
    // incompatible schema version
    writeFileSync(file, JSON.stringify({ ...json, schemaVersion: STRATEGY_SCHEMA_VERSION + 1 }));
    await assert.rejects(loadStrategy(out), new RegExp(`incompatible schema version ${STRATEGY_SCHEMA_VERSION + 1}`));
    writeFileSync(file, JSON.stringify({ ...json, schema: 'other' }));
    await assert.rejects(loadStrategy(out), /incompatible file: schema is "other"/);
    writeFileSync(file, '{ not json');
    await assert.rejects(loadStrategy(out), /strategy\.json: not valid JSON/);
    writeFileSync(file, JSON.stringify({ ...json, signal: { longEntry: { factor: 'nope', op: '<', value: 1 } } }));
    await assert.rejects(loadStrategy(out), /signal\.longEntry: factor "nope" is not among/);
    // intact file, but other data
    writeFileSync(file, original);
    const doc = await loadStrategy(out, { panel });
    const other = perpPanel(600, 2, 10);
    assert.throws(() => rerunStrategy(doc, other), /panel data differs/);
    assert.throws(() => rerunStrategy(doc, perpPanel(500, 2, 9)), /500 bars/);
    assert.doesNotThrow(() => rerunStrategy(doc, other, { allowDataChange: true }));
    await assert.rejects(exportStrategy({ ...signalsInput(panel), name: '../evil' }, { dir }), /strategy name/);
    await assert.rejects(loadStrategy(join(dir, 'missing')), /no strategy file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reload hardening (issue 19): verified by default, factors parsed and named, no reserved names, no escape by symlink, bounded nesting', async () => {
  const { dir, panel, out, file, original } = await exportedSignalsStrategy();
  try {
    /** A tamper whose content hash is recomputed (the hash is a checksum, not a signature). */
    const rehashed = (edit: (j: Record<string, any>) => void): string => {
      const j = JSON.parse(original);
      edit(j);
      delete j.contentHash;
      return JSON.stringify({ ...j, contentHash: strategyHash(j) }, null, 2);
    };
    // A changed rule with a recomputed hash: caught at load by the re-run, unless verification is declined explicitly.
    writeFileSync(file, rehashed((j) => { j.signal.longEntry.value = -1.4; }));
    await assert.rejects(loadStrategy(out, { panel }), (e: Error) => e.message.startsWith(file) && /stored metrics are not reproduced/.test(e.message));
    await assert.rejects(loadStrategy(out), /pass \{ panel \} to verify.*or \{ verify: false \}/);
    assert.equal((await loadStrategy(out, { verify: false })).name, 'funding_reversal_test');
    // An extra factor that no rule uses; a factor the engine cannot parse (its message, naming the factor).
    writeFileSync(file, rehashed((j) => { j.factors.extra = 'rank(close)'; }));
    await assert.rejects(loadStrategy(out, { panel }), /strategy\.json: factor "extra" is not used/);
    writeFileSync(file, rehashed((j) => { j.factors.z = 'ts_zscore(funding_rate, '; }));
    await assert.rejects(loadStrategy(out, { panel }), /strategy\.json: factor "z": .*at \d+/);
    writeFileSync(file, rehashed((j) => { j.factors.z = 'ts_avg(close, 5)'; }));
    await assert.rejects(loadStrategy(out, { panel }), /factor "z": unknown operator ts_avg/);
    // Names an object already has never pass as factors.
    for (const name of ['constructor', '__proto__', 'toString']) {
      writeFileSync(file, rehashed((j) => { j.signal.longEntry.factor = name; }));
      await assert.rejects(loadStrategy(out, { panel }), new RegExp(`factor "${name}" is not among`), name);
    }
    writeFileSync(file, rehashed((j) => { j.factors = { constructor: 'close' }; j.signal = { longEntry: { factor: 'constructor', op: '<', value: 1 }, longExit: { factor: 'constructor', op: '>', value: 1 } }; }));
    await assert.rejects(loadStrategy(out, { panel }), /factor name "constructor" must be an identifier .* not a reserved name/);
    await assert.rejects(exportStrategy({ ...signalsInput(panel), factors: { z: 'ts_zscore(funding_rate, 48)', unused: 'close' } }, { dir }), /factor "unused" is not used/);
    // Nesting past the bound: a clear error, not a stack overflow.
    writeFileSync(file, original.replace(/^\{/, `{"deep": ${'['.repeat(50_000)}${']'.repeat(50_000)},`));
    await assert.rejects(loadStrategy(out, { panel }), new RegExp(`strategy\\.json: nested 50001 levels deep at position \\d+; a strategy document may nest at most ${MAX_STRATEGY_DEPTH}`));
    // Not JSON: the message does not quote the file.
    writeFileSync(file, 'root:x:0:0:root:/root:/bin/bash\n');
    await assert.rejects(loadStrategy(out, { panel }), (e: Error) => /not valid JSON/.test(e.message) && !e.message.includes('root:x'));
    writeFileSync(file, original);
    // strategy.json as a directory: named.
    const asDir = join(dir, 'as_dir');
    mkdirSync(join(asDir, 'strategy.json'), { recursive: true });
    await assert.rejects(loadStrategy(asDir, { panel }), new RegExp(`${join(asDir, 'strategy.json').replace(/[/.]/g, '\\$&')} is a directory`));
    // Symlinks out of the strategies folder: refused before reading (a system file is never echoed).
    const root = join(dir, 'strategies');
    const outside = join(dir, 'outside');
    cpSync(out, join(outside, 'copy'), { recursive: true });
    mkdirSync(join(root, 'passwd'), { recursive: true });
    symlinkSync(join(outside, 'copy'), join(root, 'escape'));
    symlinkSync('/etc/passwd', join(root, 'passwd', 'strategy.json'));
    await assert.rejects(loadStrategy('escape', { root, panel }), /resolves outside the strategies folder/);
    await assert.rejects(loadStrategy(join(root, 'passwd'), { panel }), (e: Error) => /resolves outside/.test(e.message) && !e.message.includes('root:'));
    cpSync(out, join(root, 'inside'), { recursive: true });
    assert.equal((await loadStrategy('inside', { root, panel })).name, 'funding_reversal_test');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
