/**
 * The engine's venue port, re-exported from `lib/venues/broker.ts` (defined
 * there so venue adapters such as `CcxtBroker` implement it without importing
 * lib/trade: imports only run downward).
 */
export * from '../venues/broker.js';
