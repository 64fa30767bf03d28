/**
 * Portfolio rules of the AlphaGPT strategy manager, as pure functions on a
 * price path: which candidates to buy (score above the buy threshold,
 * enough liquidity, at most `maxOpenPositions` held), and for each held
 * position, on each new price, whether to sell and how much.
 *
 * Exit rules, checked in this order at each price (fractions of the entry price):
 * 1. stop loss: price <= entry x (1 - stopLoss) -> sell all (`stop_loss`);
 * 2. moonbag: after the price reaches entry x moonbagMultiple (2 = doubled),
 *    sell `moonbagSellFraction` of what is held once (`moonbag`); the rest
 *    then runs: only the stop loss and the score exit apply to it;
 * 3. first take profit: price >= entry x (1 + takeProfit) -> sell
 *    `takeProfitSellFraction` of what is held, once (`take_profit_1`);
 * 4. trailing stop: active once the running peak >= entry x (1 + trailingActivation);
 *    price <= peak x (1 - trailingDrop) -> sell all (`trailing_stop`);
 * 5. score exit: score < sellThreshold -> sell all (`score_exit`).
 * The peak includes the current price (prices are observed points, not bars).
 */

/** The manager's settings (all fractions, not percent). */
export interface PortfolioRules {
  maxOpenPositions: number;
  /** Quote amount per entry. */
  entryAmount: number;
  stopLoss: number;
  takeProfit: number;
  takeProfitSellFraction: number;
  trailingActivation: number;
  trailingDrop: number;
  moonbagMultiple: number;
  moonbagSellFraction: number;
  buyThreshold: number;
  sellThreshold: number;
  /** Minimum liquidity (quote volume, e.g. 24 h) of a candidate. */
  minLiquidity: number;
}

/** AlphaGPT's defaults: 3 positions, stop -5 %, take profit +10 % selling 50 %, trailing from +5 % with a 3 % drop, moonbag at 2x selling half, buy > 0.85, sell < 0.45. */
export const ALPHAGPT_RULES: PortfolioRules = { maxOpenPositions: 3, entryAmount: 100, stopLoss: 0.05, takeProfit: 0.1, takeProfitSellFraction: 0.5, trailingActivation: 0.05, trailingDrop: 0.03, moonbagMultiple: 2, moonbagSellFraction: 0.5, buyThreshold: 0.85, sellThreshold: 0.45, minLiquidity: 0 };

/**
 * Rules with defaults filled in and checked.
 * @throws RangeError naming an unknown key or a bad value
 */
export function resolvePortfolioRules(given: Partial<PortfolioRules> = {}): PortfolioRules {
  for (const k of Object.keys(given)) if (!(k in ALPHAGPT_RULES)) throw new RangeError(`portfolio rules: unknown setting "${k}"; known: ${Object.keys(ALPHAGPT_RULES).join(', ')}`);
  const r = { ...ALPHAGPT_RULES, ...given };
  const bad = (k: keyof PortfolioRules, ok: boolean, want: string) => {
    if (!ok) throw new RangeError(`portfolio rules: ${k} must be ${want}, got ${String(r[k])}`);
  };
  bad('maxOpenPositions', Number.isInteger(r.maxOpenPositions) && r.maxOpenPositions >= 1, 'an integer >= 1');
  bad('entryAmount', r.entryAmount > 0, '> 0');
  for (const k of ['stopLoss', 'takeProfitSellFraction', 'trailingDrop', 'moonbagSellFraction'] as const) bad(k, r[k] > 0 && r[k] < 1, 'in (0, 1)');
  for (const k of ['takeProfit', 'trailingActivation'] as const) bad(k, r[k] > 0, '> 0');
  bad('moonbagMultiple', r.moonbagMultiple > 1, '> 1');
  bad('buyThreshold', Number.isFinite(r.buyThreshold), 'a number');
  bad('sellThreshold', r.sellThreshold <= r.buyThreshold, '<= buyThreshold');
  bad('minLiquidity', r.minLiquidity >= 0, '>= 0');
  return r;
}

/** Per-position state of the rules (start with {@link openRuleState}). */
export interface RuleState {
  entryPrice: number;
  peak: number;
  takeProfitDone: boolean;
  moonbagDone: boolean;
}

/** State of a position just bought at `entryPrice`. */
export function openRuleState(entryPrice: number): RuleState {
  return { entryPrice, peak: entryPrice, takeProfitDone: false, moonbagDone: false };
}

/** What to do at one price: sell `fraction` of the quantity held (0 = hold). */
export interface RuleAction {
  fraction: number;
  reason: 'hold' | 'stop_loss' | 'moonbag' | 'take_profit_1' | 'trailing_stop' | 'score_exit';
}

/** Applies the exit rules at one observed price (and score, NaN = none); updates `s` (see the module header). */
export function ruleExit(s: RuleState, price: number, score: number, r: PortfolioRules): RuleAction {
  if (price > s.peak) s.peak = price;
  const e = s.entryPrice;
  if (price <= e * (1 - r.stopLoss)) return { fraction: 1, reason: 'stop_loss' };
  if (!s.moonbagDone && price >= e * r.moonbagMultiple) {
    s.moonbagDone = true;
    s.takeProfitDone = true;
    return { fraction: r.moonbagSellFraction, reason: 'moonbag' };
  }
  if (!s.moonbagDone) {
    if (!s.takeProfitDone && price >= e * (1 + r.takeProfit)) {
      s.takeProfitDone = true;
      return { fraction: r.takeProfitSellFraction, reason: 'take_profit_1' };
    }
    if (s.peak >= e * (1 + r.trailingActivation) && price <= s.peak * (1 - r.trailingDrop)) return { fraction: 1, reason: 'trailing_stop' };
  }
  if (score < r.sellThreshold) return { fraction: 1, reason: 'score_exit' };
  return { fraction: 0, reason: 'hold' };
}

/** A buy candidate. */
export interface Candidate {
  symbol: string;
  score: number;
  /** Quote volume (same unit as `minLiquidity`). */
  liquidity: number;
}

/**
 * Candidates to buy now: score > buyThreshold and liquidity >= minLiquidity,
 * not already held, best score first (ties by symbol), at most
 * maxOpenPositions - held.length of them.
 */
export function selectEntries(candidates: readonly Candidate[], held: readonly string[], r: PortfolioRules): Candidate[] {
  const room = r.maxOpenPositions - held.length;
  if (room <= 0) return [];
  const h = new Set(held);
  return candidates
    .filter((c) => c.score > r.buyThreshold && c.liquidity >= r.minLiquidity && !h.has(c.symbol))
    .sort((a, b) => b.score - a.score || (a.symbol < b.symbol ? -1 : 1))
    .slice(0, room);
}
