import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  barFigure,
  candlestickFigure,
  describeFigure,
  figureNotebookHtml,
  figuresToHtml,
  heatmapFigure,
  histogramFigure,
  lineFigure,
  plotlyJsPath,
  scriptJson,
  toPlotArray,
  writeFiguresHtml,
  type Figure,
} from '../lib/viz/index.js';

const DAY = 86_400_000;
const t0 = Date.UTC(2024, 0, 1);
const times = [t0, t0 + DAY, t0 + 2 * DAY];

type Trace = Record<string, unknown>;
const trace = (f: Figure, i = 0): Trace => f.data[i] as Trace;
const layout = (f: Figure): Record<string, any> => f.layout as Record<string, any>;

test('toPlotArray maps NaN and infinities to null and keeps finite values', () => {
  assert.deepEqual(toPlotArray(new Float64Array([1.5, NaN, -2, Infinity, -Infinity, 0])), [1.5, null, -2, null, null, 0]);
});

test('lineFigure: one lines trace per series on a date axis, NaN as gaps', () => {
  const f = lineFigure(times, { a: [1, 2, 3], b: new Float64Array([3, NaN, 1]) }, { title: 'Equity', yTitle: 'growth of 1', logY: true });
  assert.equal(f.data.length, 2);
  assert.deepEqual(trace(f, 0), { type: 'scatter', mode: 'lines', name: 'a', x: times, y: [1, 2, 3] });
  assert.deepEqual(trace(f, 1).y, [3, null, 1]);
  assert.equal(layout(f).xaxis.type, 'date');
  assert.equal(layout(f).yaxis.type, 'log');
  assert.equal(layout(f).yaxis.title.text, 'growth of 1');
  assert.equal(layout(f).title.text, 'Equity');
  assert.equal(layout(f).showlegend, true);
  // Dates and array-of-objects input give the same x.
  const g = lineFigure(times.map((t) => new Date(t)), [{ name: 'a', values: [1, 2, 3] }]);
  assert.deepEqual(trace(g).x, times);
  assert.equal(layout(g).showlegend, false);
});

test('lineFigure rejects a series whose length differs from times, naming it', () => {
  assert.throws(() => lineFigure(times, { ok: [1, 2, 3], short: [1, 2] }), /series "short" has 2 values, times has 3/);
  assert.throws(() => lineFigure(times, {}), /no series/);
  assert.throws(() => lineFigure([t0, NaN], { a: [1, 2] }), /time 1 is not a finite/);
});

test('candlestickFigure: OHLC trace on y, volume bars on y2 colored by direction', () => {
  const f = candlestickFigure({ times, open: [10, 11, 12], high: [12, 12, 13], low: [9, 10, 11], close: [11, 10, 12], volume: [100, 200, NaN] }, { name: 'BTCUSDT' });
  assert.equal(f.data.length, 2);
  const c = trace(f, 0);
  assert.equal(c.type, 'candlestick');
  assert.equal(c.name, 'BTCUSDT');
  assert.deepEqual([c.open, c.high, c.low, c.close], [[10, 11, 12], [12, 12, 13], [9, 10, 11], [11, 10, 12]]);
  const v = trace(f, 1);
  assert.equal(v.type, 'bar');
  assert.equal(v.yaxis, 'y2');
  assert.deepEqual(v.y, [100, 200, null]);
  // close >= open -> up color; bar 1 closes below its open.
  const colors = (v.marker as { color: string[] }).color;
  assert.equal(colors[0], colors[2]);
  assert.notEqual(colors[0], colors[1]);
  // Price and volume domains do not overlap.
  const [p0] = layout(f).yaxis.domain as number[];
  const [, v1] = layout(f).yaxis2.domain as number[];
  assert.ok(v1 < p0);
  assert.equal(layout(f).xaxis.rangeslider.visible, false);
  // Without volume: one trace, no second axis.
  const g = candlestickFigure({ times, open: [1, 1, 1], high: [1, 1, 1], low: [1, 1, 1], close: [1, 1, 1] });
  assert.equal(g.data.length, 1);
  assert.equal(layout(g).yaxis2, undefined);
  assert.throws(() => candlestickFigure({ times, open: [1, 1], high: [1, 1, 1], low: [1, 1, 1], close: [1, 1, 1] }), /open has 2 values, times has 3/);
});

