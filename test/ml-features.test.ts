import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BOOK_LEVELS, frameFromRows, loadLobster, rowAt, sliceFrame, type MarketFrame, type MarketRow } from '../lib/ml/data.js';
import { computeFeatures, featureConfig, featureNames, FeatureStream, ofiTerm } from '../lib/ml/features.js';
import { assertClose } from './helpers/numeric.js';

const SAMPLES = join(process.cwd(), 'data', 'samples');
const AMZN = join(SAMPLES, 'lob_lobster_AMZN_2012-06-21_L1_messages_book.csv.gz');
const AAPL10 = join(SAMPLES, 'lob_lobster_AAPL_2012-06-21_L10_first999.csv.gz');

const row = (ts: number, b: number, a: number, qb: number, qa: number, close: number, volume: number): MarketRow => ({
  timestamp: ts, bid_price: b, ask_price: a, bid_volume: qb, ask_volume: qa, close, volume,
});

/** A tiny book: 4 rows, hand-computed values below. */
const TINY = [
  row(1000, 100, 101, 10, 30, 100.5, 0),
  row(2000, 100, 101, 20, 30, 100.6, 5),
  row(3000, 100.5, 101, 5, 25, 100.6, 3),
  row(4000, 100.5, 100.8, 5, 8, 100.55, 2),
];
const tinyCfg = featureConfig({ intervalMs: 0, windowRows: [2, 3] });

function at(m: ReturnType<typeof computeFeatures>, t: number, name: string): number {
  const j = m.names.indexOf(name);
  assert.ok(j >= 0, `no feature ${name}`);
  return m.values[t * m.nFeatures + j]!;
}

test('feature set: >= 60 named features on L1 data, 80 with the L10 book, names unique', () => {
  const l1 = featureNames(featureConfig());
  const l10 = featureNames(featureConfig({ book: true }));
  assert.equal(l1.length, 63);
  assert.equal(l10.length, 80);
  assert.equal(new Set(l10).size, l10.length);
  assert.ok(l1.includes('rv_15m') && l1.includes('ofi_1m') && l1.includes('vwap_dev_bps_5m') && l1.includes('ret_10s'));
  assert.throws(() => featureConfig({ intervalMs: 7000 }), /window 10s is .* rows/);
});

test('hand-computed WAP, imbalance, spread, OFI (Cont et al.) and trade signs on a tiny book', () => {
  const m = computeFeatures(frameFromRows(TINY), tinyCfg);
  // WAP row 0 = (100*30 + 101*10) / 40 = 100.25; mid 100.5 -> dev = -0.25/100.5 in bps.
  assertClose(at(m, 0, 'wap_dev_bps'), (-0.25 / 100.5) * 1e4, 1e-9);
  assertClose(at(m, 0, 'imbalance_l1'), -0.5, 1e-15);
  assertClose(at(m, 0, 'spread_abs'), 1, 1e-15);
  assertClose(at(m, 0, 'spread_bps'), (1 / 100.5) * 1e4, 1e-9);
  assert.ok(Number.isNaN(at(m, 0, 'ofi_1')), 'no OFI without a previous row');
  assert.ok(Number.isNaN(at(m, 0, 'secs_since_trade')), 'no trade yet');
  // OFI: row1 +20 -10 -30 +30 = 10; row2 +5 -0 -25 +30 = 10; row3 +5 -5 -8 +0 = -8.
  assert.equal(ofiTerm(100, 20, 101, 30, 100, 10, 101, 30), 10);
  assert.equal(ofiTerm(100.5, 5, 101, 25, 100, 20, 101, 30), 10);
  assert.equal(ofiTerm(100.5, 5, 100.8, 8, 100.5, 5, 101, 25), -8);
  assertClose(at(m, 1, 'ofi_1'), 10 / 50, 1e-15);
  assertClose(at(m, 2, 'ofi_2ev'), 20 / ((50 + 30) / 2), 1e-12);
  assertClose(at(m, 3, 'ofi_2ev'), 2 / ((30 + 13) / 2), 1e-12);
  assert.ok(Number.isNaN(at(m, 1, 'ofi_2ev')), 'window holds row 0, whose OFI is undefined');
  // Tick rule: +5 (up), +3 (unchanged, carried), -2 (down) -> tsi over 3 rows = 6 / 10.
  assertClose(at(m, 3, 'signed_volume_1'), -2, 0);
  assertClose(at(m, 3, 'tsi_3ev'), 0.6, 1e-15);
  const vwap = (100.6 * 5 + 100.6 * 3 + 100.55 * 2) / 10;
  assertClose(at(m, 3, 'vwap_dev_bps_3ev'), (100.55 / vwap - 1) * 1e4, 1e-9);
  // Realized vol over 2 rows at row 2: sqrt(r1^2 + r2^2), r = ln(WAP_t / WAP_t-1) in bps.
  const wap = [100.25, (100 * 30 + 101 * 20) / 50, (100.5 * 25 + 101 * 5) / 30];
  const r1 = Math.log(wap[1]! / wap[0]!) * 1e4, r2 = Math.log(wap[2]! / wap[1]!) * 1e4;
  assertClose(at(m, 2, 'rv_2ev'), Math.hypot(r1, r2), 1e-9);
  assertClose(at(m, 2, 'ret_2ev'), Math.log(wap[2]! / wap[0]!) * 1e4, 1e-9);
  assertClose(at(m, 2, 'up_ratio_2ev'), (Math.max(r1, 0) + Math.max(r2, 0)) / (Math.abs(r1) + Math.abs(r2)), 1e-12);
  assertClose(at(m, 3, 'secs_since_trade'), 0, 0);
  // Taker sides reported by the venue override the tick rule.
  const sided = computeFeatures(frameFromRows(TINY.map((r) => ({ ...r, buy_volume: r.volume / 2 }))), tinyCfg);
  assert.equal(at(sided, 3, 'signed_volume_1'), 0);
});

