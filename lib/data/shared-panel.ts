/**
 * Panels in shared memory, for worker threads: {@link toSharedPanel} copies a
 * panel's numeric arrays (times, every field, label codes) once into one
 * `SharedArrayBuffer`, and returns a panel whose arrays are views on it. Such
 * a panel posted to a `worker_threads` Worker (workerData or postMessage)
 * arrives as views on the same memory: no copy per worker, whatever the panel
 * size (structured clone shares a SharedArrayBuffer instead of copying it).
 *
 * Layout: 8-byte aligned slots in the order times, fields (sorted by name),
 * label codes (sorted by name). Fields that are the same array object in the
 * source (a synthetic panel with open = close) share one slot, so the shared
 * panel keeps the source's aliasing and memory use.
 *
 * Shared panels are read-only by convention, like every panel: a write by any
 * thread is seen by all of them.
 */
import type { LabelPanel, Panel } from './panel.js';

/** True when every numeric array of the panel (times, fields, label codes) is a view on a SharedArrayBuffer. */
export function isSharedPanel(panel: Panel): boolean {
  const arrays: ArrayBufferView[] = [panel.times, ...Object.values(panel.fields), ...Object.values(panel.labels ?? {}).map((l) => l.codes)];
  return arrays.every((a) => a.buffer instanceof SharedArrayBuffer);
}

/** Bytes a shared copy of the panel takes (aliased fields counted once, each slot rounded up to 8 bytes). */
export function sharedPanelBytes(panel: Panel): number {
  return slots(panel).total;
}

function slots(panel: Panel) {
  const seen = new Map<ArrayBufferView, number>();
  let total = 0;
  const place = (a: Float64Array | Int32Array): number => {
    const hit = seen.get(a);
    if (hit !== undefined) return hit;
    const at = total;
    seen.set(a, at);
    total += Math.ceil(a.byteLength / 8) * 8;
    return at;
  };
  const times = place(panel.times);
  const fields = Object.keys(panel.fields).sort().map((name) => ({ name, at: place(panel.fields[name]!) }));
  const labels = Object.keys(panel.labels ?? {}).sort().map((name) => ({ name, at: place(panel.labels![name]!.codes) }));
  return { times, fields, labels, total };
}

/**
 * A copy of `panel` whose numeric arrays live in one SharedArrayBuffer (see
 * the module comment); a panel that is already shared is returned as is.
 * Everything else (dataset, frequency, market, assets, groups, label levels)
 * is kept by reference.
 */
export function toSharedPanel(panel: Panel): Panel {
  if (isSharedPanel(panel)) return panel;
  const layout = slots(panel);
  const buffer = new SharedArrayBuffer(Math.max(8, layout.total));
  const f64 = (src: Float64Array, at: number): Float64Array => {
    const view = new Float64Array(buffer, at, src.length);
    view.set(src);
    return view;
  };
  const fields: Record<string, Float64Array> = {};
  for (const { name, at } of layout.fields) fields[name] = f64(panel.fields[name]!, at);
  let labels: Record<string, LabelPanel> | undefined;
  if (panel.labels) {
    labels = {};
    for (const { name, at } of layout.labels) {
      const src = panel.labels[name]!;
      const codes = new Int32Array(buffer, at, src.codes.length);
      codes.set(src.codes);
      labels[name] = { levels: src.levels, codes };
    }
  }
  return { ...panel, times: f64(panel.times, layout.times), fields, ...(labels ? { labels } : {}) };
}
