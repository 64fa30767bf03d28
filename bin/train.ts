/**
 * `alphalab train run|report|cleanup|monitor|schedule`: continuous training of
 * local models (lib/train). Settings from training_config.json (validated;
 * defaults when absent). A variant conditions the prompt (system prompt and
 * few-shot messages through /api/create); it trains no weights.
 */
import { join, resolve } from 'node:path';
import { Cron } from 'croner';
import type { Command } from 'commander';
import { projectRoot } from '../lib/db/paths.js';
import { OllamaModelOps } from '../lib/llm/index.js';
import type { TrainingConfig } from '../lib/train/index.js';

/** lib/train (and through it lib/data) is loaded on use, so other alphalab verbs start without it. */
const train = () => import('../lib/train/index.js');

interface TrainFlags {
  config?: string;
  ollamaUrl?: string;
  json?: boolean;
  keep?: number;
  dryRun?: boolean;
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');

async function config(f: TrainFlags, root: string): Promise<TrainingConfig> {
  const { loadTrainingConfig } = await train();
  const c = loadTrainingConfig(resolve(f.config ?? join(root, 'training_config.json')));
  return { ...c, outDir: resolve(root, c.outDir) };
}

const ops = (f: TrainFlags) => new OllamaModelOps({ host: f.ollamaUrl ?? process.env.OLLAMA_HOST ?? 'http://127.0.0.1:11434' });

async function runOnce(f: TrainFlags, c: TrainingConfig): Promise<void> {
  // loaded on use so that other alphalab verbs do not load the research stack
  const { loadDataset } = await import('../lib/agent/index.js');
  const panel = await loadDataset(c.dataset);
  const { trainRun } = await train();
  const { report, paths } = await trainRun({ config: c, panel, ops: ops(f), log: (l) => process.stderr.write(`train: ${l}\n`) });
  if (f.json) console.log(JSON.stringify({ runId: report.runId, variant: report.variant, promoted: report.promoted, promotedModel: report.promotedModel ?? null, accuracy: report.candidate.accuracy, parseRate: report.candidate.parseRate, p95Ms: report.candidate.p95Ms, examples: report.dataset.total, added: report.dataset.added, deleted: report.deleted, report: paths.json, html: paths.html }));
  else console.log(`${report.variant}: accuracy ${pct(report.candidate.accuracy)}, parse rate ${pct(report.candidate.parseRate)}${report.previous ? ` (promoted ${report.previous.model}: ${pct(report.previous.accuracy)})` : ''}; ${report.promoted ? 'promoted' : 'not promoted'}\nreport: ${paths.html}`);
}

/** Registers `train` on the alphalab program. */
export function registerTrain(program: Command): void {
  const cmd = program.command('train').description('continuous training of local models: datasets, variants (prompt conditioning, no weight training), evaluation, reports');
  const common = (cmd: Command) => cmd.option('--config <file>', 'training_config.json (default in the project root; defaults when absent)').option('--ollama-url <url>', 'Ollama server (default $OLLAMA_HOST)').option('--json', 'print one JSON summary line');
  common(cmd.command('run').description('build new examples, create a variant, evaluate it against the promoted one, promote if better, clean up, report')).action(async (f: TrainFlags) => {
    await runOnce(f, await config(f, projectRoot()));
  });
  common(cmd.command('report').description('the latest run report')).action(async (f: TrainFlags) => {
    const { readReports } = await train();
    const r = readReports((await config(f, projectRoot())).outDir).at(-1);
    if (!r) {
      console.log(f.json ? JSON.stringify({ report: null }) : 'no training run yet (alphalab train run)');
      return;
    }
    if (f.json) console.log(JSON.stringify(r));
    else console.log(`${r.runId} ${r.at}: ${r.variant} accuracy ${pct(r.candidate.accuracy)}, parse ${pct(r.candidate.parseRate)}, p95 ${Math.round(r.candidate.p95Ms)} ms; ${r.promoted ? 'promoted' : 'not promoted'}; ${r.dataset.total} examples; few-shot ${r.fewShot.examples} (~${r.fewShot.tokens}/${r.fewShot.budget} tokens)\n${r.note}`);
  });
  common(cmd.command('cleanup').description('delete variants beyond the newest keepModels (the promoted one stays)').option('--keep <n>', 'variants to keep', (v) => Number(v))).action(async (f: TrainFlags) => {
    const c = await config(f, projectRoot());
    const { cleanupVariants } = await train();
    const gone = await cleanupVariants(ops(f), c.outDir, f.keep ?? c.keepModels);
    console.log(f.json ? JSON.stringify({ deleted: gone }) : gone.length ? `deleted: ${gone.join(', ')}` : 'nothing to delete');
  });
  common(cmd.command('monitor').description('trend of held-out accuracy across runs; warns on a decline')).action(async (f: TrainFlags) => {
    const { readTrend, trendWarning } = await train();
    const trend = readTrend((await config(f, projectRoot())).outDir);
    const warning = trendWarning(trend);
    if (f.json) {
      console.log(JSON.stringify({ runs: trend, warning: warning ?? null }));
      return;
    }
    for (const t of trend) console.log(`${t.runId.padEnd(16)} ${t.at}  candidate ${pct(t.accuracy).padStart(6)}  serving ${pct(t.servingAccuracy).padStart(6)}  parse ${pct(t.parseRate).padStart(6)}${t.promoted ? '  promoted' : ''}`);
    if (!trend.length) console.log('no training run yet');
    if (warning) console.log(`WARNING: ${warning}`);
  });
  common(cmd.command('schedule').description('run training on the configured schedule (croner, UTC) until stopped').option('--dry-run', 'print the next run times and exit')).action(async (f: TrainFlags) => {
    const c = await config(f, projectRoot());
    const { schedulePatterns } = await train();
    const patterns = schedulePatterns(c.schedule);
    if (!patterns.length) throw new Error('train schedule: training_config.json has no schedule.daily or schedule.weekly');
    const jobs = patterns.map((p) => new Cron(p, { timezone: 'UTC', protect: true, paused: f.dryRun }, async () => {
      try {
        await runOnce(f, c);
      } catch (err) {
        process.stderr.write(`train: run failed: ${(err as Error).message}\n`);
      }
    }));
    const next = jobs.map((j, i) => ({ pattern: patterns[i], next: j.nextRuns(3).map((d) => d.toISOString()) }));
    if (f.json) console.log(JSON.stringify({ schedule: next }));
    else for (const n of next) console.log(`${n.pattern}: next ${n.next.join(', ')}`);
    if (f.dryRun) {
      for (const j of jobs) j.stop();
      return;
    }
    await new Promise<void>((resolveStop) => {
      const stop = () => {
        for (const j of jobs) j.stop();
        resolveStop();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  });
}