test('heatmapFigure: z rows x columns with labels, diverging scale centered on zmid', () => {
  const z = [new Float64Array([1, 0.5]), [0.5, NaN]];
  const f = heatmapFigure(z, ['a', 'b'], ['a', 'b'], { zmid: 0, showValues: true });
  const h = trace(f);
  assert.equal(h.type, 'heatmap');
  assert.deepEqual(h.z, [[1, 0.5], [0.5, null]]);
  assert.equal(h.zmid, 0);
  assert.equal(h.colorscale, 'RdBu');
  assert.equal(layout(f).yaxis.autorange, 'reversed');
  assert.throws(() => heatmapFigure([[1, 2], [3]], ['x', 'y'], ['r0', 'r1']), /row 1 \(r1\) has 1 values, 2 column labels/);
  assert.throws(() => heatmapFigure([[1]], ['x'], ['r0', 'r1']), /1 rows but 2 row labels/);
});

test('histogramFigure excludes non-finite values and says how many', () => {
  const f = histogramFigure(new Float64Array([0.01, NaN, -0.02, 0.03, Infinity]), { bins: 30, histnorm: 'probability' });
  const h = trace(f);
  assert.equal(h.type, 'histogram');
  assert.deepEqual(h.x, [0.01, -0.02, 0.03]);
  assert.equal(h.name, 'values (n=3, 2 non-finite excluded)');
  assert.equal(h.nbinsx, 30);
  assert.equal(h.histnorm, 'probability');
  const g = histogramFigure({ long: [1, 2], short: [3] });
  assert.equal(g.data.length, 2);
  assert.equal(layout(g).barmode, 'overlay');
  assert.equal(trace(g, 1).name, 'short (n=1)');
});

test('barFigure: grouped vertical bars per series, horizontal option swaps axes', () => {
  const f = barFigure(['mom', 'rev'], { IC: [0.03, -0.01], 'Rank IC': [0.04, NaN] });
  assert.equal(f.data.length, 2);
  assert.deepEqual(trace(f, 0), { type: 'bar', name: 'IC', x: ['mom', 'rev'], y: [0.03, -0.01] });
  assert.deepEqual(trace(f, 1).y, [0.04, null]);
  assert.equal(layout(f).barmode, 'group');
  const h = barFigure(['mom', 'rev'], [1, 2], { orientation: 'h', barmode: 'stack' });
  assert.deepEqual(trace(h), { type: 'bar', orientation: 'h', name: 'value', x: [1, 2], y: ['mom', 'rev'] });
  assert.equal(layout(h).barmode, 'stack');
  assert.throws(() => barFigure(['a', 'b', 'c'], { s: [1, 2] }), /series "s" has 2 values, 3 categories/);
});

test('figures are plain JSON: a JSON round trip keeps them equal', () => {
  const figs = [
    lineFigure(times, { a: [1, NaN, 3] }),
    candlestickFigure({ times, open: [1, 2, 3], high: [2, 3, 4], low: [0, 1, 2], close: [2, 1, 3], volume: [5, 6, 7] }),
    heatmapFigure([[1]], ['x'], ['y']),
    histogramFigure([1, 2, 3]),
    barFigure(['a'], [1]),
  ];
  // No typed arrays, NaN or undefined fields: the JSON copy is deep-equal to the figure.
  for (const f of figs) assert.deepEqual(JSON.parse(JSON.stringify(f)), f);
  for (const f of figs) assert.doesNotMatch(JSON.stringify(f), /NaN/);
  assert.equal(describeFigure(figs[0]), '[Figure: scatter "a"]');
});

