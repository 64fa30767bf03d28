/**
 * Universe and tradability masks, dates x assets (date-major, like every panel field).
 *
 * - Universe: which names are considered at a bar (factor statistics and the
 *   portfolio's ranking see only in-universe cells). From any 0/1-like values
 *   (an evaluated expression such as `tradestatus == 1 && isST == 0`, a field,
 *   a membership file turned into a panel) or top-N by trailing dollar volume.
 * - Tradability: whether a name can be bought / sold at a bar. Suspended bars
 *   (no bar, or volume 0 with the price carried forward, as A-share files store
 *   them) are neither; with daily price limits (`limitPct`, e.g. 0.1 for China
 *   A-shares, 0.05 for ST names via the per-asset override) a bar that closes at
 *   its limit-up price cannot be bought and one at its limit-down price cannot
 *   be sold (the book is one-sided at the limit).
 *
 * No look-ahead: the masks at bar t read only bars <= t (close[t], the last
 * close before t, volume[t]; top-N uses the window ending at t), so a mask
 * computed on the panel cut after t equals the full panel's row t (tested).
 * Pure computation on typed arrays.
 */
import { field, type Panel, type Tradability } from './panel.js';
import { checkSettingsKeys, settingsKeys } from '../core/settings.js';

/** Options of {@link tradabilityMask}. */
export interface TradabilityOptions {
  /** Volume field; a bar with volume 0 or NaN is suspended. Default 'volume'. */
  readonly volumeField?: string;
  /** Close field. Default 'close'. */
  readonly closeField?: string;
  /**
   * Daily price limit as a fraction of the previous close (0.1 = +-10 %, China
   * A-share main boards); undefined = no limits (US equities, crypto).
   */
  readonly limitPct?: number;
  /** Per-asset limit overrides (fraction), e.g. `{ '300750.SZ': 0.2 }` (ChiNext) or ST names at 0.05. */
  readonly limitPctByAsset?: Readonly<Record<string, number>>;
  /** Price tick the limit price is rounded to (exchange rule: round to the tick). Default 0.01 (CNY). */
  readonly tick?: number;
}

/** {@link Tradability} with counts of the untradable cells by cause. */
export interface TradabilityReport extends Tradability {
  /** Cells with a bar but volume 0 / NaN, or with no close: neither buy nor sell. */
  readonly suspended: number;
  /** Cells closing at the limit-up price (no buy). */
  readonly limitUp: number;
  /** Cells closing at the limit-down price (no sell). */
  readonly limitDown: number;
}

const TRADABILITY_OPTION_KEYS = settingsKeys<TradabilityOptions>()(['volumeField', 'closeField', 'limitPct', 'limitPctByAsset', 'tick']);

/**
 * Buy / sell masks of a panel (see the module comment).
 * Limit price = prevClose x (1 +- limit) rounded to the tick (the exchange rule);
 * a close within half a tick of it is "at the limit". prevClose is the last
 * finite close before t (a suspension carries it). The first bar of an asset
 * has no previous close and no limit.
 * @throws RangeError for an unknown option key, a limit outside (0, 1), a tick <= 0, or an override for an asset the panel lacks; Error for a missing field.
 */
export function tradabilityMask(panel: Panel, opts: TradabilityOptions = {}): TradabilityReport {
  checkSettingsKeys(opts, TRADABILITY_OPTION_KEYS, 'TradabilityOptions');
  const T = panel.times.length, N = panel.assets.length;
  const close = field(panel, opts.closeField ?? 'close');
  const volume = field(panel, opts.volumeField ?? 'volume');
  const tick = opts.tick ?? 0.01;
  if (!(tick > 0)) throw new RangeError(`TradabilityOptions.tick must be > 0, got ${tick}`);
  const limits = new Float64Array(N).fill(opts.limitPct ?? NaN);
  for (const [asset, v] of Object.entries(opts.limitPctByAsset ?? {})) {
    const a = panel.assets.indexOf(asset);
    if (a < 0) throw new RangeError(`TradabilityOptions.limitPctByAsset: panel has no asset "${asset}"`);
    limits[a] = v;
  }
  for (let a = 0; a < N; a++) {
    const l = limits[a]!;
    if (l === l && !(l > 0 && l < 1)) throw new RangeError(`TradabilityOptions limit for ${panel.assets[a]} must be in (0, 1), got ${l}`);
  }
  const buy = new Uint8Array(T * N), sell = new Uint8Array(T * N);
  let suspended = 0, limitUp = 0, limitDown = 0;
  const roundTick = (x: number) => Math.round(x / tick) * tick;
  for (let a = 0; a < N; a++) {
    let prev = NaN;
    const lim = limits[a]!;
    for (let t = 0; t < T; t++) {
      const i = t * N + a;
      const c = close[i]!, v = volume[i]!;
      if (!(c === c) || !(v > 0)) {
        suspended++;
        if (c === c) prev = c; // a carried price stays the reference of the next limit
        continue;
      }
      let b = 1, s = 1;
      if (lim === lim && prev === prev) {
        if (c >= roundTick(prev * (1 + lim)) - tick / 2) {
          b = 0;
          limitUp++;
        } else if (c <= roundTick(prev * (1 - lim)) + tick / 2) {
          s = 0;
          limitDown++;
        }
      }
      buy[i] = b;
      sell[i] = s;
      prev = c;
    }
  }
  return { buy, sell, suspended, limitUp, limitDown };
}

