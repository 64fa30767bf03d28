import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { displayHtml, displayTable, displayTarget, escapeHtml, formatValue, htmlToText, tableData, tableHtml, tableText } from '../lib/notebook/display.js';

function captureConsole(fn: () => void): string {
  const orig = console.log;
  const lines: string[] = [];
  console.log = (...a: unknown[]) => void lines.push(a.map(String).join(' '));
  try {
    fn();
  } finally {
    console.log = orig;
  }
  return lines.join('\n');
}

const rows = [
  { factor: 'mom_20', ic: 0.031234567, n: 1259 },
  { factor: 'rev<5>', ic: NaN, n: 1258 },
  { factor: 'vol', ic: -1.5e-7, n: null },
];

test('formatValue: 4 significant digits, integers in full, NaN / null explicit, dates ISO', () => {
  assert.equal(formatValue(0.031234567), '0.03123');
  assert.equal(formatValue(1259), '1259');
  assert.equal(formatValue(NaN), 'NaN');
  assert.equal(formatValue(null), 'null');
  assert.equal(formatValue(-1.5e-7), '-1.5e-7');
  assert.equal(formatValue(new Date(Date.UTC(2024, 1, 3))), '2024-02-03');
  assert.equal(formatValue(new Date(Date.UTC(2024, 1, 3, 5))), '2024-02-03T05:00:00.000Z');
  assert.equal(formatValue(12345678901234567890n), '12345678901234567890');
});

test('tableText aligns numeric columns right and reports cut rows', () => {
  const t = tableText(rows, 2).split('\n');
  assert.equal(t.length, 5);
  assert.match(t[0], /^factor\s+ic\s+n$/);
  assert.equal(t[2], 'mom_20  0.03123  1259');
  assert.equal(t[3], 'rev<5>      NaN  1258');
  assert.equal(t[4], '2 of 3 rows shown');
});

test('tableHtml escapes values and has one row per shown row', () => {
  const h = tableHtml(rows);
  assert.equal((h.match(/<tr>/g) ?? []).length, 1 + rows.length);
  assert.match(h, /rev&lt;5&gt;/);
  assert.doesNotMatch(h, /rev<5>/);
  assert.doesNotMatch(h, /rows shown/);
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('tableData takes a polars-like DataFrame through head(maxRows)', () => {
  let asked = -1;
  const df = { columns: ['a', 'b'], height: 100, head: (n: number) => ((asked = n), { toRecords: () => [{ a: 1, b: 'x' }] }) };
  const d = tableData(df, 7);
  assert.equal(asked, 7);
  assert.deepEqual(d, { columns: ['a', 'b'], rows: [{ a: 1, b: 'x' }], total: 100 });
  assert.throws(() => tableData(rows, -1), /maxRows must be a non-negative integer/);
  assert.throws(() => tableData('x' as never), /expected an array of row objects or a polars DataFrame/);
});

test('outside a kernel display helpers print text to the console', () => {
  assert.equal(displayTarget(), 'console');
  const out = captureConsole(() => {
    displayTable(rows, 1);
    displayHtml('<p>a &amp; b</p><script>ignored()</script>');
  });
  assert.equal(out, `${tableText(rows, 1)}\na & b`);
  assert.equal(htmlToText('<div>x</div><div>y</div>'), 'x\ny');
});
