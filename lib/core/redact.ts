/** Secret redaction for error messages and logs (shared by lib/llm and lib/venues). */

/**
 * Removes every occurrence of the given secrets from a text (error messages
 * from HTTP libraries can echo headers).
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}
