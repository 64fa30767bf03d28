/** Solana swaps through Jupiter: API client, JSON-RPC client, local signing, the swap broker adapter. @module */
export { JupiterClient, JUPITER_API } from './client.js';
export type { JupiterClientOptions, QuoteRequest, QuoteResponse, SwapRequest, SwapResponse } from './client.js';
export { SolanaRpc, TOKEN_PROGRAMS } from './rpc.js';
export type { SolanaRpcOptions, TokenBalance, SignatureStatus, ConfirmedTransaction, TransactionTokenBalance } from './rpc.js';
export { loadSolanaSigner, signSwapTransaction, SOLANA_KEY_ENV } from './signer.js';
export type { SignedSwap } from './signer.js';
export { JupiterBroker } from './broker.js';
export type { SwapOrder, SwapState, SwapFill, SwapSettlement, WalletBalances, SwapHolding, JupiterBrokerOptions } from './broker.js';
export { settlementOf, swapAmounts } from './settle.js';
export type { Settlement } from './settle.js';
export { swapOfOrder, fillOfSwap, brokerErrorOf } from './port.js';
export type { SwapMarket, PortSwap } from './port.js';
export { toBaseUnits, fromBaseUnits, SOL_MINT, SOL_DECIMALS } from './units.js';
