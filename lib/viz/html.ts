import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { projectRoot } from '../db/paths.js';
import { escapeHtml } from '../notebook/display.js';
import type { Figure } from './figure.js';

/** Path of plotly.js inside the project, relative to the project root (served by Jupyter at `<base>/files/<this>`). */
export const PLOTLY_REL_PATH = 'node_modules/plotly.js-dist/plotly.js';

/**
 * Absolute path of the bundled plotly.js (plotly.js-dist, one ~10 MB file):
 * looked up from `start` (default the working directory) upwards, then in the project root.
 * @throws Error naming the package when it is not installed.
 */
export function plotlyJsPath(start: string = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    const p = join(dir, PLOTLY_REL_PATH);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const p = join(projectRoot(), PLOTLY_REL_PATH);
  if (existsSync(p)) return p;
  throw new Error(`plotly.js not found (${PLOTLY_REL_PATH}); install the project's npm dependencies (plotly.js-dist)`);
}

/** JSON for embedding inside a `<script>`: `<`, U+2028 and U+2029 escaped so the text cannot close the tag. */
export function scriptJson(value: unknown, opts: { significantDigits?: number } = {}): string {
  const sig = opts.significantDigits;
  // Figures: non-integer numbers rounded to `sig` significant digits (plots and hover labels need no more; a
  // five-year daily figure shrinks about 3x). Integers (epoch ms times, counts) are kept exact.
  const replacer = sig ? (_k: string, v: unknown): unknown => (typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v) ? Number(v.toPrecision(sig)) : v) : undefined;
  return JSON.stringify(value, replacer)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Significant digits kept for non-integer numbers in figure data embedded in notebooks and pages. */
export const FIGURE_DIGITS = 6;

