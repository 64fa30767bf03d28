import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { defaultDbPath } from './paths.js';

/** A SQL parameter: positional (`?` / `$1`) array or named (`$name`) object. */
export type SqlParams = DuckDBValue[] | Record<string, DuckDBValue>;

/** One result row with JS values: BIGINT/HUGEINT become numbers when safe, else bigint; DATE/TIMESTAMP as given by DuckDB's JS converter. */
export type Row = Record<string, unknown>;

// DuckDB runs here without network: never try to download extensions.
const DUCKDB_OPTIONS: Record<string, string> = {
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
};

function normalize(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map(normalize);
  return value;
}

/**
 * A DuckDB database (file or `:memory:`) with one connection, shared per path
 * inside a process (DuckDB allows one writer process per file; several
 * `Db.open` calls on the same path in one process reuse the same instance).
 */
export class Db {
  private static readonly instances = new Map<string, Promise<DuckDBInstance>>();
  private txDepth = 0;

  private constructor(
    /** Path of the database file, or `:memory:`. */
    readonly path: string,
    /** The underlying connection, for APIs this class does not wrap (appenders). */
    readonly connection: DuckDBConnection,
  ) {}

  /**
   * Opens (creating if needed) the database at `path` (default {@link defaultDbPath}).
   * @throws Error from DuckDB when the file is locked by another process or corrupt; the message names the path.
   */
  static async open(path: string = defaultDbPath()): Promise<Db> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    let inst = path === ':memory:' ? undefined : Db.instances.get(path);
    if (!inst) {
      inst = DuckDBInstance.create(path, DUCKDB_OPTIONS);
      if (path !== ':memory:') Db.instances.set(path, inst);
    }
    try {
      const connection = await (await inst).connect();
      return new Db(path, connection);
    } catch (err) {
      Db.instances.delete(path);
      throw new Error(`cannot open DuckDB database ${path}: ${(err as Error).message}`);
    }
  }

  /** Runs one or more statements, discarding results. */
  async exec(sql: string, params?: SqlParams): Promise<void> {
    await this.connection.run(sql, params);
  }

  /** Runs a query and returns all rows as plain objects (see {@link Row}). */
  async all<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map((r) => {
      const out: Row = {};
      for (const [k, v] of Object.entries(r)) out[k] = normalize(v);
      return out as T;
    });
  }

  /** First row of a query, or undefined. */
  async one<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /**
   * Runs `fn` inside a transaction: committed when it resolves, rolled back
   * when it throws (so nothing half-written stays). Nested calls join the
   * outer transaction.
   */
  async transaction<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    if (this.txDepth > 0) {
      this.txDepth++;
      try {
        return await fn(this);
      } finally {
        this.txDepth--;
      }
    }
    await this.exec('BEGIN TRANSACTION');
    this.txDepth = 1;
    try {
      const result = await fn(this);
      await this.exec('COMMIT');
      return result;
    } catch (err) {
      await this.exec('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      this.txDepth = 0;
    }
  }

  /** Closes this connection (the shared instance stays open for other handles in this process). */
  close(): void {
    this.connection.closeSync();
  }

  /** Closes every cached instance (call before another process must open the same file). */
  static closeAll(): void {
    for (const p of Db.instances.values()) void p.then((i) => i.closeSync()).catch(() => undefined);
    Db.instances.clear();
  }
}

/** SQL string literal with single quotes escaped (for paths in read_parquet/COPY, which take no parameters). */
export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
