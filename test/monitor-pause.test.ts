/** The dashboard's pause control reaches the orchestrator: while data/control/PAUSE exists no component run starts; after resume runs start again. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../lib/db/index.js';
import { createJobLogger, JobStore, Orchestrator, type ChildSpec } from '../lib/jobs/index.js';
import { monitorPaths, pause, pauseFilePath, resume } from '../lib/monitor/index.js';

const dir = mkdtempSync(join(tmpdir(), 'alphalab-pause-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('pause stops new generator runs of a continuous orchestrator; resume starts them again', async () => {
  const paths = monitorPaths(process.cwd(), { control: join(dir, 'control') });
  const db = await Db.open(':memory:');
  const store = await JobStore.open(db);
  const log = createJobLogger('test', { file: join(dir, 'test.log'), console: false });
  const quick = (name: string): ChildSpec => ({ name, command: process.execPath, args: ['-e', `console.log(JSON.stringify({ job: '${name}' }))`] });
  pause(paths, 'test');
  const orch = new Orchestrator({ mode: 'continuous', generatorPauseMs: 20, miningIntervalHours: 6, pauseFile: pauseFilePath(paths) }, { generator: quick('generator'), miner: quick('miner'), submitter: quick('submitter') }, store, log);
  const running = orch.run();
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(orch.outcomes.filter((o) => o.exits.length > 0).length, 0, 'no child started while paused');
  assert.equal((await store.states()).filter((s) => s.runs > 0).length, 0, 'nothing recorded as run');
  resume(paths);
  for (let i = 0; i < 400 && !orch.outcomes.some((o) => o.name === 'generator' && o.status === 'ok'); i++) await new Promise((r) => setTimeout(r, 25));
  await orch.stop();
  await running;
  db.close();
  assert.ok(orch.outcomes.some((o) => o.name === 'generator' && o.status === 'ok'), 'a generator run after resume');
});