test('L10 book: depth imbalance over 3 / 5 / 10 levels and multi-level OFI by hand', () => {
  const book = (shift: number, extra: number) => {
    const bk = { bidPrice: new Float64Array(BOOK_LEVELS), bidSize: new Float64Array(BOOK_LEVELS), askPrice: new Float64Array(BOOK_LEVELS), askSize: new Float64Array(BOOK_LEVELS) };
    for (let l = 0; l < BOOK_LEVELS; l++) {
      bk.bidPrice[l] = 100 - 0.1 * l + shift;
      bk.bidSize[l] = l + 1 + extra;
      bk.askPrice[l] = 101 + 0.1 * l + shift;
      bk.askSize[l] = 2 * (l + 1);
    }
    return bk;
  };
  const b0 = book(0, 0), b1 = book(0, 1);
  const rows = [
    { ...row(1000, 100, 101, 1, 2, 100.5, 1), book: b0 },
    { ...row(2000, 100, 101, 2, 2, 100.5, 1), book: b1 },
  ];
  const m = computeFeatures(frameFromRows(rows), featureConfig({ intervalMs: 0, windowRows: [2], book: true }));
  assertClose(at(m, 0, 'depth_imbalance_3'), (6 - 12) / 18, 1e-15);
  assertClose(at(m, 0, 'depth_imbalance_5'), (15 - 30) / 45, 1e-15);
  assertClose(at(m, 0, 'depth_imbalance_10'), (55 - 110) / 165, 1e-15);
  // Prices unchanged, every bid level +1 share: each level's e = +1 (bid) and 0 (ask), 10 in all, over total depth 175.
  assertClose(at(m, 1, 'mlofi_1'), 10 / (65 + 110), 1e-15);
  assertClose(at(m, 1, 'mlofi_2ev'), NaN, 0);
  const bidDist = Array.from({ length: 10 }, (_, l) => (l + 1) * (100.5 - (100 - 0.1 * l))).reduce((a, b) => a + b, 0);
  assertClose(at(m, 0, 'bid_slope_bps'), (bidDist / 55 / 100.5) * 1e4, 1e-9);
  assert.throws(() => computeFeatures(frameFromRows(TINY), featureConfig({ book: true })), /no L10 book/);
});

