import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Panel } from '../lib/data/index.js';
import { OllamaModelOps } from '../lib/llm/index.js';
import {
  appendDataset, buildExamples, estimateTokens, fewShotBudget, lastTimes, questionAt, readDataset, readRegistry, readTrend, resolveTrainingConfig, schedulePatterns, selectFewShot, trainRun, trendWarning, ANALYST_SYSTEM_PROMPT,
} from '../lib/train/index.js';
import { startOpsServer, type OpsServer } from './helpers/fake-ollama-ops.js';
import { lcg } from './helpers/numeric.js';

const DAY = 86_400_000;
const T0 = Date.parse('2020-01-01T00:00:00Z');

/** A seeded random-walk panel of `n` daily bars. */
function walkPanel(n: number, assets = ['AAA', 'BBB', 'CCC'], seed = 11): Panel {
  const rnd = lcg(seed);
  const close = new Float64Array(n * assets.length);
  for (let a = 0; a < assets.length; a++) {
    let p = 100 + 10 * a;
    for (let t = 0; t < n; t++) {
      p *= 1 + 0.02 * (rnd() - 0.5);
      close[t * assets.length + a] = p;
    }
  }
  return { frequency: '1d', market: 'equity', times: Float64Array.from({ length: n }, (_, i) => T0 + i * DAY), assets, fields: { close } };
}

test('question at t: hand-computed returns, RSI and trend on a straight line; missing data gives no question', () => {
  const closes = Array.from({ length: 30 }, (_, i) => 100 + i); // 100..129
  const q = questionAt('X', (i) => closes[i]!, 25, T0, 20, 5)!;
  // close 125; 1 bar 125/124-1 = 0.81%; 5 bars 125/120-1 = 4.17%; 20 bars 125/105-1 = 19.05%; RSI 100 (only gains); mean of 106..125 = 115.5 -> +8.23%
  assert.match(q, /^X on 2020-01-01: close 125\.00\./);
  assert.match(q, /Returns: 1 bar \+0\.81%, 5 bars \+4\.17%, 20 bars \+19\.05%\./);
  assert.match(q, /RSI\(14\) 100\.0;/);
  assert.match(q, /close vs 20-bar mean \+8\.23%\./);
  closes[10] = NaN;
  assert.equal(questionAt('X', (i) => closes[i]!, 25, T0, 20, 5), undefined);
});

test('dataset: the question never sees the future: every bar after t perturbed leaves the questions at t unchanged, while answers change', () => {
  const panel = walkPanel(120);
  const opts = { lookback: 20, horizon: 5, stride: 1, daysBack: 1000 };
  const base = buildExamples(panel, opts);
  const cut = 70; // perturb every bar after index 70
  const close = Float64Array.from(panel.fields.close!);
  for (let i = (cut + 1) * 3; i < close.length; i++) close[i] = close[i]! * (i % 2 ? 0.5 : 1.7);
  const pert = buildExamples({ ...panel, fields: { close } }, opts);
  const byKey = (xs: typeof base) => new Map(xs.map((e) => [`${e.symbol}@${e.t}`, e]));
  const p = byKey(pert);
  let compared = 0;
  let answersChanged = 0;
  for (const e of base) {
    const ti = Math.round((e.t - T0) / DAY);
    if (ti > cut) continue;
    const q = p.get(`${e.symbol}@${e.t}`)!;
    assert.equal(q.question, e.question, `question at ${ti} changed`);
    compared++;
    if (ti + 5 > cut && q.answer.realizedReturn !== e.answer.realizedReturn) answersChanged++;
  }
  assert.equal(compared, 3 * (cut - 20 + 1));
  assert.equal(answersChanged, 3 * 5, 'the answers whose horizon crosses the cut see the perturbed future');
  // the answer is the realized move: hand check one
  const e = base[0]!;
  const ti = Math.round((e.t - T0) / DAY);
  const c = panel.fields.close!;
  assert.equal(e.answer.realizedReturn, c[(ti + 5) * 3]! / c[ti * 3]! - 1);
  assert.equal(e.answer.direction, e.answer.realizedReturn > 0 ? 'up' : 'down');
  assert.equal(e.answerT, panel.times[ti + 5]);
});

