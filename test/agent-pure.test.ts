import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HYPOTHESIS_SCHEMA, parseProposal, summarizePanel, formatDatasetSummary, buildPrompt, exprGrammar, FACTOR_FAMILIES, instantiate, hypothesisId,
} from '../lib/agent/index.js';
import { classifyFailures, classifySignal } from '../lib/screen/index.js';
import type { Panel } from '../lib/data/index.js';

const grammar = exprGrammar();
const FIELDS = ['open', 'high', 'low', 'close', 'volume'];

test('classifyFailures: each rule fires on its own case and a good factor passes', () => {
  const good = { expectedSign: 1 as const, rankIc: 0.03, sharpeGross: 1.8, sharpeNet: 1.2, turnover: 0.2, trainSharpe: 1.4, testSharpe: 1.1, windowSharpes: [0.5, 1, 2, 0.1] };
  assert.deepEqual(classifyFailures(good), []);
  const kinds = (x: Parameters<typeof classifyFailures>[0]) => classifyFailures(x).map((f) => f.kind);
  assert.deepEqual(kinds({ ...good, rankIc: -0.03, sharpeNet: -1.2, sharpeGross: -1, trainSharpe: -1, testSharpe: -1 }), ['wrong_sign']);
  assert.deepEqual(kinds({ ...good, rankIc: 0.002, sharpeGross: 0.1, sharpeNet: -0.2, trainSharpe: 0.1, testSharpe: -0.2 }), ['no_predictive_power']);
  assert.deepEqual(kinds({ ...good, sharpeNet: 0.2, testSharpe: 0.2, trainSharpe: 0.3 }), ['high_turnover']);
  assert.deepEqual(kinds({ ...good, turnover: 0.9 }), ['high_turnover']);
  assert.deepEqual(kinds({ ...good, trainSharpe: 3, testSharpe: 0.6 }), ['overfit']);
  assert.deepEqual(kinds({ ...good, windowSharpes: [1, -1, -0.5, 0.2] }), ['unstable']);
  assert.deepEqual(kinds({ ...good, trainSharpe: -0.6, validationSharpe: 0.8 }), ['unstable']);
  assert.deepEqual(kinds({ ...good, trainSharpe: -0.4, validationSharpe: 0.8 }), [], 'a flat segment (|Sharpe| < minSharpe) is not a sign flip');
  assert.match(classifyFailures({ ...good, trainSharpe: 0.9, validationSharpe: -1.2 })[0]!.detail, /validation -1\.20: the sign changes/);
  assert.deepEqual(kinds({ ...good, maxCorrelation: 0.95, correlatedWith: 'H002' }), ['duplicate']);
  assert.match(classifyFailures({ ...good, maxCorrelation: 0.95, correlatedWith: 'H002' })[0]!.detail, /H002/);
  // an IC that is not significant counts as no signal, whatever its sign
  assert.deepEqual(kinds({ ...good, rankIc: -0.03, rankIcP: 0.3, sharpeGross: 0.1, sharpeNet: -0.1, trainSharpe: 0.1, testSharpe: -0.1 }), ['no_predictive_power']);
  assert.deepEqual(kinds({ ...good, rankIc: -0.03, rankIcP: 0.01, sharpeGross: -1, sharpeNet: -1, trainSharpe: -1, testSharpe: -1 }), ['wrong_sign']);
  // expected sign -1 with negative IC is right, not wrong
  assert.deepEqual(kinds({ ...good, expectedSign: -1, rankIc: -0.03 }), []);
});

test('parseProposal: valid answer, canonical from the engine, defaults for params', () => {
  const r = parseProposal(
    { decision: 'new', decision_reason: 'start', name: 'Price-Volume Corr', category: 'Volume', rationale: 'flow', expressions: ['-ts_corr(rank(close), rank(volume), 10)'], expected_sign: 1, params: { delay: 1, decay: 4 } },
    grammar, FIELDS,
  );
  assert.equal(r.ok, true);
  if (!r.ok) return;
  assert.equal(r.proposal.name, 'price_volume_corr');
  assert.equal(r.proposal.category, 'volume');
  assert.deepEqual(r.proposal.params, { delay: 1, decay: 4, neutralization: 'market', truncation: 0.08 });
  assert.equal(r.canonical, (grammar.validate('-ts_corr(rank(close), rank(volume), 10)', FIELDS) as { canonical: string }).canonical);
});

