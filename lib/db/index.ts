/** DuckDB access shared by the catalog, the factor store, optimizer studies and the knowledge base. */
export { Db, sqlString } from './duckdb.js';
export type { Row, SqlParams } from './duckdb.js';
export { projectRoot, defaultDbPath, defaultLakeDir } from './paths.js';
