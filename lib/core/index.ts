/**
 * Floor 1, no domain imports: typed config files (one defaults table, unknown keys rejected).
 */
export * from './research-config.js';
export * from './settings.js';