test('parseProposal: errors name the field or quote the engine message', () => {
  const base = { decision: 'new', decision_reason: 'x', name: 'n', category: 'c', rationale: 'r', expressions: ['rank(close)'], expected_sign: 1, params: { delay: 1, decay: 0, neutralization: 'market', truncation: 0.05 } };
  const err = (v: unknown, known?: Set<string>) => {
    const r = parseProposal(v, grammar, FIELDS, known);
    assert.equal(r.ok, false);
    return (r as { error: string }).error;
  };
  assert.match(err({ ...base, expressions: ['ts_std_dev(close, 5)'] }), /expression 1 `ts_std_dev\(close, 5\)` is invalid: unknown operator ts_std_dev/);
  assert.match(err({ ...base, expressions: ['rank(funding_rate)'] }), /unknown field funding_rate/);
  assert.match(err({ ...base, expressions: [] }), /"expressions" must be a non-empty array/);
  assert.match(err({ ...base, expected_sign: 0 }), /expected_sign/);
  assert.match(err({ ...base, params: { delay: 9 } }), /params\.delay/);
  assert.match(err({ ...base, decision: 'refine' }), /needs "parent_id"/);
  assert.match(err({ ...base, decision: 'refine', parent_id: 'H009' }, new Set(['H001'])), /not a known hypothesis id/);
  assert.match(err([1, 2]), /JSON object/);
  assert.match(err({ ...base, name: '' }), /"name"/);
});


test('every knowledge template validates against lib/expr with OHLCV (+ funding_rate) fields', () => {
  for (const f of FACTOR_FAMILIES) {
    for (const t of f.templates) {
      const e = instantiate(t, t.windows[0]!, t.windows2?.[0]);
      const r = grammar.validate(e, [...FIELDS, 'funding_rate']);
      assert.ok(r.ok, `${t.id}: ${e}: ${r.ok ? '' : r.error}`);
    }
  }
  assert.ok(grammar.operators().length > 20);
  assert.ok(grammar.operators().every((o) => o.signature.startsWith(o.name)));
});

test('summarizePanel: hand-computed two-asset panel', () => {
  const panel: Panel = {
    dataset: 'toy', frequency: '1d', market: 'equity',
    times: new Float64Array([0, 86_400_000, 2 * 86_400_000]),
    assets: ['A', 'B'],
    // A: 100 -> 110 -> 99 ; B: 50 -> 50 -> NaN
    fields: { close: new Float64Array([100, 50, 110, 50, 99, NaN]) },
  };
  const s = summarizePanel(panel);
  assert.equal(s.nDates, 3);
  assert.equal(s.nAssets, 2);
  assert.equal(s.coverage, 5 / 6);
  assert.equal(s.barsPerYear, 252);
  // equal-weight returns: bar1 mean(0.1, 0) = 0.05; bar2 only A: -0.1
  const ew = [0.05, -0.1];
  const m = (ew[0]! + ew[1]!) / 2;
  assert.ok(Math.abs(s.ewReturnAnn - m * 252) < 1e-12);
  const v = ((ew[0]! - m) ** 2 + (ew[1]! - m) ** 2) / 1;
  assert.ok(Math.abs(s.ewVolAnn - Math.sqrt(v * 252)) < 1e-12);
  // dispersion: only bar 1 has 2 assets: std(0.1, 0) = 0.0707...
  assert.ok(Math.abs(s.crossSectionalDispersion - Math.sqrt(0.005)) < 1e-12);
  assert.equal(s.start, '1970-01-01');
  assert.match(formatDatasetSummary(s), /toy: equity, 1d bars, 3 bars x 2 assets/);
  assert.throws(() => summarizePanel({ ...panel, fields: { open: panel.fields.close! } }), /no "close" field/);
});

test('buildPrompt carries goal, operators, knowledge, KB entries and the last result', () => {
  const h = { id: 'H001', name: 'rev_5', category: 'mean_reversion', expressions: ['-1 * delta(close, 5)'], expectedSign: 1, params: { delay: 1, decay: 0, neutralization: 'market', truncation: 0.05 }, sharpe: -0.4 } as never;
  const p = buildPrompt({
    goal: 'find a robust factor', category: 'mean_reversion', datasetSummary: 'dataset toy', fields: FIELDS, operators: grammar.operators(),
    best: [], failures: [{ hypothesis: h, headline: { rank_ic: -0.012 }, failures: [{ kind: 'wrong_sign', detail: 'flip it' }] }],
    last: { hypothesis: h, outcome: { pass: false, sharpe: -0.4, headline: {}, grade: '', evaluations: [], failures: [{ kind: 'wrong_sign', detail: 'flip it' }] } },
  });
  for (const s of ['find a robust factor', 'mean_reversion family', 'ts_corr(x, y, d)', 'Jegadeesh', 'H001 rev_5', 'wrong_sign (flip it)', 'parent_id "H001"', 'rank_ic -0.012']) assert.ok(p.includes(s), s);
  assert.ok(!p.includes('low-volatility anomaly'), 'category filter keeps only the focused family');
  assert.ok(p.includes('Examples: `-1 * ts_delta(close, 3) / ts_delay(close, 3)`'), 'examples instantiate the templates');
  const all = buildPrompt({ goal: 'g', datasetSummary: 's', fields: FIELDS, operators: [], best: [], failures: [] });
  assert.ok(all.includes('- momentum:') && !all.includes('- funding:'), 'no funding knowledge without a funding_rate field');
  assert.ok(buildPrompt({ goal: 'g', datasetSummary: 's', fields: [...FIELDS, 'funding_rate'], operators: [], best: [], failures: [] }).includes('- funding:'));
});

