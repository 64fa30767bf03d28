/**
 * The research verbs of `alphalab` as a user calls them, each with --json on
 * the bundled data (a temporary DuckDB file, so the project store is not
 * touched), plus the command-line error behaviour of `alphalab` and `research`.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { exportStrategy } from '../lib/backtest/index.js';
import { loadBundledPanel } from '../lib/data/index.js';
import { checkSubcommand, editDistance, protectExpressions, suggest } from '../bin/verbs/cli-errors.js';
import { ConfigError, loadResearchConfig, researchConfigDefaults, validateResearchConfig } from '../lib/core/index.js';

const root = process.cwd();
const tmp = mkdtempSync(join(tmpdir(), 'alphalab-cli-'));
const db = join(tmp, 'q.duckdb');
after(() => rmSync(tmp, { recursive: true, force: true }));

function cli(bin: 'alphalab' | 'research', args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bin', `${bin}.ts`), ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const json = (s: string): Record<string, any> => {
  const lines = s.trim().split('\n');
  assert.equal(lines.length, 1, `one JSON line expected, got:\n${s}`);
  return JSON.parse(lines[0]!) as Record<string, any>;
};

test('factor --json: one summary line with named quantities, the trial recorded, the tear sheet written; trials list/show read it back', () => {
  const html = join(tmp, 'tear.html');
  const r = cli('alphalab', ['factor', '-ts_delta(close, 5)', '--dataset', 'sp500_daily', '--horizon', '5', '--db', db, '--html', html, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = json(r.stdout);
  assert.equal(s.factor, '-delta(close, 5)');
  assert.equal(s.horizon, 5);
  for (const k of ['rank_ic', 'rank_icir', 't_nw', 'p_nw', 'ls_sharpe', 'directional_sharpe', 'turnover', 'ic_skew', 'ic_kurtosis']) assert.equal(typeof s[k], 'number', k);
  assert.deepEqual(s.quantile_returns.map((q: { horizon: number }) => q.horizon), [1, 5, 10]);
  assert.equal(s.trials, 1);
  assert.match(s.interpretation[0], /^Mean Rank IC /);
  const page = readFileSync(html, 'utf8');
  for (const t of ['Monthly mean Rank IC', 'Rank IC normal Q-Q', 'Mean demeaned forward return by quantile', 'factor-notes']) assert.ok(page.includes(t), t);
  const list = json(cli('alphalab', ['trials', 'list', '--db', db, '--json']).stdout);
  assert.equal(list.count, 1);
  assert.equal(list.trials[0].run_id, s.run_id);
  assert.equal(list.trials[0].source, 'cli');
  const show = json(cli('alphalab', ['trials', 'show', s.run_id, '--db', db, '--json']).stdout);
  assert.equal(show.rank_ic, s.rank_ic);
  const missing = cli('alphalab', ['trials', 'show', 'nope', '--db', db]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no trial with run id "nope"/);
});

test('data list, kb init and runs list/show --json', () => {
  const d = json(cli('alphalab', ['data', 'list', '--db', db, '--json']).stdout);
  assert.deepEqual(d.bundled, ['sp500_daily', 'binance_perp_1h']);
  assert.ok(Array.isArray(d.datasets));
  const kb = json(cli('alphalab', ['kb', 'init', '--db', db, '--json']).stdout);
  assert.deepEqual([kb.ok, kb.hypotheses], [true, 0]);
  // A project root with one run folder holding one executed notebook.
  const proj = join(tmp, 'proj');
  const run = join(proj, 'data', 'runs', '2026-01-02T03-04-05Z');
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'a.ipynb'), JSON.stringify({ metadata: { alphalab: { run: { status: 'ok', seconds: 1.5, kernel: 'alphalab-tslab', executed_cells: 3, code_cells: 3, parameters: { horizon: 5 } } } }, cells: [] }));
  const env = { ALPHALAB_ROOT: proj };
  const runs = json(cli('alphalab', ['runs', 'list', '--json'], env).stdout);
  assert.deepEqual(runs.runs, [{ run: '2026-01-02T03-04-05Z', latest: false, notebooks: 1, ok: 1, seconds: 1.5 }]);
  const shown = json(cli('alphalab', ['runs', 'show', '2026-01-02T03-04-05Z', '--json'], env).stdout);
  assert.deepEqual(shown.notebooks[0].parameters, { horizon: 5 });
  assert.equal(shown.notebooks[0].cells, '3/3');
});

test('lookahead flags a deliberately leaky custom strategy (exit 1) and passes a clean one and an expression', () => {
  const leak = cli('alphalab', ['lookahead', '--strategy', 'test/fixtures/strategies/leaky', '--json']);
  assert.equal(leak.code, 1, leak.stderr);
  const l = json(leak.stdout);
  assert.equal(l.ok, false);
  assert.ok(l.factors.next_bar_return.changed > 0);
  assert.equal(l.factors.next_bar_return.examples[0].bar, l.factors.next_bar_return.cuts[0] - 1, 'the bar just before the cut needed the bar after it');
  const clean = cli('alphalab', ['lookahead', '--strategy', 'test/fixtures/strategies/clean', '--json']);
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(json(clean.stdout).factors.momentum_5.changed, 0);
  const expr = cli('alphalab', ['lookahead', 'rank(-ts_delta(close, 5))', '--json']);
  assert.equal(expr.code, 0, expr.stderr);
  assert.equal(json(expr.stdout).ok, true);
});

test('backtest --strategy: re-run verified bit for bit, statistics next to buy-and-hold', async () => {
  const panel = await loadBundledPanel('sp500_daily');
  const base = join(tmp, 'bt', 'x'); // no plotly.js in the folders above (the factor test left one in tmp)
  const { dir } = await exportStrategy({ name: 'cli_reversal', kind: 'portfolio', factors: { alpha: '-ts_delta(close, 5)' }, portfolio: { factor: 'alpha' }, panel, period: { start: 600, end: 900 } }, { dir: join(base, 'strategies') });
  const html = join(tmp, 'bt.html');
  const r = cli('alphalab', ['backtest', '--strategy', dir, '--html', html, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = json(r.stdout);
  assert.equal(s.verified, true);
  assert.deepEqual(s.mismatches, []);
  const sharpe = s.stats.find((x: { metric: string }) => x.metric.startsWith('Sharpe'));
  assert.ok(Number.isFinite(sharpe.strategy) && Number.isFinite(sharpe.buy_and_hold));
  assert.equal(s.stats.find((x: { metric: string }) => x.metric === 'bars').strategy, 300);
  assert.ok(existsSync(html));
  assert.match(readFileSync(html, 'utf8'), /buy and hold/);
  // One plotly.js for all strategies under the same root.
  assert.ok(existsSync(join(base, 'strategies', 'plotly.js')) && !existsSync(join(dir, 'plotly.js')));
});

test('errors: unknown category rejected with the valid ones, subcommand typos suggested, one line plus a --help hint', () => {
  const c = cli('research', ['-c', 'momentm']);
  assert.equal(c.code, 1);
  assert.match(c.stderr, /argument 'momentm' is invalid\. Allowed choices are momentum, mean_reversion, /);
  assert.match(c.stderr, /\(add --help for usage\)/);
  assert.doesNotMatch(c.stderr, /Usage:/);
  const s = cli('research', ['statsu']);
  assert.equal(s.code, 1);
  assert.match(s.stderr, /unknown command 'statsu' \(Did you mean status\?\)/);
  const a = cli('alphalab', ['factr', 'x']);
  assert.equal(a.code, 1);
  assert.match(a.stderr, /Did you mean factor\?/);
  assert.doesNotMatch(a.stderr, /Usage:/);
  const cfg = join(tmp, 'bad.yaml');
  writeFileSync(cfg, 'agent:\n  max_iteratons: 5\n');
  const b = cli('research', ['--config', cfg, '-p', 'offline']);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /bad\.yaml: agent\.max_iteratons: unknown key \(did you mean "max_iterations"\?\); valid keys of agent: llm, max_iterations/);
});

test('cli helpers: edit distance, suggestions, expressions starting with a minus, subcommand check', () => {
  assert.equal(editDistance('statsu', 'status'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.deepEqual(suggest('statsu', ['status', 'analyze', 'improve']), ['status']);
  assert.deepEqual(suggest('xyz', ['status']), []);
  assert.deepEqual(protectExpressions(['node', 'x', 'factor', '-ts_delta(close, 5)', '-d', 'sp', '--json']), ['node', 'x', 'factor', ' -ts_delta(close, 5)', '-d', 'sp', '--json']);
  assert.equal(typeof checkSubcommand, 'function');
});

test('research config: configs/default.yaml is valid and equals the schema defaults; unknown keys, bad values and unread keys rejected; flags win', () => {
  const flags = loadResearchConfig(join(root, 'configs', 'default.yaml'));
  assert.deepEqual(flags, { requirements: 'find a profitable, robust factor', dataset: 'sp500_daily', seed: 7, costBps: 5, provider: 'auto', timeout: 180, iterations: 10, maxFailures: 3, earlyStopSharpe: 1.5 });
  const defaults = researchConfigDefaults();
  assert.deepEqual((defaults.walk_forward as Record<string, unknown>).train_ratio, 0.6);
  assert.throws(() => validateResearchConfig({ agent: { llm: { temperature: 0.2 } } }, 'c.yaml'), /c\.yaml: agent\.llm\.temperature: the engine does not read this key yet/);
  assert.throws(() => validateResearchConfig({ research: { category: 'momentm' } }, 'c.yaml'), /research\.category: "momentm" is not one of momentum, /);
  assert.throws(() => validateResearchConfig({ agent: { max_iterations: 0 } }, 'c.yaml'), /agent\.max_iterations: 0 < 1/);
  assert.throws(() => validateResearchConfig({ walk_forward: { train_ratio: 0.7, val_ratio: 0.2, test_ratio: 0.2 } }, 'c.yaml'), ConfigError);
  assert.throws(() => validateResearchConfig({ extra: 1 }, 'c.yaml'), /c\.yaml: extra: unknown key; valid keys: research, agent, walk_forward, rolling/);
  assert.deepEqual(validateResearchConfig({ research: { category: 'momentum' }, agent: { max_iterations: 4 } }), { category: 'momentum', iterations: 4 });
  const cfg = join(tmp, 'ok.yaml');
  writeFileSync(cfg, 'agent:\n  max_iterations: 0\n');
  const r = cli('research', ['--config', cfg, '-n', '1', '-p', 'offline']);
  assert.equal(r.code, 1, 'the file is validated even when a flag overrides the key');
  assert.match(r.stderr, /max_iterations: 0 < 1/);
});
