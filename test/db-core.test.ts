import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db, sqlString } from '../lib/db/index.js';

test('Db: rows come back as plain values and a failed transaction leaves nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-db-'));
  try {
    const db = await Db.open(join(dir, 'x.duckdb'));
    await db.exec('create table t(a bigint, b double, c varchar)');
    await db.exec('insert into t values ($1, $2, $3)', [1, 2.5, "it's"]);
    assert.deepEqual(await db.all('select * from t'), [{ a: 1, b: 2.5, c: "it's" }]);
    await assert.rejects(
      db.transaction(async (d) => {
        await d.exec("insert into t values (2, 3, 'y')");
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(await db.one('select count(*) as n from t'), { n: 1 });
    // A second handle on the same path in this process sees the same data.
    const db2 = await Db.open(join(dir, 'x.duckdb'));
    assert.deepEqual(await db2.one(`select c from t where c = ${sqlString("it's")}`), { c: "it's" });
    db.close();
    db2.close();
  } finally {
    Db.closeAll();
    rmSync(dir, { recursive: true, force: true });
  }
});
