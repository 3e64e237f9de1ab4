/**
 * Attack: with no --allowed-accounts, a merged policy with a roleArn reached into another account (the docs
 * said an empty list means the controller's own account only; the code read it as no limit). Two sandboxes
 * stand for two accounts; B is reachable only through fleet-b's roleArn.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTwoTargets, TARGET_B, ttlOf, type TwoTargetHarness } from '../e2e/run-targets-harness.js';

describe('attack: a roleArn policy when no accounts are allowed', () => {
  let h: TwoTargetHarness;
  before(async () => {
    h = await startTwoTargets({ allowedAccounts: [] });
  });
  after(async () => {
    await h?.close();
  });

  it('an empty --allowed-accounts means the own account only: the other account is never touched', async () => {
    await h.settle();
    h.tick();
    await h.settle();
    assert.equal(ttlOf(h.b, 'b-api'), 60, 'account B must keep its TTLs');
    assert.equal(ttlOf(h.b, 'b-web'), 120);
    assert.ok(!h.factory.targets.some((t) => t.key === TARGET_B), 'no clients are made for the other account');
    assert.match(
      JSON.stringify(h.controller.status()),
      /no --allowed-accounts are set, which means the controller's own account only/,
    );
  });
});