test('hypothesis ids are zero-padded', () => {
  assert.equal(hypothesisId(7), 'H007');
  assert.equal(hypothesisId(1234), 'H1234');
});

test('classifySignal: the mapping of each failed signal check to a failure kind', () => {
  // a signal that passes every issue-5 check
  const ok = { nTrades: 400, winRate: 0.52, profitFactor: 1.2, signalsPer1000Bars: 390, grossWinRate: 0.55, grossProfitFactor: 1.35, grossExpectancyT: 3.1 };
  assert.deepEqual(classifySignal(ok), []);
  const one = (x: Parameters<typeof classifySignal>[0]) => {
    const r = classifySignal(x);
    assert.equal(r.length, 1, JSON.stringify(r));
    return r[0]!;
  };
  // too few trades -> no predictive power
  assert.deepEqual(one({ ...ok, nTrades: 12 }), { kind: 'no_predictive_power', detail: 'signal: too few trades (12 < 30) to show an edge' });
  // fires on most bars -> turnover; almost never -> no predictive power
  assert.deepEqual(one({ ...ok, signalsPer1000Bars: 620 }), { kind: 'high_turnover', detail: 'signal: 620 entry signals per 1,000 bars (> 500): it fires on most bars' });
  assert.equal(one({ ...ok, signalsPer1000Bars: 0.4 }).kind, 'no_predictive_power');
  // loses after costs, wins before costs with a significant edge -> the costs eat it
  const cost = one({ ...ok, profitFactor: 0.9, winRate: 0.47, grossProfitFactor: 1.15, grossWinRate: 0.52, grossExpectancyT: 2.6 });
  assert.equal(cost.kind, 'high_turnover');
  assert.equal(cost.detail, 'signal: profit factor 0.90, win rate 47.0% after costs (need > 1 and > 40.0%) but 1.15, 52.0%, mean trade t 2.60 before costs: the costs eat the edge');
  // the same with an edge before costs that is noise (t < 2) -> no predictive power
  const noise = one({ ...ok, profitFactor: 0.9, winRate: 0.47, grossProfitFactor: 1.15, grossWinRate: 0.52, grossExpectancyT: 1.2 });
  assert.equal(noise.kind, 'no_predictive_power');
  assert.match(noise.detail, /the edge before costs is not significant \(t < 2\)$/);
  // no edge before costs either; a low win rate alone fails too
  assert.match(one({ ...ok, profitFactor: 0.8, grossProfitFactor: 0.95 }).detail, /0\.95, 55\.0%, mean trade t 3\.10 before costs: no edge before costs either$/);
  assert.equal(one({ ...ok, winRate: 0.35, grossWinRate: 0.37 }).kind, 'no_predictive_power');
  // without a t-statistic the before-cost profit factor and win rate decide
  const { grossExpectancyT: _t, ...noT } = ok;
  void _t;
  assert.equal(one({ ...noT, profitFactor: 0.9, grossProfitFactor: 1.1 }).kind, 'high_turnover');
  // several checks of one kind: one reason, details joined
  const both = one({ ...ok, nTrades: 10, profitFactor: 0.7, grossProfitFactor: 0.8 });
  assert.match(both.detail, /^signal: too few trades \(10 < 30\) to show an edge; signal: profit factor 0\.70/);
  // thresholds are the caller's
  assert.deepEqual(classifySignal({ ...ok, nTrades: 12 }, { minTrades: 10, minWinRate: 0.4, minProfitFactor: 1, signalsPer1000Bars: [1, 500] }), []);
});

