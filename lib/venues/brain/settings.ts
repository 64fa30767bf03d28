/**
 * WorldQuant BRAIN simulation settings (the `settings` object of
 * `POST /simulations`), their defaults, validation, a settings file reader,
 * and the mapping to and from our BRAIN-style simulator's settings
 * (`lib/backtest/portfolio.ts` `PortfolioSettings`).
 *
 * Field names and values as BRAIN's API takes them (community clients'
 * captured requests): instrumentType, region, universe, delay, decay,
 * neutralization, truncation, pasteurization, unitHandling, nanHandling,
 * language "FASTEXPR", visualization, testPeriod, maxTrade.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_BRAIN_SETTINGS as SIMULATOR_DEFAULTS, type BrainSettings, type PortfolioSettings } from '../../backtest/portfolio.js';
import { VenueError } from '../errors.js';

/** BRAIN's neutralization choices (equities). */
export const BRAIN_NEUTRALIZATIONS = ['NONE', 'MARKET', 'SECTOR', 'INDUSTRY', 'SUBINDUSTRY', 'COUNTRY', 'STATISTICAL', 'CROWDING', 'FAST', 'SLOW', 'SLOW_AND_FAST'] as const;

/**
 * The `settings` object of a BRAIN REGULAR simulation: our simulator's
 * {@link BrainSettings} (delay, decay, truncation: one definition, in
 * lib/backtest/portfolio.ts) with neutralization in BRAIN's vocabulary, plus
 * the fields only BRAIN's API has.
 */
export interface BrainSimulationSettings extends Omit<BrainSettings, 'neutralization'> {
  /** 'EQUITY' (the one instrument type of the REGULAR alphas this client sends). */
  instrumentType: string;
  /** e.g. 'USA', 'CHN', 'EUR', 'ASI', 'GLB', 'JPN'. */
  region: string;
  /** e.g. 'TOP3000', 'TOP1000', 'TOP500', 'TOP200', 'TOPSP500'. */
  universe: string;
  /** One of {@link BRAIN_NEUTRALIZATIONS} (BRAIN's names; {@link toPortfolioSettings} maps them to ours). */
  neutralization: (typeof BRAIN_NEUTRALIZATIONS)[number];
  /** 'ON' | 'OFF': values of instruments outside the universe set to NaN. */
  pasteurization: 'ON' | 'OFF';
  /** 'VERIFY' (BRAIN checks units of arithmetic on fields). */
  unitHandling: 'VERIFY';
  /** 'ON' | 'OFF'. */
  nanHandling: 'ON' | 'OFF';
  /** Always 'FASTEXPR'. */
  language: 'FASTEXPR';
  /** Whether BRAIN builds charts (false saves its time). */
  visualization: boolean;
  /** ISO-8601 period held out as the test period, e.g. 'P0Y0M' (none) or 'P2Y0M'. */
  testPeriod: string;
  /** 'ON' | 'OFF': BRAIN's max-trade (liquidity) limit. */
  maxTrade: 'ON' | 'OFF';
}

/**
 * Defaults (BRAIN's web defaults for USA equities): delay, decay and
 * truncation from our simulator's defaults (lib/backtest `DEFAULT_BRAIN_SETTINGS`:
 * delay 1, no decay, truncation 0.08, which are BRAIN's), then TOP3000,
 * SUBINDUSTRY neutralization (BRAIN's default; our simulator defaults to
 * market because a panel may lack group labels), pasteurization ON,
 * nanHandling OFF, no test period, maxTrade OFF, visualization off.
 */
export const DEFAULT_BRAIN_SIMULATION_SETTINGS: Readonly<BrainSimulationSettings> = {
  instrumentType: 'EQUITY',
  region: 'USA',
  universe: 'TOP3000',
  delay: SIMULATOR_DEFAULTS.delay,
  decay: SIMULATOR_DEFAULTS.decay,
  neutralization: 'SUBINDUSTRY',
  truncation: SIMULATOR_DEFAULTS.truncation,
  pasteurization: 'ON',
  unitHandling: 'VERIFY',
  nanHandling: 'OFF',
  language: 'FASTEXPR',
  visualization: false,
  testPeriod: 'P0Y0M',
  maxTrade: 'OFF',
};

const KEYS = Object.keys(DEFAULT_BRAIN_SIMULATION_SETTINGS) as (keyof BrainSimulationSettings)[];

function bad(where: string, msg: string): VenueError {
  return new VenueError('brain', 'bad_request', `${where}: ${msg}`);
}

/**
 * Defaults filled in and every field checked (before anything is sent).
 * @param where what to name in errors (a file path, or 'settings')
 * @throws VenueError 'bad_request' naming the key: unknown keys, wrong types, out-of-range values
 */
