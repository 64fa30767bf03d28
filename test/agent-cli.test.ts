/**
 * The command line end to end, in child processes: the Ollama path on the
 * bundled S&P 500 panel through the scripted server, a missing model, Ctrl-C,
 * the knowledge-base commands and `research analyze` (failure patterns).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeOllama } from './helpers/fake-ollama.js';
import { Db } from '../lib/db/index.js';
import { KnowledgeBase, DEFAULT_PARAMS, type FailureReason, type HypothesisProposal, type SignalStage } from '../lib/agent/index.js';

const dir = mkdtempSync(join(tmpdir(), 'agent-cli-'));
const strategies = join(dir, 'strategies');
let fake: FakeOllama;
let host: string;
before(async () => {
  fake = new FakeOllama({
    models: ['qwen2.5:7b'],
    fallback: () => ({
      content: JSON.stringify({
        decision: 'new', decision_reason: 'start with momentum', parent_id: null, name: 'mom_60_20', category: 'momentum',
        rationale: 'intermediate-horizon momentum', expressions: ['ts_delay(close, 20) / ts_delay(close, 60) - 1'], expected_sign: 1,
        params: { delay: 1, decay: 5, neutralization: 'market', truncation: 0.05 },
      }),
    }),
  });
  host = await fake.start();
});
after(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], onLine?: (line: string, kill: (sig: NodeJS.Signals) => void) => void): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'bin/research.ts', ...args], { env: { ...process.env, OLLAMA_HOST: host, OPENAI_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let partial = '';
    p.stdout.on('data', (d: Buffer) => {
      const text = d.toString();
      out += text;
      if (!onLine) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) onLine(l, (sig) => p.kill(sig));
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, out, err: signal ? `${err}\n(killed by ${signal})` : err }));
  });
}

test('research -p ollama on the S&P 500 panel through the scripted server, then status and kb queries', { timeout: 240_000 }, async () => {
  const db = join(dir, 'a.duckdb');
  fake.requests.length = 0;
  const r = await cli(['-p', 'ollama', '--base-url', host, '-m', 'qwen2.5:7b', '-n', '1', '--db', db, '-d', 'sp500_daily', '--early-stop-sharpe', '9', '--strategies-dir', strategies]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Proposer: ollama model qwen2\.5:7b/);
  assert.match(r.out, /\[1\/1\] H001 mom_60_20 \[momentum\] ts_delay\(close, 20\) \/ ts_delay\(close, 60\) - 1/);
  assert.match(r.out, /factor: rank_ic/);
  assert.match(r.out, /hypotheses tried 1, tested 1/);
  assert.ok(!r.out.includes('exported to') || r.out.includes(`exported to ${strategies}`), 'exports go to the given folder');
  assert.deepEqual(fake.requests.map((q) => q.path), ['/api/tags', '/api/chat']);
  const prompt = (fake.requests[1]!.body as { messages: { content: string }[] }).messages[1]!.content;
  assert.match(prompt, /dataset sp500_daily: equity, 1d bars, 1259 bars x 505 assets/);
  assert.match(prompt, /ts_corr\(x, y, d\)/);

  const status = await cli(['status', '--db', db]);
  assert.equal(status.code, 0, status.err);
  assert.match(status.out, /R001 completed\s+ollama\/qwen2\.5:7b sp500_daily/);
  const stats = await cli(['kb', 'stats', '--db', db]);
  assert.match(stats.out, /Hypotheses 1, tested 1, runs 1/);
  assert.match(stats.out, /qwen2\.5:7b\s+tested\s+1/);
  const search = await cli(['kb', 'search', '--category', 'momentum', '--db', db]);
  assert.match(search.out, /H001\s+(validated|failed)\s+momentum/);
});

test('research -p ollama with a model the server lacks: exit 1 with the ollama pull command', { timeout: 240_000 }, async () => {
  const r = await cli(['-p', 'ollama', '--base-url', host, '-m', 'llama3.1:8b', '-n', '1', '--db', join(dir, 'b.duckdb')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /ollama pull llama3\.1:8b/);
  assert.match(r.err, /Models there: qwen2\.5:7b/);
});

test('Ctrl-C stops the run cleanly: exit 2, run marked interrupted, nothing half-written', { timeout: 240_000 }, async () => {
  const db = join(dir, 'c.duckdb');
  let sent = false;
  const r = await cli(['-p', 'offline', '-n', '6', '--max-failures', '6', '--db', db, '--early-stop-sharpe', '9', '--strategies-dir', strategies], (line, kill) => {
    if (!sent && line.startsWith('[2/6]')) {
      sent = true;
      kill('SIGINT');
    }
  });
  assert.ok(sent);
  assert.equal(r.code, 2, r.err);
  assert.match(r.out, /Interrupt: stopping after the current step/);
  assert.match(r.out, /Run R001 interrupted: interrupted by the user/);
  const status = await cli(['status', '--db', db]);
  assert.match(status.out, /R001 interrupted/);
  // H002 was being tested: it is either left open for the next run or completed, never half-recorded
  const m = /Hypotheses: (\d+) \(([^)]*)\)/.exec(status.out)!;
  assert.equal(Number(m[1]), 2);
  assert.ok(/Open \(interrupted, re-tested by the next run\): H002/.test(status.out) || !/proposed|testing/.test(m[2]!), status.out);
});

test('research analyze: failure patterns most frequent first with categories and the latest example; signal-stage line; empty KB', { timeout: 240_000 }, async () => {
  const db = join(dir, 'd.duckdb');
  const kb = await KnowledgeBase.open(await Db.open(db));
  const run = await kb.startRun({ goal: 'g', dataset: 'sp500_daily', provider: 'offline', model: 'offline-grammar' });
  const base = { runId: run, provider: 'offline', model: 'offline-grammar', promptVersion: 'offline-v1' };
  const prop = (name: string, category: string, expr: string): HypothesisProposal => ({ name, category, rationale: 'r', expressions: [expr], expectedSign: 1, params: DEFAULT_PARAMS, decision: 'new', decisionReason: '' });
  const sig = (pass: boolean, pf: number): SignalStage => ({
    params: { quantile: 0.2, exitQuantile: 0.2, sides: 'long_short' }, fill: 'nextOpen', costBps: 5, range: { start: 1000, end: 1259 },
    thresholds: { minTrades: 30, minWinRate: 0.4, minProfitFactor: 1, signalsPer1000Bars: [1, 500] }, pass, reasons: pass ? [] : [`profit factor ${pf} not above 1`],
    test: { nTrades: 500, winRate: 0.5, profitFactor: pf, expectancy: 0, signalsPer1000Bars: 395, grossWinRate: 0.5, grossProfitFactor: pf, grossExpectancy: 0, grossExpectancyT: 0, sharpe: 0, totalReturn: 0, turnover: 0.1, avgHoldingBars: 5, exposure: 1 },
  });
  const tested: [string, string, string, boolean, number, FailureReason[]][] = [
    ['rev_3', 'mean_reversion', '-1 * ts_delta(close, 3) / ts_delay(close, 3)', false, 0.84, [{ kind: 'high_turnover', detail: 'turnover 0.603/day > 0.5' }, { kind: 'no_predictive_power', detail: 'signal: profit factor 0.84' }]],
    ['range_60', 'volatility', '-1 * ts_mean((high - low) / close, 60)', false, 0.91, [{ kind: 'no_predictive_power', detail: 'mean Rank IC 0.001' }]],
    ['mom_60_20', 'momentum', 'ts_delay(close, 20) / ts_delay(close, 60) - 1', true, 1.13, []],
    ['smamom_15_180', 'momentum', 'ts_mean(close, 15) / ts_mean(close, 180) - 1', false, 0.76, [{ kind: 'no_predictive_power', detail: 'signal: profit factor 0.76, win rate 34.9% after costs' }]],
  ];
  for (const [i, [name, category, expr, pass, pf, failures]] of tested.entries()) {
    const h = await kb.addHypothesis({ ...base, iteration: i + 1, proposal: prop(name, category, expr), canonical: name });
    await kb.markTesting(h.id);
    await kb.recordOutcome(h.id, { pass, sharpe: pass ? 1.25 : -0.5, headline: {}, grade: '', evaluations: [], failures, signal: sig(pass, pf) }, 700);
  }
  await kb.addUntested({ ...base, iteration: 5, proposal: prop('dup', 'momentum', 'ts_delay(close,20)/ts_delay(close,60)-1'), canonical: 'mom_60_20' }, { kind: 'duplicate', detail: 'same canonical expression as H003' });
  kb.close();
  Db.closeAll();

  const r = await cli(['analyze', '--db', db]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, [
    `${'no_predictive_power'.padEnd(20)}    3  by category: momentum 1, volatility 1, mean_reversion 1`,
    `${''.padEnd(26)}latest: H004 \`ts_mean(close, 15) / ts_mean(close, 180) - 1\`: signal: profit factor 0.76, win rate 34.9% after costs`,
    `${'duplicate'.padEnd(20)}    1  by category: momentum 1`,
    `${''.padEnd(26)}latest: H005 \`ts_delay(close,20)/ts_delay(close,60)-1\`: same canonical expression as H003`,
    `${'high_turnover'.padEnd(20)}    1  by category: mean_reversion 1`,
    `${''.padEnd(26)}latest: H001 \`-1 * ts_delta(close, 3) / ts_delay(close, 3)\`: turnover 0.603/day > 0.5`,
    'Signal stage (test segment): 1 of 4 passed; median profit factor after costs 0.88',
    '',
  ].join('\n'));

  const empty = await cli(['analyze', '--db', join(dir, 'empty.duckdb')]);
  assert.equal(empty.code, 0, empty.err);
  assert.equal(empty.out, '(no failures recorded)\n');
});
