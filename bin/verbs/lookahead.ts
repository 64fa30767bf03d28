/**
 * `alphalab lookahead "<expr>" --dataset NAME` or `alphalab lookahead --strategy DIR`:
 * re-evaluates the factor(s) on histories cut at several bars and reports
 * every value that changed (it used data from after the cut: look-ahead).
 * A strategy folder may hold `strategy.json` (its factor expressions) and/or
 * `factors.ts` / `factors.js` exporting `factors: Record<string, (panel) => Float64Array>`
 * (custom code, checked the same way). Exit status 1 when look-ahead is found.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import type { Panel } from '../../lib/data/index.js';
import { evaluate } from '../../lib/expr/index.js';
import { lookaheadCheck, type FactorFunction, type LookaheadResult } from '../../lib/factors/index.js';
import { fmtNumber } from '../../lib/notebook/format.js';
import { loadDatasetByName, positiveInt, printJson, stages } from './common.js';

/** The factor functions of a strategy folder and the dataset it names (if any). */
export async function strategyFactors(dir: string): Promise<{ factors: Record<string, FactorFunction>; custom: string[]; dataset: string | null }> {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new Error(`strategy folder not found: ${abs}`);
  const factors: Record<string, FactorFunction> = {};
  const custom: string[] = [];
  let dataset: string | null = null;
  const json = join(abs, 'strategy.json');
  if (existsSync(json)) {
    const doc = JSON.parse(readFileSync(json, 'utf8')) as { factors?: Record<string, string>; dataset?: { name?: string | null } };
    for (const [name, expr] of Object.entries(doc.factors ?? {})) factors[name] = (p: Panel) => evaluate(expr, p);
    dataset = doc.dataset?.name ?? null;
  }
  for (const f of ['factors.ts', 'factors.js']) {
    const p = join(abs, f);
    if (!existsSync(p)) continue;
    const mod = (await import(pathToFileURL(p).href)) as { factors?: Record<string, FactorFunction>; dataset?: string };
    if (!mod.factors || typeof mod.factors !== 'object') throw new Error(`${p}: must export \`factors\`: Record<string, (panel) => Float64Array>`);
    for (const [name, fn] of Object.entries(mod.factors)) {
      if (typeof fn !== 'function') throw new Error(`${p}: factors.${name} is not a function`);
      factors[name] = fn;
      custom.push(name);
    }
    dataset ??= mod.dataset ?? null;
  }
  if (Object.keys(factors).length === 0) throw new Error(`${abs}: no strategy.json with factors and no factors.ts / factors.js`);
  return { factors, custom, dataset };
}

/** Registers `lookahead`. */
export function registerLookahead(program: Command): void {
  program
    .command('lookahead')
    .description('look-ahead check: re-evaluate on truncated histories and report any value that changes')
    .argument('[expr]', 'factor expression (or use --strategy)')
    .option('-s, --strategy <dir>', 'strategy folder (strategy.json and/or factors.ts)')
    .option('-d, --dataset <name>', 'dataset (default: the strategy\'s, else sp500_daily)')
    .option('--cuts <n>', 'number of cut points over the second half of the history', positiveInt, 5)
    .option('--json', 'print one JSON line')
    .action(async (expr: string | undefined, o: { strategy?: string; dataset?: string; cuts: number; json?: boolean }) => {
      if (!expr === !o.strategy) throw new Error('give either a factor expression or --strategy DIR');
      const { factors, dataset } = o.strategy ? await strategyFactors(o.strategy) : { factors: { [expr!]: (p: Panel) => evaluate(expr!, p) }, dataset: null };
      const name = o.dataset ?? dataset ?? 'sp500_daily';
      const names = Object.keys(factors);
      const bar = stages(names.length + 1, !o.json);
      bar.step(`loading ${name}`);
      const panel = await loadDatasetByName(name);
      const T = panel.times.length;
      const cuts = Array.from({ length: o.cuts }, (_, i) => Math.floor(T / 2 + ((i + 1) * (T / 2)) / (o.cuts + 1)));
      const results: Record<string, LookaheadResult> = {};
      for (const n of names) {
        bar.step(`checking ${n}`);
        results[n] = lookaheadCheck(factors[n]!, panel, { cuts });
      }
      bar.stop();
      const ok = Object.values(results).every((r) => r.ok);
      process.exitCode = ok ? 0 : 1;
      if (o.json) return printJson({ ok, dataset: name, factors: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, { ok: r.ok, changed: r.changed, compared: r.compared, cuts: r.cuts, examples: r.examples.slice(0, 3) }])) });
      for (const [n, r] of Object.entries(results)) {
        process.stdout.write(`${r.ok ? 'ok  ' : 'LEAK'} ${n}: ${r.changed} of ${r.compared} values changed over ${r.cuts.length} cuts\n`);
        for (const e of r.examples.slice(0, 5)) process.stdout.write(`       ${e.asset} at ${e.time}: ${fmtNumber(e.full)} on the full history, ${fmtNumber(e.truncated)} with the history cut at bar ${e.cut}\n`);
      }
      process.stdout.write(ok ? 'no look-ahead found\n' : 'look-ahead found: values before a cut depend on bars after it\n');
    });
}
