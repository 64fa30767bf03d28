/**
 * Bit-for-bit comparison of two reports (ScreenReport, FactorReport...):
 * every path where they differ, `Object.is` on numbers (NaN equals NaN, 0 and
 * -0 differ), typed arrays element by element. Wall times (`timings`,
 * `computeMs`, `stageMs`), a trial's random `runId` and `createdAt`, and the
 * screen's `stages` list are ignored.
 */
const IGNORED = new Set(['timings', 'computeMs', 'stageMs', 'runId', 'createdAt', 'stages']);

/** Paths where a and b differ (at most ~20), [] when identical. */
export function reportDiffs(a: unknown, b: unknown, path = '$', out: string[] = []): string[] {
  if (out.length > 20) return out;
  if (typeof a === 'number' || typeof b === 'number') {
    if (!Object.is(a, b)) out.push(`${path}: ${String(a)} vs ${String(b)}`);
    return out;
  }
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const x = a as unknown as ArrayLike<number>, y = b as unknown as ArrayLike<number>;
    if (x.length !== y.length) out.push(`${path}: length ${x.length} vs ${y.length}`);
    else for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) { out.push(`${path}[${i}]: ${x[i]} vs ${y[i]}`); break; }
    return out;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      if (IGNORED.has(k)) continue;
      reportDiffs((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
    }
    return out;
  }
  if (a !== b) out.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  return out;
}