test('scriptJson cannot close a script tag and parses back to the same value', () => {
  const v = { s: '</script><script>alert(1)</script>', u: '\u2028' };
  const j = scriptJson(v);
  assert.doesNotMatch(j, /<\//);
  assert.deepEqual(JSON.parse(j), v);
});

test('figureNotebookHtml loads plotly.js through one page-wide promise, not inline', () => {
  const html = figureNotebookHtml(lineFigure(times, { a: [1, 2, 3] }), { id: 'fig-x' });
  assert.match(html, /<div id="fig-x"/);
  assert.match(html, /window;if\(w\.__alphalabPlotly\)return w\.__alphalabPlotly/);
  assert.match(html, /files\/'\+"node_modules\/plotly\.js-dist\/plotly\.js"/);
  assert.ok(html.length < 5000, `snippet is ${html.length} chars: plotly.js must not be inlined`);
  // Two figures get distinct div ids.
  const a = figureNotebookHtml(barFigure(['a'], [1]));
  const b = figureNotebookHtml(barFigure(['a'], [1]));
  assert.notEqual(/id="([^"]+)"/.exec(a)![1], /id="([^"]+)"/.exec(b)![1]);
});

test('figuresToHtml: a standalone page with plotly.js once and one div per figure', () => {
  const figs = [lineFigure(times, { a: [1, 2, 3] }), barFigure(['a', 'b'], [1, 2])];
  const page = figuresToHtml(figs, { title: 'Tear <sheet>', headerHtml: '<table id="metrics"></table>', plotly: { src: 'plotly.js' } });
  assert.match(page, /^<!DOCTYPE html>/);
  assert.match(page, /<title>Tear &lt;sheet&gt;<\/title>/);
  assert.match(page, /<table id="metrics"><\/table>/);
  assert.equal((page.match(/<div id="fig-\d+"/g) ?? []).length, 2);
  assert.equal((page.match(/<script[^>]*src="plotly\.js"/g) ?? []).length, 1);
  const inline = figuresToHtml(figs, { title: 't' });
  const plotlySize = statSync(plotlyJsPath()).size;
  assert.ok(inline.length > plotlySize * 0.99, 'inline page carries plotly.js');
  assert.equal(inline.split('plotly.js v').length - 1, 1, 'plotly.js is inlined exactly once');
  assert.throws(() => figuresToHtml(figs, { captions: ['one'] }), /1 captions for 2 figures/);
});

test('writeFiguresHtml copies plotly.js next to the page and references it relatively', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-viz-'));
  const path = writeFiguresHtml(join(dir, 'sub', 'report.html'), [barFigure(['a'], [1])], { title: 'r' });
  assert.ok(existsSync(join(dir, 'sub', 'plotly.js')));
  assert.equal(statSync(join(dir, 'sub', 'plotly.js')).size, statSync(plotlyJsPath()).size);
  const page = readFileSync(path, 'utf8');
  assert.match(page, /<script type="text\/javascript" src="plotly\.js"><\/script>/);
  assert.ok(page.length < 100_000);
});

test('writeFiguresHtml: one plotly.js per run / export folder (plotlyDir, reused from parent folders)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-viz-'));
  const a = writeFiguresHtml(join(dir, 'strategies', 's1', 'tearsheet.html'), [barFigure(['a'], [1])], { plotlyDir: join(dir, 'strategies') });
  const b = writeFiguresHtml(join(dir, 'strategies', 's2', 'tearsheet.html'), [barFigure(['a'], [1])], { plotlyDir: join(dir, 'strategies') });
  assert.ok(existsSync(join(dir, 'strategies', 'plotly.js')));
  assert.ok(!existsSync(join(dir, 'strategies', 's1', 'plotly.js')) && !existsSync(join(dir, 'strategies', 's2', 'plotly.js')));
  for (const p of [a, b]) assert.match(readFileSync(p, 'utf8'), /src="\.\.\/plotly\.js"/);
  // A page in a sub-folder of a folder that has a copy reuses it.
  const c = writeFiguresHtml(join(dir, 'strategies', 's3', 'deep', 'x.html'), [barFigure(['a'], [1])]);
  assert.match(readFileSync(c, 'utf8'), /src="\.\.\/\.\.\/plotly\.js"/);
});

test('figure data is embedded with 6 significant digits; integers (epoch ms) exact', () => {
  const html = figureNotebookHtml(lineFigure([Date.UTC(2020, 0, 1), Date.UTC(2020, 0, 2)], { a: [1.23456789123, 2 / 3] }));
  assert.match(html, /1\.23457/);
  assert.match(html, /0\.666667/);
  assert.doesNotMatch(html, /1\.2345678/);
  assert.ok(html.includes(String(Date.UTC(2020, 0, 2))));
});
