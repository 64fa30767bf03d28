/**
 * lib/monitor: the dashboard. Reads the stores (fleet state file, job tables,
 * knowledge base, trial store, BRAIN tables, trading journals) and sends
 * commands as files (kill switch, PAUSE, request files); never reaches into a
 * running engine. See docs/dashboard.md.
 */
export * from './paths.js';
export * from './store-read.js';
export * from './snapshot.js';
export * from './controls.js';
export * from './logs.js';
export * from './views.js';
export * from './server.js';
