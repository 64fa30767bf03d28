/**
 * `alphalab ml` end to end in child processes on a slice of the AMZN sample
 * written in the seed's CSV row format: train --json (accuracy, log loss, model
 * path), predict --json with the saved model, export-features (parquet read back:
 * the split column matches the rows the model was trained and tested on).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pl from 'nodejs-polars';
import { loadMarketData, sliceFrame } from '../lib/ml/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ml-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/alphalab.ts', 'ml', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('alphalab ml train / predict / export-features --json on seed-format rows', () => {
  const f = sliceFrame(loadMarketData(join('data', 'samples', 'lob_lobster_AMZN_2012-06-21_L1_messages_book.csv.gz')), 0, 8000);
  const lines = ['timestamp,bid_price,ask_price,bid_volume,ask_volume,close,volume,buy_volume'];
  for (let t = 0; t < 8000; t++) lines.push([f.timestamp[t], f.bidPrice[t], f.askPrice[t], f.bidVolume[t], f.askVolume[t], f.close[t], f.volume[t], f.buyVolume![t]].join(','));
  const data = join(dir, 'rows.csv');
  writeFileSync(data, `${lines.join('\n')}\n`);
  const model = join(dir, 'model.json');

  const tr = cli(['train', '--data', data, '--model', model, '--rounds', '30', '--json']);
  assert.equal(tr.code, 0, tr.err);
  const outLines = tr.out.trim().split('\n');
  assert.equal(outLines.length, 1, 'one summary line');
  const s = JSON.parse(outLines[0]!) as { accuracy: number; log_loss: number; model_path: string; n_test: number; confusion: number[][] };
  assert.ok(s.accuracy > 0 && s.accuracy <= 1 && s.log_loss > 0);
  assert.equal(s.model_path, model);
  assert.ok(existsSync(model));
  assert.equal(s.confusion.flat().reduce((a, b) => a + b, 0), s.n_test);

  const pr = cli(['predict', '--data', data, '--model', model, '--json']);
  assert.equal(pr.code, 0, pr.err);
  const p = JSON.parse(pr.out.trim()) as { n: number; counts: Record<string, number>; p50_ms: number; p99_ms: number; health: string };
  assert.equal(p.n, 8000);
  assert.equal(p.counts.buy! + p.counts.hold! + p.counts.sell!, 8000);
  assert.equal(p.health, 'ok');
  assert.ok(p.p99_ms >= p.p50_ms);

  const out = join(dir, 'features.parquet');
  const ex = cli(['export-features', '--data', data, '--model', model, '--out', out, '--json']);
  assert.equal(ex.code, 0, ex.err);
  const e = JSON.parse(ex.out.trim()) as { rows: number; features: number; test: number };
  const df = pl.readParquet(out);
  assert.equal(df.height, 8000);
  assert.equal(df.width, e.features + 3);
  const splits = df.getColumn('split').toArray() as string[];
  assert.equal(splits.filter((x) => x === 'test').length, e.test);
  assert.equal(e.test, s.n_test, 'the export uses the split the model used');
  const labels = df.getColumn('label').toArray() as (number | null)[];
  splits.forEach((x, i) => {
    if (x !== 'excluded') assert.ok(labels[i] === 0 || labels[i] === 1 || labels[i] === 2, `row ${i} in ${x} without a label`);
  });

  const bad = cli(['export-features', '--data', data, '--out', join(dir, 'x.csv')]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /--out FILE.parquet is required/);
});
