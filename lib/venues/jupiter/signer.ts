/**
 * The Solana key pair for signing swaps locally with `@solana/kit` (8.x; the
 * 2.x line of `@solana/web3.js` renamed). The private key comes only from
 * `SOLANA_PRIVATE_KEY`: base58 of the 64-byte secret key (32-byte seed +
 * 32-byte public key, the format wallets export) or of the 32-byte seed. It is
 * never logged, stored or put in an error message.
 *
 * @module
 */
import {
  createKeyPairSignerFromBytes, createKeyPairSignerFromPrivateKeyBytes, getBase58Encoder, getBase64EncodedWireTransaction, getBase64Encoder,
  getSignatureFromTransaction, getTransactionDecoder, signTransaction, type KeyPairSigner, type Transaction,
} from '@solana/kit';
import { VenueError } from '../errors.js';

/** Environment variable holding the base58 private key. */
export const SOLANA_KEY_ENV = 'SOLANA_PRIVATE_KEY';

/**
 * The signer of `SOLANA_PRIVATE_KEY` (base58, 64 or 32 bytes).
 * @throws VenueError 'credentials' when unset or malformed (the key is never echoed)
 */
export async function loadSolanaSigner(env: NodeJS.ProcessEnv = process.env): Promise<KeyPairSigner> {
  const text = env[SOLANA_KEY_ENV];
  if (!text) throw new VenueError('solana', 'credentials', `${SOLANA_KEY_ENV} is not set: put the wallet's base58 private key in the environment (never in a file of the project)`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(getBase58Encoder().encode(text.trim()));
  } catch {
    throw new VenueError('solana', 'credentials', `${SOLANA_KEY_ENV} is not valid base58`);
  }
  try {
    if (bytes.length === 64) return await createKeyPairSignerFromBytes(bytes);
    if (bytes.length === 32) return await createKeyPairSignerFromPrivateKeyBytes(bytes);
  } catch {
    throw new VenueError('solana', 'credentials', `${SOLANA_KEY_ENV} does not hold a valid ed25519 key pair (the public half does not match the secret)`);
  } finally {
    bytes.fill(0);
  }
  throw new VenueError('solana', 'credentials', `${SOLANA_KEY_ENV} decodes to ${bytes.length} bytes; expected 64 (secret + public key) or 32 (seed)`);
}

/** A transaction signed locally. */
export interface SignedSwap {
  /** Base64 wire transaction, ready for sendTransaction. */
  readonly wire: string;
  /** The transaction signature (base58): known before sending, so a resend is recognisable. */
  readonly signature: string;
  readonly transaction: Transaction;
}

/**
 * Decodes Jupiter's unsigned base64 versioned transaction and signs it with
 * `signer`, after checking that the signer is one of its required signers.
 * @throws VenueError 'protocol' when the bytes are not a transaction or the signer is not asked to sign
 */
export async function signSwapTransaction(base64: string, signer: KeyPairSigner): Promise<SignedSwap> {
  let tx: Transaction;
  try {
    tx = getTransactionDecoder().decode(getBase64Encoder().encode(base64));
  } catch (err) {
    throw new VenueError('jupiter', 'protocol', `swapTransaction is not a valid base64 Solana transaction (${(err as Error).message})`);
  }
  if (!(signer.address in tx.signatures)) {
    throw new VenueError('jupiter', 'protocol', `the swap transaction does not ask ${signer.address} to sign (signers: ${Object.keys(tx.signatures).join(', ')}); refusing to sign it`);
  }
  const signed = await signTransaction([signer.keyPair], tx);
  return { wire: getBase64EncodedWireTransaction(signed), signature: getSignatureFromTransaction(signed), transaction: signed };
}
