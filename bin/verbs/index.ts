/**
 * The research verbs of `alphalab`, registered in one call from bin/alphalab.ts:
 * factor, lookahead, backtest, runs, trials, data, kb. Each lives in its own
 * file; all accept --json (one summary line on stdout).
 */
import type { Command } from 'commander';
import { registerBacktest } from './backtest.js';
import { registerData } from './data.js';
import { registerFactor } from './factor.js';
import { registerKb } from './kb.js';
import { registerLookahead } from './lookahead.js';
import { registerRuns } from './runs.js';
import { registerTrials } from './trials.js';

/** Adds the research verbs to `program`. */
export function registerResearchVerbs(program: Command): void {
  registerFactor(program);
  registerLookahead(program);
  registerBacktest(program);
  registerRuns(program);
  registerTrials(program);
  registerData(program);
  registerKb(program);
}
