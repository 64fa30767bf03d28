/**
 * Shared pieces of the research verbs (`alphalab factor | lookahead | backtest | runs | trials | data | kb`):
 * dataset loading by name, the one-line `--json` summary, progress bars on
 * stderr (cli-progress; silent when stderr is not a terminal or with --json),
 * and text tables in the project's number format.
 */
import { SingleBar, Presets } from 'cli-progress';
import { InvalidArgumentError } from 'commander';
import { BUNDLED, loadBundledPanel, loadPanel, withAnnualization, type BundledName, type Panel } from '../../lib/data/index.js';
import { tableText, type TableOptions, type TableRow } from '../../lib/notebook/display.js';

/**
 * A bundled sample by name (no catalog needed), else a catalog dataset; with
 * `annualization` (a `--annualization` flag) the panel's bars per year are set to
 * it (lib/data `withAnnualization`: warns when > 5 % off the inferred figure).
 */
export async function loadDatasetByName(name: string, annualization?: number): Promise<Panel> {
  const panel = Object.prototype.hasOwnProperty.call(BUNDLED, name) ? await loadBundledPanel(name as BundledName) : await loadPanel(name);
  return withAnnualization(panel, annualization, '--annualization');
}

/** Help text of the `--annualization <bars>` flag shared by the research verbs. */
export const ANNUALIZATION_HELP = "bars per year for Sharpe and annual figures (default: inferred from the panel's calendar, e.g. 251.8 for sp500_daily; warns when > 5 % off it)";

/** Commander parser of a positive number option. */
export function positiveNumber(v: string): number {
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`expected a positive number, got "${v}"`);
  return n;
}

/** Prints the one summary line of a --json run (NaN / Infinity as null, as JSON has none). */
export function printJson(summary: unknown): void {
  process.stdout.write(`${JSON.stringify(summary, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`);
}

/** Prints rows as a text table (the project's number format; long text on its own line). */
export function printTable(rows: readonly TableRow[], opts?: TableOptions): void {
  process.stdout.write(`${rows.length ? tableText(rows, { maxRows: 1000, ...opts }) : '(none)'}\n`);
}

/** Commander parser of a positive integer option. */
export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
}

/** A staged progress bar on stderr: `step(label)` advances one stage. No output unless stderr is a TTY and `enabled`. */
export function stages(total: number, enabled: boolean): { step(label: string): void; stop(): void } {
  if (!enabled || !process.stderr.isTTY) return { step: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: '{bar} {value}/{total} {stage}', stream: process.stderr, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
  bar.start(total, 0, { stage: '' });
  let done = 0;
  return {
    step(label: string) {
      bar.update(done++, { stage: label });
    },
    stop() {
      bar.update(total, { stage: 'done' });
      bar.stop();
    },
  };
}
