/**
 * Fixed group labels per asset (e.g. GICS sector) from a CSV file or a map,
 * attached to a panel as `panel.groups[name]` for group neutralization
 * (`group_neutralize(x, sector)`, the portfolio's `neutralization: 'group'`)
 * and the by-group tables of factor validation (alphalens `by_group`).
 *
 * The bundled S&P 500 sample has `data/samples/sp500_sectors_2018.csv` (GICS
 * sectors from one 2018-04-02 snapshot, ODC-PDDL-1.0; see
 * data/samples/PROVENANCE.md). Caveat: one snapshot for 2013-2018 is a mild
 * look-ahead (GICS moved Real Estate out of Financials in 2016).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { samplesDir } from './load.js';
import type { Panel } from './panel.js';

/** The bundled GICS sector file of the S&P 500 sample (`symbol,name,sector,source_snapshot`). */
export function sp500SectorsPath(): string {
  return join(samplesDir(), 'sp500_sectors_2018.csv');
}

/** Splits one CSV line (RFC 4180 quotes: `"a, b"`, `""` for a quote). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Options of {@link readGroupCsv} and {@link withGroups}. */
export interface GroupCsvOptions {
  /** Column holding the asset symbol. Default 'symbol'. */
  readonly symbolColumn?: string;
  /** Column holding the label. Default: the group's name ('sector'). */
  readonly groupColumn?: string;
}

/**
 * Symbol -> label from CSV text with a header row.
 * @param file named in errors
 * @throws Error naming the file and the missing column, or the row (1-based, header = row 1) with an empty symbol / label or a symbol given twice with different labels.
 */
export function parseGroupCsv(text: string, file: string, opts: GroupCsvOptions & { groupColumn: string }): Map<string, string> {
  const lines = text.split(/\r?\n/);
  const header = csvFields(lines[0] ?? '').map((h) => h.trim());
  const si = header.indexOf(opts.symbolColumn ?? 'symbol'), gi = header.indexOf(opts.groupColumn);
  if (si < 0) throw new Error(`${file}: no column "${opts.symbolColumn ?? 'symbol'}" (columns: ${header.join(', ')})`);
  if (gi < 0) throw new Error(`${file}: no column "${opts.groupColumn}" (columns: ${header.join(', ')})`);
  const out = new Map<string, string>();
  for (let r = 1; r < lines.length; r++) {
    if (!lines[r]!.trim()) continue;
    const f = csvFields(lines[r]!);
    const sym = (f[si] ?? '').trim(), label = (f[gi] ?? '').trim();
    if (!sym || !label) throw new Error(`${file}: row ${r + 1}: empty ${!sym ? 'symbol' : opts.groupColumn}`);
    const prev = out.get(sym);
    if (prev !== undefined && prev !== label) throw new Error(`${file}: row ${r + 1}: ${sym} labelled both "${prev}" and "${label}"`);
    out.set(sym, label);
  }
  return out;
}

/**
 * The panel with group labels `name` attached (other group sets kept).
 * @param source a CSV path (header row; see {@link GroupCsvOptions}), a Map or a record symbol -> label
 * @param missingLabel label for panel assets the source lacks; undefined (default) makes them an error
 * @throws Error naming the panel assets without a label (first 10) when `missingLabel` is not given.
 */
export function withGroups(panel: Panel, source: string | ReadonlyMap<string, string> | Readonly<Record<string, string>>, opts: GroupCsvOptions & { name?: string; missingLabel?: string } = {}): Panel {
  const name = opts.name ?? 'sector';
  const map = typeof source === 'string'
    ? parseGroupCsv(readFileSync(source, 'utf8'), source, { ...opts, groupColumn: opts.groupColumn ?? name })
    : source instanceof Map ? source : new Map(Object.entries(source as Record<string, string>));
  const missing = panel.assets.filter((a) => !map.has(a));
  if (missing.length && opts.missingLabel === undefined) {
    throw new Error(`withGroups: ${missing.length} of ${panel.assets.length} assets have no "${name}" label${typeof source === 'string' ? ` in ${source}` : ''}: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', ...' : ''} (pass missingLabel to label them)`);
  }
  const labels = panel.assets.map((a) => map.get(a) ?? opts.missingLabel!);
  return { ...panel, groups: { ...(panel.groups ?? {}), [name]: labels } };
}
