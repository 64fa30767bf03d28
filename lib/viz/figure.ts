/**
 * Plot specs for plotly.js: a {@link Figure} is plain JSON (`data` traces and
 * a `layout`, as in plotly.js's `Plotly.newPlot(div, data, layout, config)`),
 * so it can be displayed in a notebook, written into an HTML report, or
 * inspected in tests. The builders here are pure: no DOM, no I/O.
 *
 * Times are epoch milliseconds UTC (the {@link Panel} convention); they are
 * kept as numbers on a `type: 'date'` x axis (plotly reads numbers on a date
 * axis as epoch ms). NaN values become `null` (a gap in lines; skipped by
 * bars and heatmaps).
 */

/** A plotly.js figure: traces, layout and optional config. */
export interface Figure {
  /** plotly.js traces (`{ type: 'scatter', x, y, ... }`). */
  data: object[];
  /** plotly.js layout. */
  layout?: object;
  /** plotly.js config (e.g. `{ responsive: true }`). */
  config?: object;
}

/** Numbers accepted by the builders: plain arrays or typed arrays. */
export type NumArray = ArrayLike<number>;

/** Common options of the builders. */
export interface FigureOptions {
  /** Figure title. */
  title?: string;
  /** Height in pixels (default: plotly's 450, 600 for candlesticks). */
  height?: number;
  /** X axis title. */
  xTitle?: string;
  /** Y axis title. */
  yTitle?: string;
}

/** Copies numbers into a plain array with NaN / ±Infinity as null (plotly gaps; JSON has no NaN). */
export function toPlotArray(values: NumArray): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = Number.isFinite(v) ? v : null;
  }
  return out;
}

/** Time values for a date axis: epoch ms numbers (Dates converted); throws on non-finite times. */
function timeArray(times: NumArray | readonly Date[], what: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < times.length; i++) {
    const t = (times as ArrayLike<number | Date>)[i];
    const ms = t instanceof Date ? t.getTime() : t;
    if (!Number.isFinite(ms)) throw new Error(`${what}: time ${i} is not a finite epoch-ms value (${String(t)})`);
    out.push(ms);
  }
  return out;
}

function baseLayout(opts: FigureOptions): Record<string, unknown> {
  const layout: Record<string, unknown> = { margin: { t: opts.title ? 60 : 20, r: 20, b: 40, l: 60 } };
  // Title anchored at the left edge of the plot area: plotly's mode bar sits top right, and a centered title runs under it.
  if (opts.title) layout.title = { text: opts.title, x: 0, xref: 'paper', xanchor: 'left' };
  if (opts.height) layout.height = opts.height;
  return layout;
}

// automargin: plotly widens the margin to fit long tick labels (e.g. factor names on a heatmap's y axis).
function axis(title: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return title ? { automargin: true, ...extra, title: { text: title } } : { automargin: true, ...extra };
}

/** Named series: `{ name: values }` or `[{ name, values }]`. */
export type SeriesInput = Record<string, NumArray> | readonly { name: string; values: NumArray }[];

function seriesList(series: SeriesInput): { name: string; values: NumArray }[] {
  return Array.isArray(series) ? series.slice() : Object.entries(series as Record<string, NumArray>).map(([name, values]) => ({ name, values }));
}

/**
 * Line chart of several series over time (e.g. cumulative returns of
 * strategies): one `scatter` trace in `lines` mode per series on a date x axis.
 * @param times bar times, epoch ms UTC or Dates, length n.
 * @param series named series, each of length n; NaN is drawn as a gap.
 * @param opts `logY` for a log y axis.
 * @throws Error naming the series whose length differs from `times`, or when there is no series.
 */
export function lineFigure(times: NumArray | readonly Date[], series: SeriesInput, opts: FigureOptions & { logY?: boolean } = {}): Figure {
  const x = timeArray(times, 'lineFigure');
  const list = seriesList(series);
  if (list.length === 0) throw new Error('lineFigure: no series given');
  const data = list.map(({ name, values }) => {
    if (values.length !== x.length) throw new Error(`lineFigure: series "${name}" has ${values.length} values, times has ${x.length}`);
    return { type: 'scatter', mode: 'lines', name, x, y: toPlotArray(values) };
  });
  const layout = { ...baseLayout(opts), xaxis: axis(opts.xTitle, { type: 'date' }), yaxis: axis(opts.yTitle, opts.logY ? { type: 'log' } : {}), showlegend: list.length > 1 };
  return { data, layout };
}

