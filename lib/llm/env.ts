/**
 * Reading settings (server addresses, API keys) from the environment and a
 * `.env` file, without ever printing them. `.env` syntax: `KEY=value` lines,
 * optional `export ` prefix, `#` comments, values optionally in single or
 * double quotes (dotenv convention, no variable expansion).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Parses `.env` text into a key -> value map.
 * @throws Error naming the line number of a line that is neither blank, a comment nor KEY=value.
 */
export function parseDotEnv(text: string, file = '.env'): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: expected KEY=value`);
    let value = m[2]!;
    if ((value.startsWith('"') && value.endsWith('"') && value.length >= 2) || (value.startsWith("'") && value.endsWith("'") && value.length >= 2)) {
      value = value.slice(1, -1);
    } else {
      const hash = value.indexOf(' #');
      if (hash >= 0) value = value.slice(0, hash).trim();
    }
    out[m[1]!] = value;
  }
  return out;
}

/**
 * The value of setting `key`: the process environment first, then the
 * `.env` file in `dir` (default: the current directory). Undefined when
 * neither has it or it is empty.
 */
export function envSetting(key: string, dir: string = process.cwd()): string | undefined {
  const fromEnv = process.env[key];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const path = join(dir, '.env');
  if (!existsSync(path)) return undefined;
  const v = parseDotEnv(readFileSync(path, 'utf8'), path)[key];
  return v === undefined || v === '' ? undefined : v;
}

/** A key shown safely: `sk-…(41 chars)`; never more than its first 3 characters. */
export function maskSecret(secret: string | undefined): string {
  if (!secret) return '(none)';
  return `${secret.slice(0, 3)}…(${secret.length} chars)`;
}

/** Whether a URL points at this machine (localhost, 127.0.0.1, ::1): a local server may need no API key. */
export function isLocalUrl(url: string): boolean {
  try {
    const h = new URL(url).hostname;
    return h === 'localhost' || h === '127.0.0.1' || h === '::1' || h === '[::1]';
  } catch {
    return false;
  }
}
