/**
 * Pure computations of the data layer on typed arrays (no I/O): time parsing,
 * the funding as-of join, and the union-calendar gap count. The loaders in
 * `load.ts` and the ingest in `ingest.ts` feed these from DuckDB.
 */

/** A point in time: ISO-8601 string (`2015-01-02`, `2025-01-01T08:00:00Z`; no zone = UTC), epoch ms UTC, or a Date. */
export type TimeLike = string | number | Date;

/**
 * Converts a {@link TimeLike} into epoch milliseconds UTC. Strings without a
 * zone designator are read as UTC (a date `YYYY-MM-DD` is 00:00 UTC; a space
 * between date and time is accepted).
 * @param what name of the argument, for the error message.
 * @throws Error naming `what` and the value when it cannot be parsed or is not finite.
 */
export function toEpochMs(value: TimeLike, what = 'time'): number {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else {
    let s = value.trim().replace(' ', 'T');
    if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += 'T00:00:00Z';
    else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(s)) s += 'Z';
    ms = Date.parse(s);
  }
  if (!Number.isFinite(ms)) throw new Error(`${what}: cannot parse ${JSON.stringify(value instanceof Date ? String(value) : value)} as a time (ISO string, epoch ms or Date)`);
  return ms;
}

/** Funding fields attached to a bar panel; both dates x assets, date-major, length nDates * nAssets. */
export interface FundingFields {
  /**
   * As-of funding rate: the rate (fraction per funding interval) of the most
   * recent funding event settled at or before the bar's open time `times[t]`.
   * NaN before the asset's first event and where the asset has no bar.
   */
  readonly funding_rate: Float64Array;
  /**
   * Funding charged within the bar: the sum of the rates of the asset's events
   * settled in `[times[t], times[t] + barMs)`. 0 in a bar without events where
   * the asset has a bar; NaN where the asset has no bar.
   */
  readonly funding_event: Float64Array;
}

/**
 * As-of join of funding events into a bar calendar (a two-pointer merge per asset,
 * O(nDates + nEvents) per asset).
 *
 * Convention (Binance USDT-M): an event at settlement time `s` charges every
 * position open at `s`; a long pays `rate * notional` when `rate > 0`. A position
 * held at the open of bar `t` therefore pays `funding_event[t]` (events with
 * `times[t] <= s < times[t] + barMs`). `funding_rate[t]` only uses events with
 * `s <= times[t]`: no event after the bar's open reaches it, so it may feed a
 * signal at bar t. `funding_event[t]` is a cash flow realized during bar t (like
 * the bar's return): use it for P&L, not as information known at the open (for
 * bars on Binance's hourly settlement grid the only event in a bar is the one at
 * its open, but shorter-than-bar intervals would put later events in it).
 *
 * @param times bar open times, epoch ms, strictly increasing, length T.
 * @param nAssets number of assets N.
 * @param present 1 where asset a has a bar at t (index `t * N + a`), length T * N.
 * @param eventAsset asset index of each event, length M.
 * @param eventTime settlement time of each event, epoch ms, length M.
 * @param eventRate funding rate of each event (fraction per interval), length M.
 *   Events must be sorted by (asset, time).
 * @param barMs bar length in ms (e.g. 3,600,000 for 1h).
 * @throws Error when the events are not sorted by (asset, time) or an asset index is out of range.
 */
export function fundingAsOf(
  times: Float64Array,
  nAssets: number,
  present: Uint8Array,
  eventAsset: Int32Array,
  eventTime: Float64Array,
  eventRate: Float64Array,
  barMs: number,
): FundingFields {
  const T = times.length;
  const N = nAssets;
  const M = eventAsset.length;
  if (present.length !== T * N) throw new Error(`fundingAsOf: present has length ${present.length}, expected ${T} x ${N}`);
  if (eventTime.length !== M || eventRate.length !== M) throw new Error('fundingAsOf: event arrays differ in length');
  const rate = new Float64Array(T * N).fill(NaN);
  const charged = new Float64Array(T * N).fill(NaN);
  let e0 = 0;
  for (let a = 0; a < N; a++) {
    // events of asset a: [e0, e1)
    let e1 = e0;
    while (e1 < M && eventAsset[e1] === a) {
      if (e1 > e0 && !(eventTime[e1]! >= eventTime[e1 - 1]!)) throw new Error(`fundingAsOf: events of asset ${a} not sorted by time at event ${e1}`);
      e1++;
    }
    if (e1 < M && eventAsset[e1]! < a) throw new Error(`fundingAsOf: events not sorted by asset at event ${e1}`);
    if (e1 < M && (eventAsset[e1]! >= N || eventAsset[e1]! < 0)) throw new Error(`fundingAsOf: event ${e1} has asset index ${eventAsset[e1]} outside [0, ${N})`);
    let asOf = e0; // first event with time > times[t] (events before it are settled)
    let from = e0; // first event with time >= times[t]
    for (let t = 0; t < T; t++) {
      const open = times[t]!;
      while (asOf < e1 && eventTime[asOf]! <= open) asOf++;
      while (from < e1 && eventTime[from]! < open) from++;
      const i = t * N + a;
      if (!present[i]) continue;
      rate[i] = asOf > e0 ? eventRate[asOf - 1]! : NaN;
      let sum = 0;
      const end = open + barMs;
      for (let k = from; k < e1 && eventTime[k]! < end; k++) sum += eventRate[k]!;
      charged[i] = sum;
    }
    e0 = e1;
  }
  if (e0 !== M) throw new Error(`fundingAsOf: events not sorted by asset (event ${e0} has asset ${eventAsset[e0]})`);
  return { funding_rate: rate, funding_event: charged };
}
