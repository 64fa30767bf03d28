/**
 * Kill test: the loop runs in a child process that is SIGKILLed in the middle
 * of an iteration (while a hypothesis is being tested); a second process
 * resumes. The knowledge base must hold every trial exactly once.
 * The same file is the child when AGENT_KILL_CHILD is set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { KnowledgeBase, OfflineProposer, runResearch, exprGrammar, type Hypothesis, type HypothesisTester, type TestOutcome } from '../lib/agent/index.js';

const FIELDS = ['open', 'high', 'low', 'close', 'volume'];

/** Child: a loop whose tester takes `AGENT_TEST_MS` per hypothesis and logs start/end of each test to a file. */
async function child(): Promise<void> {
  const dbPath = process.env.AGENT_KILL_DB!;
  const logPath = process.env.AGENT_KILL_LOG!;
  const ms = Number(process.env.AGENT_TEST_MS ?? '200');
  const tester: HypothesisTester = {
    fields: FIELDS,
    async test(h: Hypothesis): Promise<TestOutcome> {
      appendFileSync(logPath, `start ${h.id}\n`);
      process.stdout.write(`TESTING ${h.id}\n`);
      await new Promise((r) => setTimeout(r, ms));
      appendFileSync(logPath, `end ${h.id}\n`);
      const sharpe = (h.expressions[0]!.length % 7) / 10;
      return { pass: false, sharpe, headline: { rank_ic: sharpe / 100 }, grade: 'D', evaluations: [{ split: 'train', metrics: { sharpe } }, { split: 'test', metrics: { sharpe } }, { split: 'wf_0', metrics: { sharpe } }], failures: [{ kind: 'no_predictive_power', detail: 'synthetic' }] };
    },
    async exportStrategy(h: Hypothesis): Promise<string> {
      return `strategies/${h.id}`;
    },
  };
  const kb = await KnowledgeBase.open(await Db.open(dbPath));
  const s = await runResearch({ dataset: 'toy', datasetSummary: 'toy', kb, proposer: new OfflineProposer({ seed: 9 }), tester, grammar: exprGrammar(), maxIterations: Number(process.env.AGENT_ITERS ?? '4'), maxConsecutiveFailures: 100, log: (l) => process.stdout.write(`${l}\n`) });
  process.stdout.write(`SUMMARY ${JSON.stringify({ resumed: s.resumed, tested: s.tested, runId: s.runId })}\n`);
  kb.close();
}

function runChild(env: Record<string, string>, killOn?: string): Promise<{ out: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'test/agent-kill.test.ts'], { env: { ...process.env, AGENT_KILL_CHILD: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killOn && !killed && out.includes(killOn)) {
        killed = true;
        p.kill('SIGKILL');
      }
    });
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code, signal) => {
      if (killOn ? signal !== 'SIGKILL' : code !== 0) reject(new Error(`child exited ${code} ${signal}: ${err}`));
      else resolve({ out, killed });
    });
  });
}

if (process.env.AGENT_KILL_CHILD) {
  await child();
} else {
  test('SIGKILL in the middle of an iteration: restart resumes it; nothing lost or duplicated', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-kill-'));
    try {
      const env = { AGENT_KILL_DB: join(dir, 'kb.duckdb'), AGENT_KILL_LOG: join(dir, 'tests.log'), AGENT_TEST_MS: '400', AGENT_ITERS: '5' };
      const first = await runChild(env, 'TESTING H003');
      assert.ok(first.killed);
      // H001, H002 finished; H003 started and never ended
      assert.deepEqual(readFileSync(env.AGENT_KILL_LOG, 'utf8').trim().split('\n'), ['start H001', 'end H001', 'start H002', 'end H002', 'start H003']);

      const second = await runChild({ ...env, AGENT_TEST_MS: '10', AGENT_ITERS: '3' });
      const summary = JSON.parse(/SUMMARY (.*)/.exec(second.out)![1]!) as { resumed: string[]; tested: number; runId: string };
      assert.deepEqual(summary.resumed, ['H003']);
      assert.equal(summary.runId, 'R002');
      assert.equal(summary.tested, 3);
      assert.match(second.out, /Previous run\(s\) R001 ended without finishing/);

      const kb = await KnowledgeBase.open(await Db.open(env.AGENT_KILL_DB));
      const all = await kb.all();
      assert.deepEqual(all.map((h) => h.id), ['H001', 'H002', 'H003', 'H004', 'H005']);
      assert.ok(all.every((h) => h.status === 'failed' || h.status === 'abandoned'), 'every hypothesis has its outcome');
      assert.deepEqual(all.map((h) => h.runId), ['R001', 'R001', 'R001', 'R002', 'R002'], 'H003 kept its original record');
      assert.equal(new Set(all.map((h) => h.canonical)).size, 5, 'no duplicate hypothesis');
      for (const h of all) {
        assert.equal((await kb.evaluations(h.id)).length, 3, `${h.id} evaluations once`);
        assert.equal((await kb.failures(h.id)).length, 1, `${h.id} failure once`);
      }
      assert.equal(await kb.trialCount(), 5);
      const runs = await kb.runs();
      assert.deepEqual(runs.map((r) => [r.runId, r.status]), [['R001', 'interrupted'], ['R002', 'completed']]);
      const log = readFileSync(env.AGENT_KILL_LOG, 'utf8').trim().split('\n');
      assert.deepEqual(log.filter((l) => l.startsWith('end')), ['end H001', 'end H002', 'end H003', 'end H004', 'end H005']);
      kb.close();
    } finally {
      Db.closeAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
