/**
 * Papermill-style notebook parameters for the headless runner:
 * - a notebook declares its parameters in ONE code cell tagged `parameters`
 *   (cell metadata `tags: ["parameters"]`), with `const` / `let` / `var`
 *   declarations and their defaults, e.g. `const horizon = 1;`;
 * - the runner inserts, right after it, a code cell tagged
 *   `injected-parameters` that re-declares the given names with the given
 *   values (papermill's layout, so the executed copy records what ran), and
 *   stores them in `metadata.alphalab.run.parameters`;
 * - on the command line: `alphalab run NOTEBOOK -p horizon 5 -p dataset binance_perp_1h`
 *   (papermill's `-p name value`); values are parsed as JSON when they parse
 *   (numbers, true/false, null, arrays, quoted strings), else kept as strings.
 *
 * Both kernels accept a top-level `const` re-declared in a later cell (tslab
 * rewrites cells; Deno evaluates in V8's REPL mode), which is what lets the
 * injected cell override a default.
 */
import type { CodeCell, Notebook } from './nbformat.js';
import { joinSource, splitLines } from './nbformat.js';

/** Parameter name -> value (JSON-representable). */
export type NotebookParameters = Record<string, unknown>;

/** Tag of the cell holding the defaults. */
export const PARAMETERS_TAG = 'parameters';
/** Tag of the cell the runner inserts. */
export const INJECTED_TAG = 'injected-parameters';

const tagsOf = (c: { metadata: Record<string, unknown> }): string[] => (Array.isArray(c.metadata.tags) ? (c.metadata.tags as string[]) : []);

/** Index of the first code cell tagged `parameters`, or -1. */
export function parametersCellIndex(nb: Notebook): number {
  return nb.cells.findIndex((c) => c.cell_type === 'code' && tagsOf(c).includes(PARAMETERS_TAG));
}

/** Names declared at the top level of a parameters cell (`const|let|var name =`), in order, with their keyword. */
export function declaredParameters(source: string): { name: string; keyword: 'const' | 'let' | 'var' }[] {
  const out: { name: string; keyword: 'const' | 'let' | 'var' }[] = [];
  const re = /^\s*(?:export\s+)?(const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=/gm;
  for (let m = re.exec(source); m; m = re.exec(source)) out.push({ name: m[2]!, keyword: m[1] as 'const' | 'let' | 'var' });
  return out;
}

/** Parses a command-line value: JSON when it parses, else the string itself. */
export function parseParameterValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * Pulls `-p NAME VALUE` / `--parameter NAME VALUE` triples out of an argv
 * (commander options take one value; papermill's form takes two).
 * @throws Error naming the flag when a name or value is missing or a name is not an identifier.
 */
export function extractParameterArgs(argv: readonly string[]): { argv: string[]; parameters: NotebookParameters } {
  const rest: string[] = [];
  const parameters: NotebookParameters = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a !== '-p' && a !== '--parameter') {
      rest.push(a);
      continue;
    }
    const name = argv[i + 1];
    const value = argv[i + 2];
    if (name === undefined || value === undefined) throw new Error(`${a} needs a name and a value: ${a} horizon 5`);
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`${a} ${name}: a parameter name must be a JavaScript identifier`);
    parameters[name] = parseParameterValue(value);
    i += 2;
  }
  return { argv: rest, parameters };
}

/**
 * Inserts the injected-parameters cell after the notebook's `parameters`
 * cell (mutates `nb`; returns the inserted cell). Each name is declared with
 * the keyword its default used.
 * @throws Error when parameters are given and the notebook has no `parameters` cell, or a name is not declared there (the message lists the declared ones).
 */
export function injectParameters(nb: Notebook, parameters: NotebookParameters, file = '<notebook>'): CodeCell | undefined {
  const names = Object.keys(parameters);
  if (names.length === 0) return undefined;
  const idx = parametersCellIndex(nb);
  if (idx < 0) throw new Error(`${file}: has no code cell tagged "${PARAMETERS_TAG}", so it takes no parameters (given: ${names.join(', ')})`);
  const declared = declaredParameters(joinSource(nb.cells[idx]!.source));
  const byName = new Map(declared.map((d) => [d.name, d.keyword]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length) throw new Error(`${file}: unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the parameters cell declares: ${declared.map((d) => d.name).join(', ') || '(nothing)'}`);
  const lines = ['// Parameters injected by the runner (alphalab run -p NAME VALUE)'];
  for (const n of names) lines.push(`${byName.get(n)} ${n} = ${JSON.stringify(parameters[n])};`);
  const ids = new Set(nb.cells.map((c) => c.id));
  let id = 'injected-parameters';
  for (let k = 2; ids.has(id); k++) id = `injected-parameters-${k}`;
  const cell: CodeCell = { cell_type: 'code', id, metadata: { tags: [INJECTED_TAG] }, source: splitLines(lines.join('\n')), execution_count: null, outputs: [] };
  nb.cells.splice(idx + 1, 0, cell);
  return cell;
}