/**
 * A universe mask from 0/1-like values (dates x assets): 1 where the value is
 * finite and non-zero (an evaluated boolean expression, a membership field).
 * NaN (no data) is out of the universe.
 */
export function universeFromValues(values: Float64Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = v === v && v !== 0 ? 1 : 0;
  }
  return out;
}

/**
 * Top-`n` names per bar by mean dollar volume (close x volume) over the
 * `window` bars ending at t (bars with a value; at least half the window
 * needed); ties broken by asset order. Uses only bars <= t.
 * @throws RangeError for n < 1 or window < 1.
 */
export function topNByDollarVolume(panel: Panel, n: number, window = 20): Uint8Array {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`topNByDollarVolume: n must be an integer >= 1, got ${n}`);
  if (!(Number.isInteger(window) && window >= 1)) throw new RangeError(`topNByDollarVolume: window must be an integer >= 1, got ${window}`);
  const T = panel.times.length, N = panel.assets.length;
  const close = field(panel, 'close'), volume = field(panel, 'volume');
  const out = new Uint8Array(T * N);
  const score = new Float64Array(N);
  const order = Array.from({ length: N }, (_, a) => a);
  for (let t = 0; t < T; t++) {
    for (let a = 0; a < N; a++) {
      let sum = 0, cnt = 0;
      for (let k = Math.max(0, t - window + 1); k <= t; k++) {
        const dv = close[k * N + a]! * volume[k * N + a]!;
        if (dv === dv) {
          sum += dv;
          cnt++;
        }
      }
      score[a] = cnt * 2 >= Math.min(window, t + 1) && cnt > 0 ? sum / cnt : NaN;
    }
    order.sort((x, y) => {
      const sx = score[x]!, sy = score[y]!;
      if (!(sx === sx)) return sy === sy ? 1 : x - y;
      if (!(sy === sy)) return -1;
      return sy - sx || x - y;
    });
    for (let j = 0; j < Math.min(n, N); j++) {
      const a = order[j]!;
      if (score[a]! === score[a]!) out[t * N + a] = 1;
    }
  }
  return out;
}

/**
 * The panel with a universe and / or tradability attached (lengths checked).
 * @throws Error when a mask's length is not nDates x nAssets.
 */
export function withMasks(panel: Panel, masks: { universe?: Uint8Array; tradable?: Tradability }): Panel {
  const size = panel.times.length * panel.assets.length;
  for (const [name, m] of [['universe', masks.universe], ['tradable.buy', masks.tradable?.buy], ['tradable.sell', masks.tradable?.sell]] as const) {
    if (m && m.length !== size) throw new Error(`withMasks: ${name} has length ${m.length}, expected ${panel.times.length} x ${panel.assets.length} = ${size}`);
  }
  return {
    ...panel,
    ...(masks.universe ? { universe: masks.universe } : {}),
    ...(masks.tradable ? { tradable: { buy: masks.tradable.buy, sell: masks.tradable.sell } } : {}),
  };
}

/** `values` with NaN outside the panel's universe (a copy; `values` itself when the panel has none). */
export function maskToUniverse(values: Float64Array, panel: Pick<Panel, 'universe'>): Float64Array {
  const u = panel.universe;
  if (!u) return values;
  if (u.length !== values.length) throw new Error(`maskToUniverse: values have length ${values.length}, universe ${u.length}`);
  const out = values.slice();
  for (let i = 0; i < out.length; i++) if (!u[i]) out[i] = NaN;
  return out;
}
