/** Group labels from CSV: the bundled GICS sector file, withGroups, and its errors. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseGroupCsv, sp500SectorsPath, withGroups, type Panel } from '../lib/data/index.js';
import { simulatePortfolio } from '../lib/backtest/index.js';

const tiny = (assets: string[]): Panel => {
  const T = 3, N = assets.length;
  const close = Float64Array.from({ length: T * N }, (_, i) => 10 + (i % 7));
  return { frequency: '1d', market: 'equity', times: Float64Array.from([0, 1, 2].map((t) => Date.UTC(2017, 0, 3 + t))), assets, fields: { open: close, high: close, low: close, close, volume: close } };
};

test('the bundled sector file: 505 tickers, 11 GICS sectors, known labels', () => {
  const map = parseGroupCsv(readFileSync(sp500SectorsPath(), 'utf8'), 'sectors', { groupColumn: 'sector' });
  assert.equal(map.size, 505);
  assert.equal(new Set(map.values()).size, 11);
  assert.equal(map.get('AAPL'), 'Information Technology');
  assert.equal(map.get('AAL'), 'Industrials');
  assert.equal(map.get('PCLN'), 'Consumer Discretionary'); // from the 2017 snapshot
});

test('withGroups attaches labels in asset order; missing assets are an error naming them unless a label is given; quoted CSV fields', () => {
  const p = withGroups(tiny(['AAPL', 'A', 'AAL']), sp500SectorsPath());
  assert.deepEqual(p.groups!['sector'], ['Information Technology', 'Health Care', 'Industrials']);
  assert.throws(() => withGroups(tiny(['AAPL', 'ZZZZ']), sp500SectorsPath()), /1 of 2 assets have no "sector" label in .*sp500_sectors_2018\.csv: ZZZZ/);
  assert.deepEqual(withGroups(tiny(['AAPL', 'ZZZZ']), { AAPL: 'Tech' }, { missingLabel: 'Unknown' }).groups!['sector'], ['Tech', 'Unknown']);
  const m = parseGroupCsv('symbol,name,industry\nX,"Foo, Inc.",Banks\nY,"say ""hi""",Media\n', 'f.csv', { groupColumn: 'industry' });
  assert.deepEqual([...m], [['X', 'Banks'], ['Y', 'Media']]);
  assert.throws(() => parseGroupCsv('symbol,sector\nX,\n', 'f.csv', { groupColumn: 'sector' }), /f\.csv: row 2: empty sector/);
  assert.throws(() => parseGroupCsv('ticker,sector\n', 'f.csv', { groupColumn: 'sector' }), /f\.csv: no column "symbol" \(columns: ticker, sector\)/);
  // group neutralization runs on the attached labels: within each sector the weights sum to 0
  const g = withGroups(tiny(['AAPL', 'MSFT', 'A', 'ABT']), sp500SectorsPath());
  const f = Float64Array.from([1, 2, 3, 5, 1, 2, 3, 5, 1, 2, 3, 5]);
  const r = simulatePortfolio(f, g, { delay: 0, neutralization: 'group', truncation: 1 });
  for (let t = 0; t < 3; t++) {
    assert.ok(Math.abs(r.weights[t * 4]! + r.weights[t * 4 + 1]!) < 1e-12);
    assert.ok(Math.abs(r.weights[t * 4 + 2]! + r.weights[t * 4 + 3]!) < 1e-12);
  }
});
