/** Market data: the panel type, ingest into parquet + DuckDB, and panel loading. */
export * from './panel.js';
