/**
 * Token amounts: base units (integers, bigint) <-> decimal strings with the
 * mint's decimals (SOL: 9, i.e. lamports; USDC: 6). Exact: no floating point.
 *
 * @module
 */

/** Native SOL's mint address as Jupiter uses it (wrapped SOL). */
export const SOL_MINT = 'So11111111111111111111111111111111111111112';
/** Decimals of SOL (1 SOL = 1e9 lamports). */
export const SOL_DECIMALS = 9;

/**
 * "1.5" with 6 decimals -> 1_500_000n.
 * @throws RangeError for a negative, malformed, or over-precise amount (more fractional digits than decimals)
 */
export function toBaseUnits(amount: string, decimals: number): bigint {
  const m = /^(\d+)(?:\.(\d*))?$/.exec(amount.trim());
  if (!m) throw new RangeError(`amount "${amount}" is not a non-negative decimal number`);
  const frac = m[2] ?? '';
  if (frac.length > decimals) throw new RangeError(`amount "${amount}" has ${frac.length} decimals; the mint has ${decimals}`);
  return BigInt(m[1]!) * 10n ** BigInt(decimals) + BigInt((frac + '0'.repeat(decimals)).slice(0, decimals) || '0');
}

/** 1_500_000n with 6 decimals -> "1.5". */
export function fromBaseUnits(units: bigint, decimals: number): string {
  const neg = units < 0n;
  const s = (neg ? -units : units).toString().padStart(decimals + 1, '0');
  const int = s.slice(0, s.length - decimals), frac = s.slice(s.length - decimals).replace(/0+$/, '');
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}
