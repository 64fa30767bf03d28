/**
 * Plots on plotly.js: figure specs and builders (pure), notebook display that
 * loads plotly.js once per notebook, and standalone HTML pages for reports.
 */
export * from './figure.js';
export * from './html.js';
export * from './show.js';
export { displayHtml, displayText, displayTable, displayMarkdown } from '../notebook/display.js';
