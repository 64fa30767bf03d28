/**
 * A cheap reward for the learned generator's tests and benchmark: the mean
 * per-date Pearson IC (x 10) of a formula's values at t with the next bar's
 * return (delay 1: close[t+2] / close[t+1] - 1) on a small synthetic panel
 * whose `sig` field drives returns (helpers/panels.ts); NaN when no date has
 * 5 finite pairs (an invalid candidate).
 */
import type { Panel } from '../../lib/data/index.js';
import { evaluate, parse } from '../../lib/expr/index.js';

export function plantedReward(panel: Panel): (expression: string) => number {
  const T = panel.times.length, N = panel.assets.length, close = panel.fields.close!;
  return (expression) => {
    const x = evaluate(parse(expression), panel);
    let sum = 0, dates = 0;
    for (let t = 0; t + 2 < T; t++) {
      let n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
      for (let a = 0; a < N; a++) {
        const v = x[t * N + a]!, r = close[(t + 2) * N + a]! / close[(t + 1) * N + a]! - 1;
        if (!Number.isFinite(v) || !Number.isFinite(r)) continue;
        n++; sx += v; sy += r; sxx += v * v; syy += r * r; sxy += v * r;
      }
      if (n < 5) continue;
      const cov = sxy - (sx * sy) / n, vx = sxx - (sx * sx) / n, vy = syy - (sy * sy) / n;
      if (!(vx > 1e-12 && vy > 0)) continue;
      sum += cov / Math.sqrt(vx * vy);
      dates++;
    }
    return dates ? (10 * sum) / dates : NaN;
  };
}
