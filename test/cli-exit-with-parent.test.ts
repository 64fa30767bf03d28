/**
 * Issue 19, defect 13: a kill -9 of the wrapper that started `research`
 * (`npm run research` is npm -> sh -> tsx -> node) used to leave the research
 * process running with the DuckDB lock. Here `sh -c '...; true'` stands for the
 * wrapper (it stays alive as the parent, as npm does); it is SIGKILLed after
 * the first iteration starts; the research process must stop by itself and the
 * database must open again from another process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { KnowledgeBase } from '../lib/agent/index.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('kill -9 of the wrapper stops research (exit with parent); the next process can open the knowledge base', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'exit-parent-'));
  const db = join(dir, 'kb.duckdb');
  try {
    const cmd = `${process.execPath} --import tsx bin/research.ts -p offline -n 200 --max-failures 200 --early-stop-sharpe 99 --db ${db} --strategies-dir ${join(dir, 's')} & echo "CHILD $!"; wait; true`;
    const wrapper = spawn('sh', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    wrapper.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const child = await new Promise<number>((resolve, reject) => {
      let pid = 0;
      wrapper.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /CHILD (\d+)/.exec(out);
        if (m) pid = Number(m[1]);
        if (pid && /\[1\/200\]/.test(out)) resolve(pid);
      });
      wrapper.on('close', () => reject(new Error(`research ended before the kill: ${out}\n${err}`)));
    });
    wrapper.kill('SIGKILL');
    const t0 = Date.now();
    while (alive(child) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 200));
    assert.equal(alive(child), false, `research (pid ${child}) still running ${Date.now() - t0} ms after its wrapper was killed`);
    // The lock is released: another process (this one) opens the file and reads the run.
    const kb = await KnowledgeBase.open(await Db.open(db));
    const runs = await kb.runs();
    assert.equal(runs.length, 1);
    kb.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
