/** DuckDB access shared by the catalog, the factor store, optimizer studies and the knowledge base. */
export { Db, sqlString } from './duckdb.js';
export type { Row, SqlParams } from './duckdb.js';
export { projectRoot, defaultDbPath, defaultLakeDir, sharedDataDir } from './paths.js';
export { encodeJson, decodeJson, float64FromBase64, sha256, stableJson, nonFiniteAsString, reviveNonFinite, decodeNumber, toJsonSafe, canonicalJson } from './json.js';
export type { JsonValue } from './json.js';