test('dataset: content-hash dedupe and incremental builds add only new dates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-'));
  const path = join(dir, 'd.jsonl');
  const opts = { lookback: 20, horizon: 5, stride: 5, daysBack: 1000 };
  const first = buildExamples(walkPanel(100), opts);
  assert.equal(appendDataset(path, first).length, first.length);
  assert.equal(appendDataset(path, first).length, 0, 'the same examples again add nothing');
  const existing = readDataset(path);
  const grown = walkPanel(130);
  const next = buildExamples(grown, { ...opts, daysBack: 30, after: lastTimes(existing), known: new Set(existing.map((e) => e.id)) });
  const lastOld = Math.max(...existing.map((e) => e.t));
  assert.ok(next.length > 0 && next.every((e) => e.t > lastOld), 'only dates after the last built one');
  assert.equal(new Set([...existing, ...next].map((e) => e.id)).size, existing.length + next.length);
  assert.deepEqual(next.map((e) => Math.round((e.t - T0) / DAY) % 5), next.map(() => 0), 'same bar grid as the first build');
  rmSync(dir, { recursive: true, force: true });
});

test('few-shot block fits its token budget for every num_ctx, alternates directions, and says when nothing fits', () => {
  const pool = buildExamples(walkPanel(200), { lookback: 20, horizon: 5, stride: 2, daysBack: 1000 });
  const q = pool[0]!.question;
  for (const numCtx of [1024, 2048, 4096, 8192]) {
    const budget = fewShotBudget(numCtx, ANALYST_SYSTEM_PROMPT, q, 256);
    const b = selectFewShot(pool, budget, 12);
    const counted = b.messages.reduce((s, m) => s + estimateTokens(m.content), 0);
    assert.equal(counted, b.tokens);
    assert.ok(b.tokens <= budget, `${numCtx}: ${b.tokens} > ${budget}`);
    // the whole prompt (system + block + question + answer reserve) stays inside num_ctx
    assert.ok(estimateTokens(ANALYST_SYSTEM_PROMPT) + b.tokens + estimateTokens(q) + 256 <= numCtx);
    const ups = b.examples.filter((e) => e.answer.direction === 'up').length;
    assert.ok(Math.abs(2 * ups - b.examples.length) <= 1 || b.examples.length === 12, 'balanced');
  }
  assert.equal(selectFewShot(pool, fewShotBudget(512, ANALYST_SYSTEM_PROMPT, q, 256), 12).examples.length, 0);
  assert.equal(selectFewShot(pool, fewShotBudget(8192, ANALYST_SYSTEM_PROMPT, q, 256), 12).examples.length, 12);
});

test('training config: unknown keys and bad values are named; schedules become cron patterns', () => {
  assert.throws(() => resolveTrainingConfig({ days_bak: 10 }, 'training_config.json'), /training_config\.json: days_bak: unknown key/);
  assert.equal(resolveTrainingConfig({ days_back: 10, incremental_days: 3, batch_size: 50 }).daysBack, 10, 'snake_case spelling of the original config');
  assert.throws(() => resolveTrainingConfig({ days_back: 10, daysBack: 11 }), /given twice/);
  assert.throws(() => resolveTrainingConfig({ horizon: 0 }, 'c.json'), /c\.json: horizon: expected an integer >= 1/);
  assert.throws(() => resolveTrainingConfig({ schedule: { daily: '25:00' } }, 'c.json'), /schedule\.daily: expected "HH:MM"/);
  assert.throws(() => resolveTrainingConfig({ adapters: { 'a.gguf': 'abc' } }, 'c.json'), /adapters: expected/);
  const c = resolveTrainingConfig({ schedule: { daily: '03:30', weekly: [{ days: ['fri', 'mon'], time: '18:05' }] } });
  assert.deepEqual(schedulePatterns(c.schedule), ['30 3 * * *', '5 18 * * 1,5']);
});

