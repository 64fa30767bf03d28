import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The project root: the nearest folder, from `start` upwards, that holds the
 * project's package.json (name "alphalab"). Kernels start in the project root,
 * so `process.cwd()` is the usual start. Avoids `import.meta` so lib/ stays
 * loadable by tslab's CommonJS conversion.
 * @throws Error when no such folder exists above `start`.
 */
export function projectRoot(start: string = process.cwd()): string {
  const fromEnv = process.env.ALPHALAB_ROOT;
  if (fromEnv) return resolve(fromEnv);
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'lib')) && existsSync(join(dir, 'notebooks'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`projectRoot: no alphalab project (package.json + lib/ + notebooks/) above ${start}; set ALPHALAB_ROOT`);
    dir = up;
  }
}

/** Default DuckDB catalog file: `$ALPHALAB_DB`, else `<root>/data/quant.duckdb`. */
export function defaultDbPath(): string {
  return process.env.ALPHALAB_DB ? resolve(process.env.ALPHALAB_DB) : join(projectRoot(), 'data', 'quant.duckdb');
}

/** Folder for ingested parquet datasets: `$ALPHALAB_LAKE`, else `<root>/data/lake`. */
export function defaultLakeDir(): string {
  return process.env.ALPHALAB_LAKE ? resolve(process.env.ALPHALAB_LAKE) : join(projectRoot(), 'data', 'lake');
}

/**
 * The shared data folder with the larger datasets that are not bundled (the
 * 1,050-ticker US panel, 5m / 1m perpetual bars, order-book samples; see its
 * PROVENANCE.md): `$ALPHALAB_SHARED_DATA`, else `<root>/../shared/data`. It may
 * not exist; callers check the file they need and say how to get it.
 */
export function sharedDataDir(): string {
  return process.env.ALPHALAB_SHARED_DATA ? resolve(process.env.ALPHALAB_SHARED_DATA) : resolve(projectRoot(), '..', 'shared', 'data');
}
