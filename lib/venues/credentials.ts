/**
 * Credentials of the venues, from the environment or a file the user owns.
 * Never printed, logged or stored: callers hand them to the clients, which
 * register them as secrets to redact from every record.
 *
 * - WorldQuant BRAIN: `credential.txt` holding `["email", "password"]` (the
 *   file the community miners use), readable by its owner only (mode 600;
 *   a file group- or other-readable is refused, as ssh refuses such keys), or
 *   `BRAIN_EMAIL` + `BRAIN_PASSWORD` in the environment.
 * - Solana: `SOLANA_PRIVATE_KEY` (base58, see `jupiter/signer.ts`).
 * - API keys: `JUPITER_API_KEY`, `BIRDEYE_API_KEY` in the environment.
 *
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { VenueError, type VenueName } from './errors.js';

/** A BRAIN login. */
export interface BrainCredentials {
  readonly email: string;
  readonly password: string;
}

/**
 * Throws unless `path` is readable by its owner only (no group / other
 * permission bits). Skipped on Windows, which has no such bits.
 * @throws VenueError 'credentials' naming the file and the chmod that fixes it
 */
export function assertOwnerOnly(path: string, venue: VenueName): void {
  if (process.platform === 'win32') return;
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new VenueError(venue, 'credentials', `${path} is readable by others (mode ${mode.toString(8).padStart(3, '0')}); refusing to read credentials from it. Run: chmod 600 ${path}`);
  }
}

/**
 * Reads `["email", "password"]` from a credentials file.
 * @throws VenueError 'credentials' when the file is missing, readable by others,
 *   or not a JSON array of two non-empty strings (the content is never echoed)
 */
export function readBrainCredentialFile(path: string): BrainCredentials {
  const file = resolve(path);
  if (!existsSync(file)) throw new VenueError('brain', 'credentials', `credentials file ${file} not found: write ["email", "password"] to it (chmod 600), or set BRAIN_EMAIL and BRAIN_PASSWORD`);
  assertOwnerOnly(file, 'brain');
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new VenueError('brain', 'credentials', `${file} is not valid JSON: expected ["email", "password"]`);
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string' || !v[0] || !v[1]) {
    throw new VenueError('brain', 'credentials', `${file} must hold a JSON array of two non-empty strings: ["email", "password"]`);
  }
  return { email: v[0], password: v[1] };
}

/**
 * BRAIN credentials: from `file` when given; else from `BRAIN_EMAIL` +
 * `BRAIN_PASSWORD` when both are set; else from `./credential.txt`.
 * @throws VenueError 'credentials' (see {@link readBrainCredentialFile})
 */
export function brainCredentials(file?: string, env: NodeJS.ProcessEnv = process.env): BrainCredentials {
  if (file) return readBrainCredentialFile(file);
  if (env.BRAIN_EMAIL && env.BRAIN_PASSWORD) return { email: env.BRAIN_EMAIL, password: env.BRAIN_PASSWORD };
  return readBrainCredentialFile('credential.txt');
}

/**
 * An API key from the environment.
 * @throws VenueError 'credentials' naming the variable when it is unset and `required`
 */
export function apiKeyFromEnv(name: string, venue: VenueName, required: boolean, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[name];
  if (v) return v;
  if (required) throw new VenueError(venue, 'credentials', `${name} is not set: put the ${venue} API key in the environment (it is never stored or logged)`);
  return undefined;
}