let srv: OpsServer;
/** Variants that answer right (the others always say "up"). */
const good = new Set<string>();
let truth = new Map<string, string>();
before(async () => {
  srv = await startOpsServer({
    models: ['llama3.2:3b'],
    answer: (model, body) => {
      const q = body.messages.at(-1)!.content;
      const right = truth.get(q) ?? 'up';
      const dir = good.has(model) ? right : 'up';
      return { content: JSON.stringify({ direction: dir, reason: `direction guess ${dir}` }) };
    },
  });
});
after(async () => srv.stop());

test('training runs against the scripted server: create in JSON form, evaluation, promotion only when better, keep-N cleanup, reports and trend', { timeout: 120_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'train-'));
  const config = resolveTrainingConfig({ outDir: out, daysBack: 120, incrementalDays: 30, stride: 2, evalExamples: 12, fewShotMax: 6, keepModels: 2, numCtx: 4096, dataset: 'synthetic' });
  const ops = new OllamaModelOps({ host: srv.url });
  const panel = walkPanel(200);
  truth = new Map(buildExamples(panel, { lookback: 20, horizon: 5, stride: 1, daysBack: 1000 }).map((e) => [e.question, e.answer.direction]));
  let clock = Date.parse('2026-12-01T03:30:00Z');
  const run = (runId: string) => trainRun({ config, panel, ops, now: () => (clock += 3_600_000), runId });
  good.add('alphalab-analyst:r1');
  const r1 = await run('r1');
  assert.equal(r1.report.promoted, true);
  assert.equal(r1.report.candidate.accuracy, 1);
  assert.equal(r1.report.candidate.parseRate, 1);
  assert.equal(r1.report.candidate.keywordRate, 1);
  assert.ok(r1.report.dataset.total > 12 && r1.report.dataset.added === r1.report.dataset.total);
  const body = srv.created.at(-1)!;
  assert.equal(body.model, 'alphalab-analyst:r1');
  assert.equal(body.from, 'llama3.2:3b');
  assert.equal(body.system, ANALYST_SYSTEM_PROMPT);
  assert.deepEqual(body.parameters, { num_ctx: 4096, num_predict: 256, temperature: 0 });
  assert.equal((body.messages as unknown[]).length, 2 * r1.report.fewShot.examples);
  assert.ok(r1.report.fewShot.examples > 0 && r1.report.fewShot.tokens <= r1.report.fewShot.budget);
  // few-shot answers end before the first held-out question
  const all = readDataset(join(out, 'dataset.jsonl')).sort((a, b) => a.t - b.t);
  const testStart = all.slice(-12)[0]!.t;
  const shown = new Set((body.messages as { content: string }[]).map((m) => m.content));
  for (const e of all) if (shown.has(e.question)) assert.ok(e.answerT <= testStart);
  const r2 = await run('r2');
  assert.equal(r2.report.promoted, false);
  assert.equal(r2.report.previous!.model, 'alphalab-analyst:r1');
  assert.equal(r2.report.dataset.added, 0, 'same panel: nothing new');
  assert.equal(readRegistry(out).promoted, 'alphalab-analyst:r1');
  await run('r3');
  const r4 = await run('r4');
  // keep 2 newest (r4, r3) + the promoted r1: r2 deleted
  assert.deepEqual(r4.report.deleted, ['alphalab-analyst:r2']);
  assert.equal(await ops.has('alphalab-analyst:r2'), false);
  assert.equal(await ops.has('alphalab-analyst:r1'), true);
  assert.ok(existsSync(r4.paths.html) && readFileSync(r4.paths.html, 'utf8').includes('trains no weights'));
  const trend = readTrend(out);
  assert.deepEqual(trend.map((t) => [t.runId, t.promoted, t.servingAccuracy]), [['r1', true, 1], ['r2', false, 1], ['r3', false, 1], ['r4', false, 1]]);
  assert.equal(trendWarning(trend), undefined);
  assert.match(trendWarning([...trend, { ...trend[0]!, runId: 'r5', servingAccuracy: 0.5 }])!, /serving accuracy 50\.0% in run r5 is below/);
  rmSync(out, { recursive: true, force: true });
});