let counter = 0;
function newId(): string {
  counter = (counter + 1) % 1e9;
  return `alphalab-plot-${Date.now().toString(36)}-${counter}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/**
 * The page-wide loader, inlined (about 1 KB) in each notebook figure: the first
 * figure on a page adds one `<script src>` for plotly.js and stores the
 * promise in `window.__alphalabPlotly`; every later figure awaits the same
 * promise, so plotly.js (10 MB) is fetched once per notebook page and never
 * stored in the notebook. The URL is the Jupyter server's `files/` route for
 * `node_modules/plotly.js-dist/plotly.js` under the server's base URL (read
 * from `<body data-base-url>` in the classic notebook / nbclassic, from
 * `#jupyter-config-data` in JupyterLab), so it works offline as long as the
 * server's root is the project root (as `npm run lab` starts it).
 */
function loaderJs(rel: string): string {
  return `function alphalabPlotly(){var w=window;if(w.__alphalabPlotly)return w.__alphalabPlotly;
w.__alphalabPlotly=new Promise(function(res,rej){if(w.Plotly&&w.Plotly.newPlot)return res(w.Plotly);
var b=(document.body&&document.body.getAttribute('data-base-url'))||'';
if(!b){var c=document.getElementById('jupyter-config-data');if(c){try{b=JSON.parse(c.textContent||'{}').baseUrl||'';}catch(e){}}}
if(!b)b='/';if(b.charAt(b.length-1)!=='/')b+='/';var u=b+'files/'+${JSON.stringify(rel)};
var s=document.createElement('script');s.src=u;s.async=true;
s.onload=function(){w.Plotly?res(w.Plotly):rej(new Error('plotly.js loaded but did not define Plotly'));};
s.onerror=function(){w.__alphalabPlotly=undefined;rej(new Error('could not load '+u+' (is the Jupyter server root the alphalab project?)'));};
document.head.appendChild(s);});return w.__alphalabPlotly;}`;
}

/**
 * HTML for one figure in a notebook output: a `<div>` plus a script that
 * loads plotly.js once per page (see the loader) and draws the figure with
 * `Plotly.newPlot`. Shows a short message in the div when plotly.js cannot be
 * loaded. Renders only in trusted notebooks (the runner signs its outputs).
 */
export function figureNotebookHtml(fig: Figure, opts: { id?: string; plotlyPath?: string } = {}): string {
  const id = opts.id ?? newId();
  const height = (fig.layout as { height?: number } | undefined)?.height ?? 450;
  const config = { responsive: true, displaylogo: false, ...(fig.config ?? {}) };
  return `<div id="${id}" class="alphalab-plot" style="width:100%;min-height:${height}px"></div>
<script type="text/javascript">(function(){${loaderJs(opts.plotlyPath ?? PLOTLY_REL_PATH)}
var el=document.getElementById(${JSON.stringify(id)});var f=${scriptJson({ data: fig.data, layout: fig.layout ?? {}, config }, { significantDigits: FIGURE_DIGITS })};
alphalabPlotly().then(function(P){P.newPlot(el,f.data,f.layout,f.config);},function(e){el.style.minHeight='0';el.textContent='[plot not shown: '+e.message+']';});})();</script>`;
}

let plotlyCache: { path: string; text: string } | undefined;
/** plotly.js source, safe inside a `<script>` element; read once per process. */
function inlinePlotly(): string {
  const path = plotlyJsPath();
  if (!plotlyCache || plotlyCache.path !== path) plotlyCache = { path, text: readFileSync(path, 'utf8').replace(/<\/script/gi, '<\\/script') };
  return plotlyCache.text;
}

/** Options of {@link figuresToHtml}. */
export interface FiguresHtmlOptions {
  /** Page title (also shown as the top heading). */
  title?: string;
  /** Raw HTML inserted after the heading and before the figures (e.g. a metrics table); not escaped. */
  headerHtml?: string;
  /**
   * How the page gets plotly.js: `inline` (default: the whole library inside
   * the page, ~10 MB, works anywhere offline) or `{ src }` (a `<script src>`
   * to a URL or a path relative to the page, e.g. a copy written next to it).
   */
  plotly?: 'inline' | { src: string };
  /** Optional HTML per figure, shown above it (same length as figs); not escaped. */
  captions?: readonly string[];
}

/**
 * A standalone HTML page with figures, for reports (tear sheets): the
 * `headerHtml`, then one div per figure, drawn by plotly.js when the page
 * loads. No network is needed when plotly is `inline`, or when `src` points
 * at a local copy (see {@link writeFiguresHtml}).
 * @throws Error when `captions` is given with a length other than `figs.length`, or plotly.js is not installed (inline).
 */
export function figuresToHtml(figs: readonly Figure[], opts: FiguresHtmlOptions = {}): string {
  if (opts.captions && opts.captions.length !== figs.length) throw new Error(`figuresToHtml: ${opts.captions.length} captions for ${figs.length} figures`);
  const title = opts.title ?? 'alphalab report';
  const plotly = opts.plotly ?? 'inline';
  const plotlyTag =
    plotly === 'inline'
      ? `<script type="text/javascript">${inlinePlotly()}</script>`
      : `<script type="text/javascript" src="${escapeHtml(plotly.src)}"></script>`;
  const divs = figs
    .map((fig, i) => {
      const height = (fig.layout as { height?: number } | undefined)?.height ?? 450;
      const caption = opts.captions?.[i] ? `<div class="caption">${opts.captions[i]}</div>` : '';
      return `<section class="figure">${caption}<div id="fig-${i}" style="width:100%;height:${height}px"></div></section>`;
    })
    .join('\n');
  const specs = figs.map((f) => ({ data: f.data, layout: f.layout ?? {}, config: { responsive: true, displaylogo: false, ...(f.config ?? {}) } }));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1200px; padding: 0 16px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; }
th { background: #f5f5f5; }
section.figure { margin: 16px 0 24px; }
.caption { font-size: 14px; margin-bottom: 4px; }
</style>
${plotlyTag}
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${opts.headerHtml ?? ''}
${divs}
<script type="text/javascript">
(function () {
  var figs = ${scriptJson(specs, { significantDigits: FIGURE_DIGITS })};
  if (typeof Plotly === 'undefined') {
    document.body.insertAdjacentHTML('beforeend', '<p style="color:#b00">plotly.js could not be loaded: figures are not shown.</p>');
    return;
  }
  for (var i = 0; i < figs.length; i++) Plotly.newPlot(document.getElementById('fig-' + i), figs[i].data, figs[i].layout, figs[i].config);
})();
</script>
</body>
</html>
`;
}

/**
 * Writes {@link figuresToHtml} to `path` (folders created). By default
 * (`plotly: 'copy'`) plotly.js is referenced relatively from a copy in the
 * page's folder or up to two folders above it, else copied once into
 * `plotlyDir` (default the page's folder; e.g. the strategies folder, so
 * exported strategies share one copy), so the page opens offline from disk without
 * carrying 10 MB per report; `plotly: 'inline'` embeds it instead.
 * @returns the absolute path written.
 */
export function writeFiguresHtml(path: string, figs: readonly Figure[], opts: Omit<FiguresHtmlOptions, 'plotly'> & { plotly?: 'copy' | 'inline'; plotlyDir?: string } = {}): string {
  const abs = resolve(path);
  mkdirSync(dirname(abs), { recursive: true });
  let plotly: FiguresHtmlOptions['plotly'] = 'inline';
  if ((opts.plotly ?? 'copy') === 'copy') {
    const src = plotlyJsPath();
    const size = statSync(src).size;
    const same = (p: string): boolean => existsSync(p) && statSync(p).size === size;
    // One copy per run / export folder: reuse a copy in the page's folder or up to two folders above it, else write one into plotlyDir (default the page's folder).
    let dest = [0, 1, 2].map((up) => join(dirname(abs), ...Array<string>(up).fill('..'), basename(src))).find(same);
    if (!dest) {
      dest = join(resolve(opts.plotlyDir ?? dirname(abs)), basename(src));
      mkdirSync(dirname(dest), { recursive: true });
      if (!same(dest)) copyFileSync(src, dest);
    }
    plotly = { src: relative(dirname(abs), dest).split(sep).join('/') };
  }
  writeFileSync(abs, figuresToHtml(figs, { ...opts, plotly }));
  return abs;
}

