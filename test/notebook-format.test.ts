import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmtBps, fmtNumber, fmtPercent, fmtPValue, formatByKind, columnKindsOf, withColumnKinds } from '../lib/notebook/format.js';
import { tableHtml, tableLayout, tableText } from '../lib/notebook/display.js';

test('fmtNumber: 4 significant digits, integers in full, scientific past 1e-4 and from 1e9', () => {
  assert.equal(fmtNumber(0.031234567), '0.03123');
  assert.equal(fmtNumber(-2.04567), '-2.046');
  assert.equal(fmtNumber(1259), '1259');
  assert.equal(fmtNumber(12345.678), '12346');
  assert.equal(fmtNumber(0.00012346), '0.0001235');
  assert.equal(fmtNumber(0.000012346), '1.235e-5');
  assert.equal(fmtNumber(3e9 + 0.5), '3e+9');
  assert.equal(fmtNumber(NaN), 'n/a');
  assert.equal(fmtNumber(-Infinity), '-inf');
  assert.equal(fmtNumber(0), '0');
});

test('fmtPercent: fraction -> percent with the unit, 3 significant digits, fixed decimals', () => {
  assert.equal(fmtPercent(0.6912), '69.1%');
  assert.equal(fmtPercent(0.776), '77.6%');
  assert.equal(fmtPercent(0.5), '50.0%');
  assert.equal(fmtPercent(-0.321), '-32.1%');
  assert.equal(fmtPercent(0.000123), '0.0123%');
  assert.equal(fmtPercent(1), '100%');
  assert.equal(fmtPercent(12.3456), '1235%');
  assert.equal(fmtPercent(0), '0%');
  assert.equal(fmtPercent(NaN), 'n/a');
});

test('fmtPValue: 2 significant digits, scientific below 1e-4, underflow stated', () => {
  assert.equal(fmtPValue(0.03141), '0.031');
  assert.equal(fmtPValue(0.00012), '0.00012');
  assert.equal(fmtPValue(0.0000321), '3.2e-5');
  assert.equal(fmtPValue(1.04e-12), '1e-12');
  assert.equal(fmtPValue(0), '<1e-300');
  assert.equal(fmtPValue(0.99999), '1');
  assert.equal(fmtBps(0.00123), '12.3 bps');
  assert.equal(fmtBps(-0.000051), '-0.51 bps');
});

test('formatByKind and withColumnKinds: kinds travel with the rows, JSON and keys unchanged', () => {
  assert.equal(formatByKind(0.25, 'percent'), '25.0%');
  assert.equal(formatByKind(2e-7, 'pvalue'), '2e-7');
  assert.equal(formatByKind('x', 'percent'), 'x');
  const rows = withColumnKinds([{ a: 0.5, p: 1e-6 }], { a: 'percent', p: 'pvalue' });
  assert.deepEqual(columnKindsOf(rows), { a: 'percent', p: 'pvalue' });
  assert.equal(JSON.stringify(rows), '[{"a":0.5,"p":0.000001}]');
  assert.deepEqual(Object.keys(rows), ['0']);
  const text = tableText(rows);
  assert.match(text, /50\.0%/);
  assert.match(text, /1e-6/);
});

test('tables: long text goes on its own row, never as a column; numbers right-aligned and unwrapped', () => {
  const reasons = 'Rank IC 0.004 < 0.02; ICIR 0.03 < 0.05; p 0.2 > 0.05; spread t 0.9 < 2; monotonicity 0.1 < 0.5';
  const rows = [{ factor: 'mom_20', sharpe: 1.23456, reasons }, { factor: 'rev_5', sharpe: -0.5, reasons: '' }];
  const lay = tableLayout(rows);
  assert.deepEqual(lay.columns, ['factor', 'sharpe']);
  assert.deepEqual(lay.wide, ['reasons']);
  assert.deepEqual(lay.notes, [[['reasons', reasons]], []]);
  const text = tableText(rows).split('\n');
  assert.equal(text[0], 'factor  sharpe');
  assert.equal(text[2], 'mom_20   1.235');
  assert.equal(text[3], `    reasons: ${reasons}`);
  assert.equal(text[4], 'rev_5     -0.5');
  const html = tableHtml(rows);
  assert.match(html, /<th>factor<\/th><th>sharpe<\/th><\/tr>/);
  assert.match(html, /colspan="2"[^>]*><b>reasons:<\/b> Rank IC 0\.004 &lt; 0\.02/);
  assert.match(html, /white-space:nowrap;text-align:right">1\.235</);
  // Short text stays a column.
  assert.deepEqual(tableLayout([{ a: 'short', b: 1 }]).wide, []);
});
