import { displayBundle, type Displayed } from '../notebook/display.js';
import { describeFigure, type Figure } from './figure.js';
import { figureNotebookHtml } from './html.js';

/**
 * Shows a figure in the running notebook (tslab or Deno kernel): an HTML
 * output that draws it with plotly.js, loaded once per notebook page from the
 * Jupyter server (`<base>/files/node_modules/plotly.js-dist/plotly.js`), see
 * {@link figureNotebookHtml}. Outside a kernel it prints a one-line
 * description. The notebook must be trusted for the plot to render (the
 * runner signs the notebooks it executes).
 * @returns nothing printable (see displayBundle).
 */
export function showFigure(fig: Figure): Displayed {
  return displayBundle({ 'text/html': figureNotebookHtml(fig), 'text/plain': describeFigure(fig) });
}
