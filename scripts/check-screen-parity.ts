/**
 * `npx tsx scripts/check-screen-parity.ts [REF_COMMIT] [N]`: proves that the
 * screen's speed work changed no figure. Loads the reference `lib/` from git
 * (the whole library of that commit, copied to scripts/.parity-ref/ and
 * removed after; default commit: the one before the first speed work), so
 * the screen, lib/factors (analysis, trial store), lib/backtest and lib/expr
 * of the reference run against the current ones; screens N depth-3/4 grid
 * candidates on the S&P 500 sample's mining segment with the reference and
 * with the current screen (each into its own in-memory trial store of its
 * own library, so trial counts, redundancy and deflated Sharpes line up), and
 * compares the two ScreenReports field by field, bit for bit (`Object.is` on
 * every number, typed arrays element by element). Ignored: wall times
 * (`timings`, `computeMs`, `stageMs`), the trial's random `runId` and its
 * `createdAt`, and the new `stages` field. Then it checks the early-rejection
 * path: every field an early-rejected report carries equals the full
 * report's, and the skipped candidate's full report does not pass. Prints
 * wall and CPU time per candidate of the three (reference, current, current
 * with the miner's gate), interleaved so machine load hits all three alike:
 * the before/after figure of the speed work.
 * Exits 1 on any difference, naming the path.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { loadBundledPanel } from '../lib/data/index.js';
import { sliceDates } from '../lib/data/panel.js';
import { FactorStore } from '../lib/factors/index.js';
import { parse } from '../lib/expr/index.js';
import { screenExpression, type ScreenReport } from '../lib/screen/index.js';
import { reportDiffs } from '../test/helpers/report-diff.js';
import { DEFAULT_MINE_GATES, DEFAULT_TEMPLATES, defaultMineFields, gridCandidates, hopefulGate, testSegmentStart } from '../lib/mine/index.js';

async function main(): Promise<void> {
  const ref = process.argv[2] ?? 'e491a2e';
  const n = Number(process.argv[3] ?? 12);
  const refDir = new URL('./.parity-ref/', import.meta.url).pathname;
  rmSync(refDir, { recursive: true, force: true });
  mkdirSync(refDir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${ref} lib | tar -x -C ${refDir}`]);
  try {
    const { screenExpression: refScreen } = (await import(`${refDir}lib/screen/screen.ts`)) as { screenExpression: typeof screenExpression };
    const { FactorStore: RefStore } = (await import(`${refDir}lib/factors/index.ts`)) as { FactorStore: typeof FactorStore };
    const panel = await loadBundledPanel('sp500_daily');
    const train = sliceDates(panel, 0, testSegmentStart(panel.times.length));
    const [sRef, sNew, sGate] = await Promise.all([RefStore.open(':memory:'), FactorStore.open(':memory:'), FactorStore.open(':memory:')]);
    const exprs = ['rank(ts_corr(close, volume, 10))', '-ts_delta(close, 5)', 'zscore(ts_mean(returns, 20)) * rank(volume)'];
    for (const c of gridCandidates(DEFAULT_TEMPLATES, { fields: defaultMineFields(panel) }, { seed: 7 })) {
      if (exprs.length >= n) break;
      exprs.push(c.expression);
    }
    let bad = 0, skipped = 0;
    const clock: Record<string, { wall: number; cpu: number }> = {};
    const timed = async <R>(label: string, f: () => Promise<R>): Promise<R> => {
      const w0 = performance.now(), c0 = process.cpuUsage();
      const r = await f();
      const c = process.cpuUsage(c0);
      const t = (clock[label] ??= { wall: 0, cpu: 0 });
      t.wall += performance.now() - w0;
      t.cpu += (c.user + c.system) / 1000;
      return r;
    };
    for (const [k, e] of exprs.entries()) {
      // every other expression with decay, a tighter truncation and other costs
      const st = k % 2 ? { portfolio: { decay: 4, truncation: 0.05 }, costBps: 3 } : {};
      // alternate which screen runs first: the forward-return caches of lib/factors warmed by one help the next
      const runs: (() => Promise<unknown>)[] = [
        () => timed('reference (full)', () => refScreen(parse(e), train, st, { store: sRef })),
        () => timed('current (full)', () => screenExpression(parse(e), train, st, { store: sNew })),
        () => timed('current + miner gate', () => screenExpression(parse(e), train, { ...st, earlyReject: hopefulGate(DEFAULT_MINE_GATES) }, { store: sGate })),
      ];
      const res = k % 2 ? [await runs[2]!(), await runs[1]!(), await runs[0]!()].reverse() : [await runs[0]!(), await runs[1]!(), await runs[2]!()];
      const [a, b, g] = res as [ScreenReport, ScreenReport, ScreenReport];
      const d = reportDiffs(a, b);
      const dg = g.skipped ? reportDiffs(Object.fromEntries(Object.keys(g).filter((k) => k !== 'failures' && k !== 'skipped' && k !== 'pass').map((k) => [k, (a as unknown as Record<string, unknown>)[k]])), { ...g, failures: undefined, skipped: undefined, pass: undefined }) : reportDiffs(a, g);
      if (g.skipped) {
        skipped++;
        if (a.pass) dg.push('skipped a candidate that passes');
        const kinds = new Set(a.failures.map((f) => f.kind));
        for (const f of g.failures) if (!kinds.has(f.kind)) dg.push(`cheap failure ${f.kind} not in the full report`);
      }
      const ok = d.length === 0 && dg.length === 0;
      if (!ok) bad++;
      process.stdout.write(`${ok ? 'same' : 'DIFF'}  ${g.skipped ? 'early-rejected' : 'all stages    '}  ${e}\n${[...d, ...dg.map((x) => `gated ${x}`)].map((x) => `    ${x}\n`).join('')}`);
    }
    process.stdout.write(`${exprs.length} expressions: ${exprs.length - bad} bit-identical, ${bad} differ; ${skipped} early-rejected by the miner's gate\n`);
    for (const [label, t] of Object.entries(clock)) process.stdout.write(`  ${label.padEnd(22)} ${(t.wall / exprs.length).toFixed(0).padStart(6)} ms wall, ${(t.cpu / exprs.length).toFixed(0).padStart(6)} ms CPU per candidate = ${((1000 * exprs.length) / t.cpu).toFixed(2)} candidates per CPU-second\n`);
    process.stdout.write(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores (shared machine)\n`);
    process.exitCode = bad ? 1 : 0;
  } finally {
    rmSync(refDir, { recursive: true, force: true });
  }
}
void main();