function assertSameMatrix(frame: MarketFrame, cfg: ReturnType<typeof featureConfig>): number {
  const m = computeFeatures(frame, cfg);
  const s = new FeatureStream(cfg);
  let compared = 0;
  for (let t = 0; t < m.nRows; t++) {
    s.add(rowAt(frame, t));
    const r = s.getResult();
    for (let j = 0; j < m.nFeatures; j++) {
      const a = r[j]!, b = m.values[t * m.nFeatures + j]!;
      if (!Object.is(a, b)) assert.fail(`row ${t} ${m.names[j]}: stream ${a} vs batch ${b}`);
      if (a === a) compared++;
    }
  }
  return compared;
}

test('batch and streaming features are bit-identical on real LOBSTER data (AMZN L1 1 s grid, AAPL L10 event time)', () => {
  const amzn = loadLobster(AMZN);
  assert.equal(amzn.timestamp.length, 13029);
  const n1 = assertSameMatrix(amzn, featureConfig());
  assert.ok(n1 > 13029 * 50, `finite values compared: ${n1}`);
  const aapl = loadLobster(AAPL10, { intervalMs: 0 });
  const n2 = assertSameMatrix(aapl, featureConfig({ intervalMs: 0, book: true }));
  assert.ok(n2 > 500 * 60);
  const s = new FeatureStream(featureConfig());
  s.add(rowAt(amzn, 1));
  assert.throws(() => s.add(rowAt(amzn, 0)), /not after the previous row/);
});

test('no look-ahead: changing rows after t leaves every feature at or before t unchanged', () => {
  const full = sliceFrame(loadLobster(AMZN), 0, 3000);
  const cfg = featureConfig();
  const base = computeFeatures(full, cfg);
  const cut = 2000;
  const changed = sliceFrame(full, 0, 3000);
  for (let t = cut + 1; t < 3000; t++) {
    changed.bidPrice[t] = changed.bidPrice[t]! * 1.01;
    changed.askPrice[t] = changed.askPrice[t]! * 1.02;
    changed.bidVolume[t] = changed.bidVolume[t]! * 3 + 1;
    changed.volume[t] = changed.volume[t]! + 100;
    changed.buyVolume![t] = changed.buyVolume![t]! + 100;
    changed.close[t] = changed.close[t]! * 0.99;
  }
  const after = computeFeatures(changed, cfg);
  const F = base.nFeatures;
  for (let i = 0; i < (cut + 1) * F; i++) if (!Object.is(base.values[i], after.values[i])) assert.fail(`row ${Math.floor(i / F)} ${base.names[i % F]} changed`);
  let differs = 0;
  for (let i = (cut + 1) * F; i < 3000 * F; i++) if (!Object.is(base.values[i], after.values[i])) differs++;
  assert.ok(differs > 1000, 'the perturbation reaches the later rows');
});

test('loadLobster: 1 s grid stamps rows at the interval end, volume and taker-buy volume from executions', () => {
  const f = loadLobster(AMZN);
  for (let t = 1; t < f.timestamp.length; t++) assert.equal(f.timestamp[t]! - f.timestamp[t - 1]!, 1000);
  let vol = 0, buy = 0;
  for (let t = 0; t < f.timestamp.length; t++) {
    vol += f.volume[t]!;
    buy += f.buyVolume![t]!;
  }
  assert.ok(vol > 0 && buy > 0 && buy < vol);
  // First row: 12:22:34 ET on 2012-06-21 = 16:22:34 UTC at the earliest.
  assert.ok(f.timestamp[0]! >= Date.UTC(2012, 5, 21, 16, 22, 34));
  assert.throws(() => frameFromRows([row(1, 101, 100, 1, 1, 100, 0)]), /row 0: bid_price 101/);
});

test('FeatureStream refuses a bad row without changing its state', () => {
  const cfg = featureConfig({ intervalMs: 0, windowRows: [2, 3] });
  const a = new FeatureStream(cfg), b = new FeatureStream(cfg);
  a.add(TINY[0]!);
  b.add(TINY[0]!);
  assert.throws(() => a.add({ ...TINY[1]!, ask_price: 99 }), /bid_price 100 \/ ask_price 99/);
  assert.throws(() => a.add({ ...TINY[1]!, volume: -1 }), /volume -1 must be >= 0/);
  for (const r of TINY.slice(1)) {
    a.add(r);
    b.add(r);
  }
  assert.deepEqual(a.getResult(), b.getResult());
  assert.equal(a.length, 4);
});
