/**
 * Venues: the `Broker` port and its adapters over external services (issue 14).
 * Imports nothing from lib/trade (the engine imports this folder).
 */
export * from './broker.js';
export { CcxtBroker, classifyCcxtError, createExchange, exchangeKeys, EXCHANGE_KEY_ENV, type CcxtBrokerOptions, type ExchangeKeys } from './ccxt.js';