test('classifyFailures with a signal stage: its reasons join the portfolio ones, one per kind; a wrong sign suppresses them', () => {
  const good = { expectedSign: 1 as const, rankIc: 0.03, sharpeGross: 1.8, sharpeNet: 1.2, turnover: 0.2, trainSharpe: 1.4, testSharpe: 1.1, windowSharpes: [0.5, 1, 2, 0.1] };
  const sigOk = { nTrades: 400, winRate: 0.52, profitFactor: 1.2, signalsPer1000Bars: 390, grossWinRate: 0.55, grossProfitFactor: 1.35, grossExpectancyT: 3.1 };
  assert.deepEqual(classifyFailures({ ...good, signal: sigOk }), [], 'passes both stages');
  // the portfolio passes, the signal loses money with no edge before costs: the signal stage decides the fail
  const lose = { ...sigOk, profitFactor: 0.8, winRate: 0.36, grossProfitFactor: 0.85, grossWinRate: 0.37, grossExpectancyT: -2 };
  const f = classifyFailures({ ...good, signal: lose });
  assert.deepEqual(f.map((r) => r.kind), ['no_predictive_power']);
  assert.match(f[0]!.detail, /^signal: profit factor 0\.80, win rate 36\.0% after costs/);
  // a kind already found by the portfolio stage gets the signal detail appended
  const f2 = classifyFailures({ ...good, turnover: 0.9, signal: { ...sigOk, profitFactor: 0.9, grossProfitFactor: 1.2 } });
  assert.deepEqual(f2.map((r) => r.kind), ['high_turnover']);
  assert.match(f2[0]!.detail, /^turnover 0\.900\/day > 0\.5; signal: profit factor 0\.90, .* the costs eat the edge$/);
  // wrong sign: flipping fixes both stages, so only the wrong sign is reported
  assert.deepEqual(classifyFailures({ ...good, rankIc: -0.03, sharpeNet: -1.2, sharpeGross: -1, trainSharpe: -1, testSharpe: -1, signal: lose }).map((r) => r.kind), ['wrong_sign']);
});

test('parseProposal: optional signal parameters are kept when given and checked', () => {
  const base = { decision: 'new', decision_reason: 'x', name: 'n', category: 'c', rationale: 'r', expressions: ['rank(close)'], expected_sign: 1 };
  const r = parseProposal({ ...base, params: { delay: 1, decay: 2, signal_quantile: 0.1, exit_quantile: '0.3', signal_sides: 'long' } }, grammar, FIELDS);
  assert.equal(r.ok, true);
  assert.deepEqual((r as { proposal: { params: unknown } }).proposal.params, { delay: 1, decay: 2, neutralization: 'market', truncation: 0.08, signalQuantile: 0.1, exitQuantile: 0.3, signalSides: 'long' });
  const err = (params: Record<string, unknown>) => (parseProposal({ ...base, params }, grammar, FIELDS) as { error: string }).error;
  assert.equal(err({ signal_quantile: 0.4 }), 'params.signal_quantile must be in (0, 0.25], got 0.4');
  assert.equal(err({ signal_quantile: 0.2, exit_quantile: 0.1 }), 'params.exit_quantile must be in [params.signal_quantile (0.2), 0.5], got 0.1');
  assert.match(err({ signal_sides: 'both' }), /params\.signal_sides must be "long_short", "long" or "short", got "both"/);
  // the schema the model follows lists them, not as required
  const props = HYPOTHESIS_SCHEMA.properties.params.properties as Record<string, unknown>;
  assert.ok('signal_quantile' in props && 'exit_quantile' in props && 'signal_sides' in props);
  assert.deepEqual(HYPOTHESIS_SCHEMA.properties.params.required, ['delay', 'decay', 'neutralization', 'truncation']);
});

test('buildPrompt: the signal stage is described and a digest line carries its profit factor and win rate', () => {
  const h = { id: 'H004', name: 'mom_60_20', category: 'momentum', expressions: ['ts_delay(close, 20) / ts_delay(close, 60) - 1'], expectedSign: 1, params: { delay: 1, decay: 5, neutralization: 'market', truncation: 0.05 }, sharpe: 1.25 } as never;
  const p = buildPrompt({ goal: 'g', datasetSummary: 's', fields: FIELDS, operators: [], best: [{ hypothesis: h, headline: { rank_ic: 0.006, turnover: 0.11, signal_pf: 1.134, signal_win_rate: 0.509 }, failures: [] }], failures: [] });
  assert.ok(p.includes('- H004 mom_60_20 [momentum] `ts_delay(close, 20) / ts_delay(close, 60) - 1` sign +, delay 1, decay 5: sharpe 1.25, rank_ic 0.006, turnover 0.110, signal profit factor 1.13, win rate 0.51'), p);
  assert.match(p, /# Test\nThe first expression times expected_sign is tested three ways: .* a signal backtest with the same costs: long the top signal_quantile of assets, short the bottom one, exit when an asset leaves the exit_quantile band; on the test segment it needs >= 30 trades, win rate > 40%, profit factor > 1 after costs and 1-500 entry signals per 1,000 bars\./);
  assert.match(p, /optional "signal_quantile" \(0\.01-0\.25, default 0\.2\), "exit_quantile"/);
});
