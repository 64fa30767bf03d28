/**
 * Notebooks: headless execution of .ipynb files on the project's Jupyter
 * kernels (tslab, Deno), the project's Jupyter settings, and rich display
 * helpers for notebook code.
 *
 * Notebook code that only needs display should import `./lib/notebook/display.js`
 * (no Node-only dependencies); the runner parts use Node and @jupyterlab/services.
 */
export * from './display.js';
export * from './format.js';
export * from './nbformat.js';
export * from './config.js';
export * from './server.js';
export * from './sign.js';
export * from './runner.js';
export * from './params.js';
export * from './report.js';