export function resolveBrainSettings(given: Partial<Record<string, unknown>> = {}, where = 'settings'): BrainSimulationSettings {
  for (const k of Object.keys(given)) if (!(KEYS as string[]).includes(k)) throw bad(where, `unknown BRAIN setting "${k}"; known: ${KEYS.join(', ')}`);
  const s = { ...DEFAULT_BRAIN_SIMULATION_SETTINGS, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) } as BrainSimulationSettings;
  const str = (k: keyof BrainSimulationSettings): void => {
    if (typeof s[k] !== 'string' || s[k] === '') throw bad(where, `${k} must be a non-empty string, got ${JSON.stringify(s[k])}`);
  };
  str('instrumentType'); str('region'); str('universe'); str('testPeriod');
  if (s.delay !== 0 && s.delay !== 1) throw bad(where, `delay must be 0 or 1, got ${JSON.stringify(s.delay)}`);
  if (!(Number.isInteger(s.decay) && s.decay >= 0 && s.decay <= 512)) throw bad(where, `decay must be an integer in [0, 512], got ${JSON.stringify(s.decay)}`);
  if (!(BRAIN_NEUTRALIZATIONS as readonly string[]).includes(s.neutralization)) throw bad(where, `neutralization must be one of ${BRAIN_NEUTRALIZATIONS.join(', ')}, got ${JSON.stringify(s.neutralization)}`);
  if (!(typeof s.truncation === 'number' && s.truncation > 0 && s.truncation <= 1)) throw bad(where, `truncation must be a number in (0, 1], got ${JSON.stringify(s.truncation)}`);
  for (const k of ['pasteurization', 'nanHandling', 'maxTrade'] as const) if (s[k] !== 'ON' && s[k] !== 'OFF') throw bad(where, `${k} must be 'ON' or 'OFF', got ${JSON.stringify(s[k])}`);
  if (s.unitHandling !== 'VERIFY') throw bad(where, `unitHandling must be 'VERIFY', got ${JSON.stringify(s.unitHandling)}`);
  if (s.language !== 'FASTEXPR') throw bad(where, `language must be 'FASTEXPR' (the only language this client translates to), got ${JSON.stringify(s.language)}`);
  if (typeof s.visualization !== 'boolean') throw bad(where, `visualization must be true or false, got ${JSON.stringify(s.visualization)}`);
  if (!/^P\d+Y\d+M$/.test(s.testPeriod)) throw bad(where, `testPeriod must look like P<years>Y<months>M (e.g. P0Y0M), got ${JSON.stringify(s.testPeriod)}`);
  return s;
}

/**
 * Reads a JSON settings file (an object of BRAIN setting keys; either the
 * settings object itself or `{"settings": {...}}` as in a simulation payload).
 * @throws VenueError 'bad_request' naming the file and the key
 */
export function readBrainSettingsFile(path: string): BrainSimulationSettings {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw bad(path, `cannot read a JSON settings object (${(err as Error).message})`);
  }
  if (v && typeof v === 'object' && !Array.isArray(v) && 'settings' in v) v = (v as { settings: unknown }).settings;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad(path, 'expected a JSON object of BRAIN settings');
  return resolveBrainSettings(v as Record<string, unknown>, path);
}

/** BRAIN neutralization -> our group label name (`panel.groups` key) for 'group' neutralization. */
const GROUP_OF: Partial<Record<BrainSimulationSettings['neutralization'], string>> = { SECTOR: 'sector', INDUSTRY: 'industry', SUBINDUSTRY: 'subindustry', COUNTRY: 'country' };

/**
 * Our simulator's settings for a BRAIN simulation: delay, decay, truncation
 * as given; NONE -> 'none', MARKET -> 'market', SECTOR / INDUSTRY /
 * SUBINDUSTRY / COUNTRY -> 'group' with that group (when the panel lacks the
 * labels, `fallbackGroup` replaces them, else the parity run fails naming
 * them); costs 0 (BRAIN's simulator has none); book 20 M.
 * @throws VenueError 'unsupported' for STATISTICAL / CROWDING / FAST / SLOW (risk-model neutralizations we do not have)
 */
export function toPortfolioSettings(s: BrainSimulationSettings, availableGroups: readonly string[] = [], fallbackGroup?: 'market'): Partial<PortfolioSettings> {
  const base = { delay: s.delay, decay: s.decay, truncation: s.truncation, costBps: 0, bookSize: 20_000_000 } as const;
  if (s.neutralization === 'NONE') return { ...base, neutralization: 'none' };
  if (s.neutralization === 'MARKET') return { ...base, neutralization: 'market' };
  const g = GROUP_OF[s.neutralization];
  if (!g) throw new VenueError('brain', 'unsupported', `neutralization ${s.neutralization} is a BRAIN risk model with no local equivalent; the local parity run supports NONE, MARKET, SECTOR, INDUSTRY, SUBINDUSTRY, COUNTRY`);
  if (!availableGroups.includes(g) && fallbackGroup === 'market') return { ...base, neutralization: 'market' };
  return { ...base, neutralization: 'group', group: g };
}

/**
 * BRAIN settings for one of our portfolio settings (the reverse mapping):
 * 'none' -> NONE, 'market' -> MARKET, 'group' with group sector / industry /
 * subindustry / country -> that name upper-cased.
 * @throws VenueError 'unsupported' for another group name, or costs > 0 (BRAIN has no cost setting)
 */
export function fromPortfolioSettings(p: Partial<PortfolioSettings>, extra: Partial<BrainSimulationSettings> = {}): BrainSimulationSettings {
  let neutralization: BrainSimulationSettings['neutralization'] = 'MARKET';
  if (p.neutralization === 'none') neutralization = 'NONE';
  else if (p.neutralization === 'group') {
    const g = (p.group ?? 'sector').toUpperCase();
    if (!['SECTOR', 'INDUSTRY', 'SUBINDUSTRY', 'COUNTRY'].includes(g)) throw new VenueError('brain', 'unsupported', `group neutralization by "${p.group}" has no BRAIN equivalent (BRAIN groups: sector, industry, subindustry, country)`);
    neutralization = g as BrainSimulationSettings['neutralization'];
  }
  if (p.costBps !== undefined && p.costBps > 0) throw new VenueError('brain', 'unsupported', `costBps ${p.costBps}: BRAIN's simulator has no transaction costs; simulate with costBps 0 for a comparable run`);
  return resolveBrainSettings({ ...extra, ...(p.delay !== undefined ? { delay: p.delay } : {}), ...(p.decay !== undefined ? { decay: p.decay } : {}), ...(p.truncation !== undefined ? { truncation: p.truncation } : {}), neutralization });
}
