/**
 * A fixed set of formulaic alphas from "101 Formulaic Alphas" (Z. Kakushadze,
 * Wilmott 2016, arXiv:1601.00991), those that need no industry
 * classification and no market cap, written in this engine's language exactly
 * as published (the paper's function names are accepted as aliases:
 * `stddev`, `correlation`, `covariance`, `sum`, `SignedPower`, `Ts_Rank`...;
 * `x ? a : b` as in the paper). Fractional windows are floored, as the paper
 * states. The paper's two-argument `min(x, d)` means `ts_min(x, d)` (in this
 * language `min(x, y)` is element-wise), so alpha029 is written with `ts_min`. Used by the benchmark (`npm run bench:expr`), the notebook and tests.
 *
 * @module
 */

/** Alpha number (as in the paper) -> expression text. */
export const ALPHA101: Readonly<Record<string, string>> = {
  alpha001: '(rank(Ts_ArgMax(SignedPower(((returns < 0) ? stddev(returns, 20) : close), 2.), 5)) - 0.5)',
  alpha002: '(-1 * correlation(rank(delta(log(volume), 2)), rank(((close - open) / open)), 6))',
  alpha003: '(-1 * correlation(rank(open), rank(volume), 10))',
  alpha004: '(-1 * Ts_Rank(rank(low), 9))',
  alpha005: '(rank((open - (sum(vwap, 10) / 10))) * (-1 * abs(rank((close - vwap)))))',
  alpha006: '(-1 * correlation(open, volume, 10))',
  alpha007: '((adv20 < volume) ? ((-1 * ts_rank(abs(delta(close, 7)), 60)) * sign(delta(close, 7))) : (-1 * 1))',
  alpha008: '(-1 * rank(((sum(open, 5) * sum(returns, 5)) - delay((sum(open, 5) * sum(returns, 5)), 10))))',
  alpha009: '((0 < ts_min(delta(close, 1), 5)) ? delta(close, 1) : ((ts_max(delta(close, 1), 5) < 0) ? delta(close, 1) : (-1 * delta(close, 1))))',
  alpha010: 'rank(((0 < ts_min(delta(close, 1), 4)) ? delta(close, 1) : ((ts_max(delta(close, 1), 4) < 0) ? delta(close, 1) : (-1 * delta(close, 1)))))',
  alpha011: '((rank(ts_max((vwap - close), 3)) + rank(ts_min((vwap - close), 3))) * rank(delta(volume, 3)))',
  alpha012: '(sign(delta(volume, 1)) * (-1 * delta(close, 1)))',
  alpha013: '(-1 * rank(covariance(rank(close), rank(volume), 5)))',
  alpha014: '((-1 * rank(delta(returns, 3))) * correlation(open, volume, 10))',
  alpha015: '(-1 * sum(rank(correlation(rank(high), rank(volume), 3)), 3))',
  alpha016: '(-1 * rank(covariance(rank(high), rank(volume), 5)))',
  alpha017: '(((-1 * rank(ts_rank(close, 10))) * rank(delta(delta(close, 1), 1))) * rank(ts_rank((volume / adv20), 5)))',
  alpha018: '(-1 * rank(((stddev(abs((close - open)), 5) + (close - open)) + correlation(close, open, 10))))',
  alpha019: '((-1 * sign(((close - delay(close, 7)) + delta(close, 7)))) * (1 + rank((1 + sum(returns, 250)))))',
  alpha020: '(((-1 * rank((open - delay(high, 1)))) * rank((open - delay(close, 1)))) * rank((open - delay(low, 1))))',
  alpha021: '((((sum(close, 8) / 8) + stddev(close, 8)) < (sum(close, 2) / 2)) ? (-1 * 1) : (((sum(close, 2) / 2) < ((sum(close, 8) / 8) - stddev(close, 8))) ? 1 : (((1 < (volume / adv20)) || ((volume / adv20) == 1)) ? 1 : (-1 * 1))))',
  alpha022: '(-1 * (delta(correlation(high, volume, 5), 5) * rank(stddev(close, 20))))',
  alpha023: '(((sum(high, 20) / 20) < high) ? (-1 * delta(high, 2)) : 0)',
  alpha024: '((((delta((sum(close, 100) / 100), 100) / delay(close, 100)) < 0.05) || ((delta((sum(close, 100) / 100), 100) / delay(close, 100)) == 0.05)) ? (-1 * (close - ts_min(close, 100))) : (-1 * delta(close, 3)))',
  alpha025: 'rank(((((-1 * returns) * adv20) * vwap) * (high - close)))',
  alpha026: '(-1 * ts_max(correlation(ts_rank(volume, 5), ts_rank(high, 5), 5), 3))',
  alpha027: '((0.5 < rank((sum(correlation(rank(volume), rank(vwap), 6), 2) / 2.0))) ? (-1 * 1) : 1)',
  alpha028: 'scale(((correlation(adv20, low, 5) + ((high + low) / 2)) - close))',
  alpha029: '(ts_min(product(rank(rank(scale(log(sum(ts_min(rank(rank((-1 * rank(delta((close - 1), 5))))), 2), 1))))), 1), 5) + ts_rank(delay((-1 * returns), 6), 5))',
  alpha030: '(((1.0 - rank(((sign((close - delay(close, 1))) + sign((delay(close, 1) - delay(close, 2)))) + sign((delay(close, 2) - delay(close, 3)))))) * sum(volume, 5)) / sum(volume, 20))',
  alpha031: '((rank(rank(rank(decay_linear((-1 * rank(rank(delta(close, 10)))), 10)))) + rank((-1 * delta(close, 3)))) + sign(scale(correlation(adv20, low, 12))))',
  alpha032: '(scale(((sum(close, 7) / 7) - close)) + (20 * scale(correlation(vwap, delay(close, 5), 230))))',
  alpha033: 'rank((-1 * ((1 - (open / close))^1)))',
  alpha034: 'rank(((1 - rank((stddev(returns, 2) / stddev(returns, 5)))) + (1 - rank(delta(close, 1)))))',
  alpha035: '((Ts_Rank(volume, 32) * (1 - Ts_Rank(((close + high) - low), 16))) * (1 - Ts_Rank(returns, 32)))',
  alpha037: '(rank(correlation(delay((open - close), 1), close, 200)) + rank((open - close)))',
  alpha038: '((-1 * rank(Ts_Rank(close, 10))) * rank((close / open)))',
  alpha040: '((-1 * rank(stddev(high, 10))) * correlation(high, volume, 10))',
  alpha041: '(((high * low)^0.5) - vwap)',
  alpha042: '(rank((vwap - close)) / rank((vwap + close)))',
  alpha043: '(ts_rank((volume / adv20), 20) * ts_rank((-1 * delta(close, 7)), 8))',
  alpha044: '(-1 * correlation(high, rank(volume), 5))',
  alpha045: '(-1 * ((rank((sum(delay(close, 5), 20) / 20)) * correlation(close, volume, 2)) * rank(correlation(sum(close, 5), sum(close, 20), 2))))',
  alpha046: '((0.25 < (((delay(close, 20) - delay(close, 10)) / 10) - ((delay(close, 10) - close) / 10))) ? (-1 * 1) : (((((delay(close, 20) - delay(close, 10)) / 10) - ((delay(close, 10) - close) / 10)) < 0) ? 1 : ((-1 * 1) * (close - delay(close, 1)))))',
  alpha049: '(((((delay(close, 20) - delay(close, 10)) / 10) - ((delay(close, 10) - close) / 10)) < (-1 * 0.1)) ? 1 : ((-1 * 1) * (close - delay(close, 1))))',
  alpha051: '(((((delay(close, 20) - delay(close, 10)) / 10) - ((delay(close, 10) - close) / 10)) < (-1 * 0.05)) ? 1 : ((-1 * 1) * (close - delay(close, 1))))',
  alpha053: '(-1 * delta((((close - low) - (high - close)) / (close - low)), 9))',
  alpha054: '((-1 * ((low - close) * (open^5))) / ((low - high) * (close^5)))',
  alpha055: '(-1 * correlation(rank(((close - ts_min(low, 12)) / (ts_max(high, 12) - ts_min(low, 12)))), rank(volume), 6))',
  alpha060: '(0 - (1 * ((2 * scale(rank(((((close - low) - (high - close)) / (high - low)) * volume)))) - scale(rank(ts_argmax(close, 10))))))',
  alpha101: '((close - open) / ((high - low) + .001))',
};
