/**
 * Unknown settings keys are errors: a misspelt `costBPS` or `anualization`
 * would otherwise be ignored and the run would silently use the default.
 * Every public entry point that takes a settings object checks it with
 * {@link checkSettingsKeys}, which names the key, the closest valid key and the
 * valid ones. Pure; floor 1 (no domain imports).
 */

/** Thrown for a settings key the entry point does not know. */
export class UnknownSettingError extends RangeError {
  constructor(
    /** Where the settings object was given, e.g. 'PortfolioSettings'. */
    readonly where: string,
    /** The unknown key. */
    readonly key: string,
    /** The closest valid key (edit distance), if any is close. */
    readonly suggestion: string | undefined,
    /** Every valid key. */
    readonly valid: readonly string[],
  ) {
    super(`${where}: unknown setting "${key}"${suggestion ? `; did you mean "${suggestion}"?` : ''} Valid settings: ${valid.join(', ')}`);
    this.name = 'UnknownSettingError';
  }
}

/**
 * Damerau-Levenshtein distance (optimal string alignment: insertions, deletions,
 * substitutions and adjacent transpositions each 1), case-sensitive. The one edit
 * distance of the project (the CLI's "did you mean" uses it too).
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The valid key closest to `key`: smallest edit distance ignoring case, accepted when it is at
 * most max(2, a third of the key's length); also a key that equals ignoring case,
 * `_` and `-` (`cost_bps` -> `costBps`). Undefined when nothing is close.
 */
export function closestKey(key: string, valid: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const same = valid.find((v) => norm(v) === norm(key));
  if (same) return same;
  let best: string | undefined, bestD = Infinity;
  for (const v of valid) {
    const d = editDistance(key.toLowerCase(), v.toLowerCase());
    if (d < bestD) [best, bestD] = [v, d];
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/**
 * Checks that every own key of `settings` whose value is not undefined is one of
 * `valid` (keys with an undefined value are "not given" and pass).
 * @param where names the settings in the error, e.g. 'PortfolioSettings' or a file path
 * @throws UnknownSettingError (a RangeError) naming the first unknown key, the closest valid key and the valid keys.
 */
export function checkSettingsKeys(settings: object | undefined | null, valid: readonly string[], where: string): void {
  if (!settings) return;
  for (const [k, v] of Object.entries(settings)) {
    if (v === undefined || valid.includes(k)) continue;
    throw new UnknownSettingError(where, k, closestKey(k, valid), valid);
  }
}

/**
 * The keys of a settings type as a runtime list, checked at compile time to be
 * complete: `settingsKeys<PortfolioSettings>()(['delay', ...])` fails to compile
 * when a key of the type is missing from the list (or the list holds one the type lacks).
 */
export function settingsKeys<T>() {
  return <const K extends readonly (keyof T & string)[]>(keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missingKeys: Exclude<keyof T, K[number]> })): readonly string[] => keys;
}