/** OHLC(V) bars for {@link candlestickFigure}: arrays of equal length n. */
export interface OhlcInput {
  /** Bar open times, epoch ms UTC (or Dates), length n. */
  times: NumArray | readonly Date[];
  /** Open price per bar (price units of the asset), length n. */
  open: NumArray;
  /** High price per bar, length n. */
  high: NumArray;
  /** Low price per bar, length n. */
  low: NumArray;
  /** Close price per bar, length n. */
  close: NumArray;
  /** Traded volume per bar (optional: without it there is no volume subplot). */
  volume?: NumArray;
}

/**
 * Candlestick chart with a volume subplot: a `candlestick` trace on the upper
 * 72% of the height (y axis `y`) and, when `volume` is given, a `bar` trace of
 * volume on the lower 22% (y axis `y2`), sharing the date x axis; plotly's
 * range slider is off. Volume bars are colored by the bar's direction (close >= open: up).
 * @throws Error naming the field whose length differs from `times`.
 */
export function candlestickFigure(bars: OhlcInput, opts: FigureOptions & { name?: string } = {}): Figure {
  const x = timeArray(bars.times, 'candlestickFigure');
  const fields: [string, NumArray | undefined][] = [
    ['open', bars.open],
    ['high', bars.high],
    ['low', bars.low],
    ['close', bars.close],
    ['volume', bars.volume],
  ];
  for (const [name, v] of fields) {
    if (v && v.length !== x.length) throw new Error(`candlestickFigure: ${name} has ${v.length} values, times has ${x.length}`);
    if (!v && name !== 'volume') throw new Error(`candlestickFigure: field ${name} is missing`);
  }
  const name = opts.name ?? 'price';
  const data: object[] = [
    { type: 'candlestick', name, x, open: toPlotArray(bars.open), high: toPlotArray(bars.high), low: toPlotArray(bars.low), close: toPlotArray(bars.close), xaxis: 'x', yaxis: 'y' },
  ];
  const layout: Record<string, unknown> = { ...baseLayout(opts), height: opts.height ?? 600, showlegend: false, xaxis: axis(opts.xTitle, { type: 'date', rangeslider: { visible: false } }) };
  if (bars.volume) {
    const colors = x.map((_, i) => (bars.close[i] >= bars.open[i] ? '#26a69a' : '#ef5350'));
    data.push({ type: 'bar', name: 'volume', x, y: toPlotArray(bars.volume), marker: { color: colors }, xaxis: 'x', yaxis: 'y2' });
    layout.yaxis = axis(opts.yTitle, { domain: [0.28, 1] });
    layout.yaxis2 = { domain: [0, 0.22], title: { text: 'volume' } };
    // Date ticks under the volume panel, not between the panels.
    (layout.xaxis as Record<string, unknown>).anchor = 'y2';
  } else {
    layout.yaxis = axis(opts.yTitle);
  }
  return { data, layout };
}

/** A matrix for {@link heatmapFigure}: rows of equal length. */
export type Matrix = readonly NumArray[];

/**
 * Heatmap of a matrix (e.g. a correlation matrix, or IC by factor x horizon):
 * one `heatmap` trace, `z[i][j]` drawn at column `x[j]`, row `y[i]`, first row
 * at the top (y axis reversed, as a table reads). With `zmid` the color scale
 * is diverging (RdBu) and centered there; `showValues` prints each cell's value
 * (3 significant digits) on it.
 * @param z rows x columns values; NaN cells are left blank.
 * @param x column labels, length = row length.
 * @param y row labels, length = number of rows.
 * @throws Error naming the row whose length differs, or a label count mismatch.
 */
export function heatmapFigure(z: Matrix, x: readonly (string | number)[], y: readonly (string | number)[], opts: FigureOptions & { zmid?: number; colorscale?: string; showValues?: boolean } = {}): Figure {
  if (z.length !== y.length) throw new Error(`heatmapFigure: ${z.length} rows but ${y.length} row labels (y)`);
  z.forEach((row, i) => {
    if (row.length !== x.length) throw new Error(`heatmapFigure: row ${i} (${String(y[i])}) has ${row.length} values, ${x.length} column labels (x)`);
  });
  const trace: Record<string, unknown> = { type: 'heatmap', x: x.slice(), y: y.slice(), z: z.map(toPlotArray), hoverongaps: false };
  if (opts.zmid !== undefined) {
    trace.zmid = opts.zmid;
    trace.colorscale = opts.colorscale ?? 'RdBu';
  } else if (opts.colorscale) trace.colorscale = opts.colorscale;
  if (opts.showValues) {
    trace.texttemplate = '%{z:.3g}'; // 3 significant digits: ICs of 0.004 stay readable
  }
  const layout = { ...baseLayout(opts), xaxis: axis(opts.xTitle), yaxis: axis(opts.yTitle, { autorange: 'reversed' }) };
  return { data: [trace], layout };
}

