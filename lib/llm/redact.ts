/**
 * Credentials in URLs: `http://user:pass@host/` is a common way to reach a model
 * server behind a proxy with basic auth, but Node's fetch refuses such URLs and
 * every message that prints the address would print the password. These helpers
 * take the credentials out of the URL (into an `Authorization: Basic` header,
 * RFC 7617) and scrub any that remain from text. Reusable by every provider.
 */

/** `scheme://user[:pass]@` in free text (URLs inside messages, stack traces, JSON). */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi;

/** Replaces the userinfo part of every URL in `text` with `[redacted]`. */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1[redacted]@');
}

/** A server address without credentials, and the header that carries them. */
export interface SplitCredentials {
  /** The URL with user and password removed (safe to print and store). */
  readonly url: string;
  /** `Basic base64(user:password)` when the URL held credentials. */
  readonly authorization?: string;
}

/**
 * Splits credentials out of a server address (`http://user:pass@host:port/path`).
 * Percent-encoded user and password are decoded before encoding the header.
 * A string that does not parse as a URL is returned unchanged (after redaction).
 */
export function splitUrlCredentials(address: string): SplitCredentials {
  let u: URL;
  try {
    u = new URL(address);
  } catch {
    return { url: redactUrlCredentials(address) };
  }
  if (!u.username && !u.password) return { url: address };
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  const url = u.toString().replace(/\/$/, address.endsWith('/') ? '/' : '');
  return { url, authorization: `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}` };
}
