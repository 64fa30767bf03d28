/**
 * The command line end to end, in child processes: the Ollama path on the
 * bundled S&P 500 panel through the scripted server, a missing model, Ctrl-C,
 * and the knowledge-base commands.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeOllama } from './helpers/fake-ollama.js';

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
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

test('research -p ollama on the S&P 500 panel through the scripted server, then status and kb queries', { timeout: 60_000 }, async () => {
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

test('research -p ollama with a model the server lacks: exit 1 with the ollama pull command', { timeout: 30_000 }, async () => {
  const r = await cli(['-p', 'ollama', '--base-url', host, '-m', 'llama3.1:8b', '-n', '1', '--db', join(dir, 'b.duckdb')]);
  assert.equal(r.code, 1);
  assert.match(r.err, /ollama pull llama3\.1:8b/);
  assert.match(r.err, /Models there: qwen2\.5:7b/);
});

test('Ctrl-C stops the run cleanly: exit 2, run marked interrupted, nothing half-written', { timeout: 60_000 }, async () => {
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
