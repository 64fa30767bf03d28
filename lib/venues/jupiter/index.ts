/** Solana swaps through Jupiter: API client, JSON-RPC client, local signing, the swap broker adapter. @module */
export { JupiterClient, JUPITER_API } from './client.js';
export type { JupiterClientOptions, QuoteRequest, QuoteResponse, SwapRequest, SwapResponse } from './client.js';
export { SolanaRpc, TOKEN_PROGRAMS } from './rpc.js';
export type { SolanaRpcOptions, TokenBalance, SignatureStatus } from './rpc.js';
export { loadSolanaSigner, signSwapTransaction, SOLANA_KEY_ENV } from './signer.js';
export type { SignedSwap } from './signer.js';
export { JupiterBroker } from './broker.js';
export type { SwapOrder, SwapState, SwapFill, WalletBalances, SwapPosition, JupiterBrokerOptions } from './broker.js';
export { toBaseUnits, fromBaseUnits, SOL_MINT, SOL_DECIMALS } from './units.js';
