/**
 * Per-market cost models: one record of commission, sell-side tax, minimum fee
 * and slippage, turned into the settings of the bar simulator
 * ({@link ExecutionSettings}) and of the portfolio simulator ({@link PortfolioSettings}).
 *
 * Units: every rate is in basis points (1 bp = 0.01 % = 1e-4 of the traded
 * notional), never a fraction; `minFee` is in currency units (the unit of the
 * simulator's cash: `initialCash` of the bar simulator, `bookSize` of the
 * portfolio). The presets are typical retail / institutional figures, not any
 * broker's schedule: check yours.
 */
import { checkSettingsKeys, settingsKeys } from '../core/settings.js';
import type { ExecutionSettings } from './backtest.js';
import type { PortfolioSettings } from './portfolio.js';

/** A market's trading costs. Rates in bps of traded notional; `minFee` in currency units. */
export interface CostModel {
  /** Commission per side, bps of traded notional (both buys and sells). */
  readonly commissionBps: number;
  /** Tax on sells only, bps of the sold notional (China A-share stamp duty). */
  readonly sellTaxBps: number;
  /** Minimum commission per order, currency units. */
  readonly minFee: number;
  /** Fixed slippage per fill, bps of the price, against the trader. */
  readonly slippageBps: number;
  /** Square-root market-impact coefficient (bar simulator only; 0 = off). */
  readonly impact: number;
}

/** Every key of {@link CostModel}. */
export const COST_MODEL_KEYS = settingsKeys<CostModel>()(['commissionBps', 'sellTaxBps', 'minFee', 'slippageBps', 'impact']);

/**
 * Presets. `cn_ashare`: commission 2.5 bps with a 5 CNY minimum, stamp duty
 * 5 bps on sells (halved from 10 bps on 2023-08-28; use 10 for earlier
 * periods), 5 bps slippage. `us_equity`: zero-commission broker, the SEC fee
 * (about 0.278 bp of sells, fiscal 2024) as the sell tax, 2 bps slippage.
 * `crypto_perp`: Binance USDT-M taker 5 bps, 2 bps slippage.
 */
export const COST_MODELS: Readonly<Record<'cn_ashare' | 'us_equity' | 'crypto_perp', CostModel>> = {
  cn_ashare: { commissionBps: 2.5, sellTaxBps: 5, minFee: 5, slippageBps: 5, impact: 0 },
  us_equity: { commissionBps: 0, sellTaxBps: 0.278, minFee: 0, slippageBps: 2, impact: 0 },
  crypto_perp: { commissionBps: 5, sellTaxBps: 0, minFee: 0, slippageBps: 2, impact: 0 },
};

/**
 * A cost model from a preset name or a (partial) record over zero defaults.
 * @throws RangeError for an unknown preset, an unknown key (named, with the closest valid one) or a negative / non-finite value.
 */
export function resolveCostModel(model: keyof typeof COST_MODELS | Partial<CostModel>, where = 'CostModel'): CostModel {
  if (typeof model === 'string') {
    const m = COST_MODELS[model];
    if (!m) throw new RangeError(`${where}: unknown preset "${String(model)}"; presets: ${Object.keys(COST_MODELS).join(', ')}`);
    return m;
  }
  checkSettingsKeys(model, COST_MODEL_KEYS, where);
  const out: CostModel = { commissionBps: 0, sellTaxBps: 0, minFee: 0, slippageBps: 0, impact: 0, ...model };
  for (const k of COST_MODEL_KEYS as readonly (keyof CostModel)[]) {
    if (!(Number.isFinite(out[k]) && out[k] >= 0)) throw new RangeError(`${where}.${k} must be a number >= 0, got ${String(out[k])}`);
  }
  return out;
}

/** Bar-simulator settings of a cost model: feeBps = commission, sellTaxBps, minFee, slippageBps, impact. */
export function executionCosts(model: CostModel): Pick<ExecutionSettings, 'feeBps' | 'sellTaxBps' | 'minFee' | 'slippageBps' | 'impact'> {
  return { feeBps: model.commissionBps, sellTaxBps: model.sellTaxBps, minFee: model.minFee, slippageBps: model.slippageBps, impact: model.impact };
}

/**
 * Portfolio-simulator settings of a cost model: costBps = commission + slippage
 * (the portfolio has one proportional rate), sellTaxBps, minFee. The impact
 * term has no portfolio counterpart and must be 0.
 * @throws RangeError when `impact` is not 0.
 */
export function portfolioCosts(model: CostModel): Pick<PortfolioSettings, 'costBps' | 'sellTaxBps' | 'minFee'> {
  if (model.impact !== 0) throw new RangeError(`CostModel.impact ${model.impact}: the portfolio simulator has no impact term; set it to 0 for portfolio runs`);
  return { costBps: model.commissionBps + model.slippageBps, sellTaxBps: model.sellTaxBps, minFee: model.minFee };
}