/**
 * Histogram(s) of values (e.g. the distribution of daily returns): one
 * `histogram` trace per series, overlaid with opacity 0.6 when there are
 * several. Non-finite values (NaN, ±Infinity) are excluded and their count is
 * stated in the trace name (`name (n=..., k non-finite excluded)`), never dropped silently.
 * @param opts `bins`: number of bins (plotly's `nbinsx`); `histnorm`: '' (counts, default), 'probability' or 'probability density'.
 * @throws Error when there is no series.
 */
export function histogramFigure(values: NumArray | SeriesInput, opts: FigureOptions & { bins?: number; histnorm?: '' | 'probability' | 'probability density' } = {}): Figure {
  const list = isNumArray(values) ? [{ name: 'values', values }] : seriesList(values as SeriesInput);
  if (list.length === 0) throw new Error('histogramFigure: no series given');
  const data = list.map(({ name, values: v }) => {
    const finite: number[] = [];
    for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) finite.push(v[i]);
    const bad = v.length - finite.length;
    const trace: Record<string, unknown> = { type: 'histogram', name: `${name} (n=${finite.length}${bad ? `, ${bad} non-finite excluded` : ''})`, x: finite };
    if (opts.bins) trace.nbinsx = opts.bins;
    if (opts.histnorm) trace.histnorm = opts.histnorm;
    if (list.length > 1) trace.opacity = 0.6;
    return trace;
  });
  const layout: Record<string, unknown> = { ...baseLayout(opts), xaxis: axis(opts.xTitle), yaxis: axis(opts.yTitle ?? (opts.histnorm ? opts.histnorm : 'count')), showlegend: list.length > 1 };
  if (list.length > 1) layout.barmode = 'overlay';
  return { data, layout };
}

function isNumArray(v: unknown): v is NumArray {
  return ArrayBuffer.isView(v) || (Array.isArray(v) && (v.length === 0 || typeof v[0] === 'number'));
}

/**
 * Bar chart over categories (e.g. IC per factor, returns per year): one `bar`
 * trace per series, grouped (or `barmode: 'stack'`), vertical or horizontal.
 * @param categories category labels, length n.
 * @param values one series (length n) or named series each of length n.
 * @throws Error naming the series whose length differs from `categories`.
 */
export function barFigure(
  categories: readonly (string | number)[],
  values: NumArray | SeriesInput,
  opts: FigureOptions & { orientation?: 'v' | 'h'; barmode?: 'group' | 'stack' | 'relative' } = {},
): Figure {
  const list = isNumArray(values) ? [{ name: 'value', values }] : seriesList(values as SeriesInput);
  if (list.length === 0) throw new Error('barFigure: no series given');
  const horizontal = opts.orientation === 'h';
  const data = list.map(({ name, values: v }) => {
    if (v.length !== categories.length) throw new Error(`barFigure: series "${name}" has ${v.length} values, ${categories.length} categories`);
    const vals = toPlotArray(v);
    const cats = categories.slice();
    return horizontal ? { type: 'bar', orientation: 'h', name, x: vals, y: cats } : { type: 'bar', name, x: cats, y: vals };
  });
  const layout = { ...baseLayout(opts), barmode: opts.barmode ?? 'group', xaxis: axis(opts.xTitle, horizontal ? {} : { type: 'category' }), yaxis: axis(opts.yTitle, horizontal ? { type: 'category', autorange: 'reversed' } : {}), showlegend: list.length > 1 };
  return { data, layout };
}

/** A one-line text description of a figure (trace types and names), used as the text/plain alternative. */
export function describeFigure(fig: Figure): string {
  const title = (fig.layout as { title?: { text?: string } } | undefined)?.title?.text;
  const traces = fig.data.map((t) => {
    const tr = t as { type?: string; name?: string };
    return `${tr.type ?? 'scatter'}${tr.name ? ` "${tr.name}"` : ''}`;
  });
  return `[Figure${title ? ` "${title}"` : ''}: ${traces.join(', ')}]`;
}
