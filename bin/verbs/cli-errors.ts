/**
 * Command-line error behaviour shared by `alphalab` and `research`: a parse
 * error prints one line plus a `--help` hint (not the whole help, which
 * scrolled the error away), unknown options and subcommands get a "did you
 * mean" suggestion, and a word that is not a subcommand of a program whose
 * root also takes options (`research statsu`) is reported as an unknown
 * command with a suggestion instead of commander's "too many arguments".
 */
import type { Command } from 'commander';
import { editDistance } from '../../lib/core/settings.js';

/** Damerau-Levenshtein distance (optimal string alignment), for suggestions: lib/core's one definition. */
export { editDistance };

/** The closest candidates within distance max(1, 40% of the word's length), best first. */
export function suggest(word: string, candidates: readonly string[]): string[] {
  const limit = Math.max(1, Math.floor(word.length * 0.4));
  return candidates.map((c) => ({ c, d: editDistance(word, c) })).filter((x) => x.d <= limit).sort((x, y) => x.d - y.d).map((x) => x.c);
}

/** One-line errors with a --help hint and suggestions, on the program and every subcommand added later. */
export function conciseErrors(program: Command): Command {
  return program.showHelpAfterError('(add --help for usage)').showSuggestionAfterError(true);
}

/**
 * For a program whose root has an action and options as well as subcommands:
 * when the first operand is not a subcommand, fail with "unknown command" and
 * the closest subcommand names. Returns normally when argv is fine.
 */
export function checkSubcommand(program: Command, argv: readonly string[]): void {
  const args = argv.slice(2);
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  // The first token that is not an option or an option's value.
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return;
    if (a.startsWith('-')) {
      const opt = program.options.find((o) => o.short === a || o.long === a.split('=')[0]);
      if (opt && (opt.required || opt.optional) && !a.includes('=')) i++;
      continue;
    }
    if (names.includes(a)) return;
    const near = suggest(a, names);
    program.error(`error: unknown command '${a}'${near.length ? ` (Did you mean ${near[0]}?)` : ''}; commands: ${names.join(', ')}`, { code: 'commander.unknownCommand', exitCode: 1 });
  }
}

/**
 * Factor expressions often start with a minus (`-ts_delta(close, 5)`), which
 * commander would read as an option: a token that starts with one `-` and
 * holds a parenthesis or a space gets a leading space (the expression parser
 * ignores it), so it is taken as an operand.
 */
export function protectExpressions(argv: readonly string[]): string[] {
  return argv.map((a, i) => (i >= 2 && /^-[^-]/.test(a) && /[( ]/.test(a) ? ` ${a}` : a));
}
