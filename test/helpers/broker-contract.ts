/**
 * The contract suite every `Broker` implementation passes (lib/venues/broker.ts
 * header): idempotent submit by client order id, fills reported once with the
 * client id, positions and balance consistent with the fills, reduce-only,
 * unknown orders as null, errors as classified BrokerError.
 *
 * Run over PaperBroker and CcxtBroker (test/venues-ccxt.test.ts) and
 * JupiterBroker (test/venues-jupiter.test.ts). One point is stated so that a
 * swap venue meets it too: a fee may be charged in another asset
 * (`Fill.otherFees`, a Solana network fee in SOL), and after a round trip of
 * equal quantities cash changes by the realized PnL of the fills (sell
 * notional - buy notional) minus the quote-unit fees: on a venue with a
 * spread (an AMM) that PnL is not 0 even when the market did not move.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerError, type Broker, type Fill } from '../../lib/venues/broker.js';

/** A fresh broker whose venue trades `symbol` at a price near 100 and holds at least 1,000 quote units. */
export interface ContractSubject {
  broker: Broker;
  symbol: string;
  close(): Promise<void>;
}

/** Registers the contract tests for one implementation. */
export function brokerContract(name: string, make: () => Promise<ContractSubject>): void {
  test(`Broker contract (${name}): submit, idempotent resubmit, fills once, positions, reduce-only close`, async () => {
    const { broker, symbol, close } = await make();
    try {
      const cash0 = (await broker.balance()).total;
      assert.ok(cash0 >= 1000);
      assert.equal(await broker.order('never-sent-1'), null);
      const s1 = await broker.submit({ clientOrderId: 'contract-1', symbol, side: 'buy', type: 'market', quantity: 2 });
      assert.equal(s1.status, 'filled');
      assert.equal(s1.clientOrderId, 'contract-1');
      assert.equal(s1.filledQuantity, 2);
      const again = await broker.submit({ clientOrderId: 'contract-1', symbol, side: 'buy', type: 'market', quantity: 2 });
      assert.equal(again.venueOrderId, s1.venueOrderId);
      const fills = (await broker.events(0)).filter((e): e is Fill => e.kind === 'fill');
      assert.equal(fills.length, 1, 'one fill for one order, even when submitted twice');
      assert.equal(fills[0]!.clientOrderId, 'contract-1');
      assert.equal(fills[0]!.quantity, 2);
      assert.ok(fills[0]!.fee > 0 || (fills[0]!.otherFees ?? []).some((f) => f.amount > 0), 'a fee is charged (in quote units or another asset)');
      assert.deepEqual((await broker.positions()).map((p) => [p.symbol, p.quantity]), [[symbol, 2]]);
      assert.equal((await broker.order('contract-1'))!.status, 'filled');
      // reduce-only in the wrong direction is refused
      await assert.rejects(broker.submit({ clientOrderId: 'contract-2', symbol, side: 'buy', type: 'market', quantity: 1, reduceOnly: true }), (e: unknown) => e instanceof BrokerError && e.kind === 'reject');
      await broker.submit({ clientOrderId: 'contract-3', symbol, side: 'sell', type: 'market', quantity: 2, reduceOnly: true });
      assert.deepEqual(await broker.positions(), []);
      const all = (await broker.events(0)).filter((e): e is Fill => e.kind === 'fill');
      assert.equal(all.length, 2);
      assert.ok(all[1]!.seq >= all[0]!.seq);
      // cash changes by the round trip's realized PnL (sell notional - buy notional; 0 at an unchanged price without spread) minus the fees
      const fees = all.reduce((s, f) => s + f.fee, 0);
      const pnl = all[1]!.notional - all[0]!.notional;
      const cash1 = (await broker.balance()).total;
      assert.ok(Math.abs(cash0 + pnl - fees - cash1) < 1e-6 * cash0, `${cash0} + ${pnl} - ${fees} vs ${cash1}`);
      assert.deepEqual(await broker.openOrders(), []);
      await assert.rejects(broker.submit({ clientOrderId: 'contract-4', symbol: 'NOPEUSDT', side: 'buy', type: 'market', quantity: 1 }), (e: unknown) => e instanceof BrokerError && e.kind === 'reject');
    } finally {
      await close();
    }
  });
}
