/**
 * Panel identity, in three strengths (name = what it proves):
 * - {@link panelObjectId}: which panel object this is, within this process
 *   (a WeakMap counter; free). Cache keys of values computed on the object
 *   (lib/expr ExprCache); panels are treated as immutable.
 * - {@link panelQuickFingerprint}: which data, cheaply: sha256 over shape,
 *   dataset, frequency, market, the sha256 of times and assets, and per field
 *   the sum of finite values and the NaN count (one pass, cached per object).
 *   Catches any changed range, asset list, field set or a changed value sum;
 *   a change that keeps every field's sum (two values swapped) is not seen.
 *   The factor trial store's cache key (lib/factors evaluateFactor).
 * - {@link panelSha256}: exactly which data: sha256 over frequency, market,
 *   assets, times and the raw bytes of every field (sorted by name). Stored in
 *   exported strategy documents and checked on reload (lib/backtest).
 */
import { createHash } from 'node:crypto';
import { sha256, stableJson } from '../db/json.js';
import type { Panel } from './panel.js';

const objectIds = new WeakMap<Panel, number>();
let nextObjectId = 1;

/** A process-unique identity of a panel object, `<dataset>#<n>` (the dataset name alone is not enough: slices share it). */
export function panelObjectId(panel: Panel): string {
  let id = objectIds.get(panel);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(panel, id);
  }
  return `${panel.dataset ?? 'panel'}#${id}`;
}

/** Hex sha256 of an asset list (the universe identity used to match stored rank snapshots). */
export function assetsHash(assets: readonly string[]): string {
  return sha256(assets.join('\u0000'));
}

const quick = new WeakMap<Panel, string>();

/** The cheap content fingerprint of a panel (see the module comment for what it does and does not detect); hex sha256, cached per panel object. */
export function panelQuickFingerprint(panel: Panel): string {
  const hit = quick.get(panel);
  if (hit) return hit;
  const fields: Record<string, [number, number]> = {};
  for (const name of Object.keys(panel.fields).sort()) {
    const f = panel.fields[name]!;
    let s = 0;
    let nan = 0;
    for (let i = 0; i < f.length; i++) {
      const v = f[i]!;
      if (v === v) s += v;
      else nan++;
    }
    fields[name] = [s, nan];
  }
  const T = panel.times.length;
  const fp = sha256(stableJson({
    dataset: panel.dataset ?? null, frequency: panel.frequency, market: panel.market, T, N: panel.assets.length,
    first: T ? panel.times[0] : null, last: T ? panel.times[T - 1] : null, times: sha256(panel.times), assets: assetsHash(panel.assets), fields,
  }));
  quick.set(panel, fp);
  return fp;
}

/** The full content hash of a panel's data (see the module comment); hex sha256, computed on every call. */
export function panelSha256(panel: Panel): string {
  const h = createHash('sha256');
  h.update(`${panel.frequency}|${panel.market}|${panel.assets.join(',')}|`);
  h.update(new Uint8Array(panel.times.buffer, panel.times.byteOffset, panel.times.byteLength));
  for (const name of Object.keys(panel.fields).sort()) {
    const f = panel.fields[name]!;
    h.update(`|${name}|`);
    h.update(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
  }
  return h.digest('hex');
}
