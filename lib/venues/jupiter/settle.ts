/**
 * What a landed swap really moved, read from the confirmed transaction's
 * balances (Solana RPC `getTransaction`, jsonParsed): never from the quote,
 * which is only an estimate (the price may move up to `slippageBps` before the
 * transaction lands).
 *
 * Convention (for the wallet `owner`, which paid the fee):
 * - token change of a mint = sum over the owner's token accounts of
 *   post - pre `uiTokenAmount.amount` (an account absent on one side counts 0);
 * - SOL change = the owner's lamport change + the transaction fee (reported
 *   apart, never mixed into the swap amount) + net rent deposits of the
 *   owner's token accounts created (or closed) by the transaction (a new
 *   token account locks ~0.002 SOL of rent, refundable on close: a deposit,
 *   not a price), plus the wrapped-SOL token change (wSOL is SOL);
 * - `feeLamports` = `meta.fee` (base fee per signature + priority fee).
 *
 * @module
 */
import { VenueError } from '../errors.js';
import type { ConfirmedTransaction, TransactionTokenBalance } from './rpc.js';
import { SOL_MINT } from './units.js';

/** The balance changes of one wallet in one confirmed transaction. */
export interface Settlement {
  readonly slot: number;
  /** Epoch ms (blockTime x 1000), or null when the node does not know the block time. */
  readonly time: number | null;
  /** Transaction fee paid by the wallet, lamports (0 when another account paid). */
  readonly feeLamports: bigint;
  /** Lamports moved into (positive) or out of (negative) the wallet's token accounts created / closed by the transaction. */
  readonly rentLamports: bigint;
  /** Signed change per mint in base units (SOL under {@link SOL_MINT}, native + wrapped, fee and rent excluded). */
  readonly changes: ReadonlyMap<string, bigint>;
}

const keyOf = (k: { pubkey: string } | string): string => (typeof k === 'string' ? k : k.pubkey);

/**
 * The settlement of `owner` in a confirmed transaction (see the module header).
 * @throws VenueError 'protocol' when the transaction has no meta or the owner is not among its accounts
 */
export function settlementOf(tx: ConfirmedTransaction, owner: string): Settlement {
  const meta = tx.meta;
  if (!meta) throw new VenueError('solana', 'protocol', `transaction at slot ${tx.slot} has no meta (balances unknown)`);
  const keys = tx.transaction.message.accountKeys.map(keyOf);
  const ownerIndex = keys.indexOf(owner);
  if (ownerIndex < 0) throw new VenueError('solana', 'protocol', `transaction at slot ${tx.slot} does not touch wallet ${owner}`);
  const lamports = (bal: readonly number[], i: number): bigint => BigInt(bal[i] ?? 0);
  const mine = (list: readonly TransactionTokenBalance[] | undefined) => new Map((list ?? []).filter((b) => b.owner === owner).map((b) => [b.accountIndex, b]));
  const pre = mine(meta.preTokenBalances), post = mine(meta.postTokenBalances);
  const changes = new Map<string, bigint>();
  const add = (mint: string, d: bigint) => changes.set(mint, (changes.get(mint) ?? 0n) + d);
  let rent = 0n;
  for (const idx of new Set([...pre.keys(), ...post.keys()])) {
    const a = pre.get(idx), b = post.get(idx);
    const mint = (a ?? b)!.mint;
    const before = BigInt(a?.uiTokenAmount.amount ?? '0'), after = BigInt(b?.uiTokenAmount.amount ?? '0');
    add(mint, after - before);
    // an account created (or closed) here: its lamports are rent, less the wrapped SOL it holds
    if (!a || !b) rent += lamports(meta.postBalances, idx) - lamports(meta.preBalances, idx) - (mint === SOL_MINT ? after - before : 0n);
  }
  const fee = ownerIndex === 0 ? BigInt(meta.fee) : 0n;
  add(SOL_MINT, lamports(meta.postBalances, ownerIndex) - lamports(meta.preBalances, ownerIndex) + fee + rent);
  return { slot: tx.slot, time: tx.blockTime === null ? null : tx.blockTime * 1000, feeLamports: fee, rentLamports: rent, changes };
}

/**
 * The amounts a swap moved for the wallet: base units out of `inputMint` and
 * into `outputMint` (both > 0).
 * @throws VenueError 'protocol' when the transaction did not take the input or did not deliver the output
 */
export function swapAmounts(s: Settlement, inputMint: string, outputMint: string, what: string): { inAmount: bigint; outAmount: bigint } {
  const inAmount = -(s.changes.get(inputMint) ?? 0n), outAmount = s.changes.get(outputMint) ?? 0n;
  if (inAmount <= 0n || outAmount <= 0n) {
    throw new VenueError('solana', 'protocol', `${what}: the confirmed transaction (slot ${s.slot}) moved ${-inAmount} of ${inputMint} out and ${outAmount} of ${outputMint} in; a swap takes the input and delivers the output`);
  }
  return { inAmount, outAmount };
}
