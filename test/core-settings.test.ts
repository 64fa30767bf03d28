/**
 * Unknown settings keys are errors naming the key, the closest valid key and
 * the valid keys, at every public entry point that takes a settings object.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSettingsKeys, closestKey, editDistance, UnknownSettingError, validateResearchConfig } from '../lib/core/index.js';
import { simulatePortfolio, backtestSignals, PORTFOLIO_SETTINGS_KEYS } from '../lib/backtest/index.js';
import { analyzeFactor, evaluateFactor } from '../lib/factors/index.js';
import { screenExpression } from '../lib/screen/index.js';
import { ingestFiles } from '../lib/data/index.js';
import { syntheticPanel } from './helpers/panels.js';

test('editDistance and closestKey: hand-checked distances; case, "_" and "-" ignored; nothing far suggested', () => {
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('anualization', 'annualization'), 1);
  assert.equal(editDistance('dealy', 'delay'), 1); // a transposition counts 1
  assert.equal(closestKey('costBPS', PORTFOLIO_SETTINGS_KEYS), 'costBps'); // case ignored
  assert.equal(closestKey('cost_bps', PORTFOLIO_SETTINGS_KEYS), 'costBps');
  assert.equal(closestKey('anualization', PORTFOLIO_SETTINGS_KEYS), 'annualization');
  assert.equal(closestKey('neutralisation', PORTFOLIO_SETTINGS_KEYS), 'neutralization');
  assert.equal(closestKey('zzzzzz', PORTFOLIO_SETTINGS_KEYS), undefined);
  // a key given as undefined counts as not given
  checkSettingsKeys({ delay: 1, costBps: undefined }, ['delay'], 'X');
  assert.throws(() => checkSettingsKeys({ dealy: 1 }, ['delay', 'decay'], 'X'), (e: unknown) => e instanceof UnknownSettingError && e instanceof RangeError && e.key === 'dealy' && e.suggestion === 'delay' && /X: unknown setting "dealy"; did you mean "delay"\? Valid settings: delay, decay/.test(e.message));
});

test('portfolio, bar simulator, factor validation, evaluation and screen reject an unknown key naming it and the closest valid one', async () => {
  const p = syntheticPanel(120, 8, 1);
  const f = p.fields['sig']!;
  assert.throws(() => simulatePortfolio(f, p, { costBPS: 5 } as never), /PortfolioSettings: unknown setting "costBPS"; did you mean "costBps"\?.*Valid settings: delay, decay, neutralization/);
  const T = p.times.length * p.assets.length;
  const masks = { longEntry: new Uint8Array(T), longExit: new Uint8Array(T), shortEntry: new Uint8Array(T), shortExit: new Uint8Array(T) };
  assert.throws(() => backtestSignals(p, masks, { feeBp: 1 } as never), /ExecutionSettings: unknown setting "feeBp"; did you mean "feeBps"\?/);
  assert.throws(() => backtestSignals(p, masks, { sizing: { kind: 'volTarget', targetVol: 0.1, lookback: 20, maxLeverage: 2, fraction: 0.1 } as never }), /ExecutionSettings\.sizing \(volTarget\): unknown setting "fraction"/);
  assert.throws(() => analyzeFactor(f, p, { horizn: 5 } as never), /FactorSettings: unknown setting "horizn"; did you mean "horizon"\?/);
  await assert.rejects(evaluateFactor('sig', p, { store: false, qauntiles: 3 } as never), /EvaluateFactorOptions: unknown setting "qauntiles"; did you mean "quantiles"\?/);
  await assert.rejects(screenExpression('sig', p, { cost_bps: 5 } as never, { store: false }), /ScreenSettings: unknown setting "cost_bps"; did you mean "costBps"\?/);
  await assert.rejects(screenExpression('sig', p, { portfolio: { neutralisation: 'market' } } as never, { store: false }), /ScreenSettings\.portfolio: unknown setting "neutralisation"; did you mean "neutralization"\?/);
  // costBps belongs to the screen's own settings, not to its portfolio block
  await assert.rejects(screenExpression('sig', p, { portfolio: { costBps: 5 } } as never, { store: false }), /ScreenSettings\.portfolio: unknown setting "costBps"/);
  await assert.rejects(screenExpression('sig', p, {}, { stor: false } as never), /ScreenContext: unknown setting "stor"; did you mean "store"\?/);
});

test('ingestFiles rejects an unknown option before touching the catalog; the research config suggests the closest key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'alphalab-settings-'));
  try {
    const csv = join(dir, 'x.csv');
    writeFileSync(csv, 'time,symbol,open,high,low,close,volume\n2020-01-02,A,1,1,1,1,10\n');
    const lake = join(dir, 'lake');
    await assert.rejects(ingestFiles(csv, { dataset: 'x', lakeDir: lake, policey: 'drop' } as never), /IngestOptions: unknown setting "policey"; did you mean "policy"\?/);
    assert.equal(existsSync(lake), false, 'nothing written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => validateResearchConfig({ agent: { max_iteration: 3 } }, 'my.yaml'), /my\.yaml: agent\.max_iteration: unknown key \(did you mean "max_iterations"\?\); valid keys of agent: llm, max_iterations/);
});
