/**
 * OCTT 2.0.1 station cases of block C (local start authorization, authorization cache, GroupId,
 * master pass, offline authorization) and D (local authorization list), driven from a strict
 * ocpp-rpc CSMS.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withBench201, type Bench201 } from './cs201-harness';

type Params = Record<string, any>;

const withBench = withBench201;

const token = (idToken: string): { idToken: string; type: 'ISO14443' } => ({ idToken, type: 'ISO14443' });
const variables = (v: Record<string, string | number | boolean>) => ({ variables: v });
/** An Authorize answer from a table of token → status (and group). */
const verdicts = (table: Record<string, [string, string?]>) => (p: Params): Params => {
  const [status, group] = table[p.idToken.idToken] ?? ['Invalid'];
  return { idTokenInfo: group ? { status, groupIdToken: token(group) } : { status } };
};

async function dropLink(b: Bench201): Promise<void> {
  await (await b.client()).close({ force: true });
  for (let i = 0; i < 200 && b.cs.connected; i++) await b.settle(5);
}

test('TC_C_02_CS / TC_C_06_CS / TC_C_07_CS / TC_C_56_CS Local start - Invalid, Blocked, Expired, Unknown: no TransactionEvent', async (t) => {
  for (const status of ['Invalid', 'Blocked', 'Expired', 'Unknown']) {
    const b = await withBench(t, { answers: { Authorize: () => ({ idTokenInfo: { status } }) } });
    const from = b.calls.length;
    b.cs.plugIn(1);
    assert.equal((await b.cs.presentToken(1, 'AABBCCDD')).status, status);
    await b.settle(30);
    assert.deepEqual(b.since(from).map((c) => c.action), ['StatusNotification', 'Authorize'], status);
  }
});

test('TC_C_04_CS Local Stop Transaction - Different idToken: the transaction continues', async (t) => {
  const b = await withBench(t);
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.cs.presentToken(1, '11223344');
  await b.settle(30);
  assert.deepEqual(b.since(from, 'TransactionEvent').map((c) => c.params.eventType), ['Started']);
  assert.ok(b.cs.station.evse(1)!.transaction);
});

test('TC_C_08_CS / TC_C_13_CS Authorization through the cache - Accepted with LocalPreAuthorize: no Authorize, also before the cable', async (t) => {
  const b = await withBench(t, { profile: variables({ 'AuthCtrlr.LocalPreAuthorize': true }) });
  await b.cs.presentToken(1, 'AABBCCDD');
  b.cs.stopCharging(1);
  const from = b.calls.length;
  await b.cs.presentToken(1, 'AABBCCDD');
  b.cs.plugIn(1);
  await b.waitFor('TransactionEvent', { from });
  assert.equal(b.since(from, 'Authorize').length, 0);
});

test('TC_C_09_CS / TC_C_10_CS / TC_C_11_CS / TC_C_12_CS Cached non-Accepted tokens are checked online again', async (t) => {
  const table: Record<string, [string]> = { AABBCCDD: ['Invalid'] };
  const b = await withBench(t, { profile: variables({ 'AuthCtrlr.LocalPreAuthorize': true }), answers: { Authorize: verdicts(table) } });
  for (const status of ['Invalid', 'Blocked', 'Expired']) {
    table.AABBCCDD = [status];
    await b.cs.presentToken(1, 'AABBCCDD'); // now cached with this status
    const from = b.calls.length;
    b.cs.plugIn(1);
    assert.equal((await b.cs.presentToken(1, 'AABBCCDD')).status, status);
    await b.settle(20);
    assert.deepEqual(b.since(from, 'Authorize').length, 1, `${status}: asked again`);
    assert.equal(b.since(from, 'TransactionEvent').length, 0);
    b.cs.unplug(1);
  }
  table.AABBCCDD = ['Accepted'];
  const from = b.calls.length;
  assert.ok(await b.cs.startCharging(1, 'AABBCCDD'), 'TC_C_12: the CSMS accepts it now');
  await b.waitFor('TransactionEvent', { from });
  assert.equal(b.cs.authorization.local(token('AABBCCDD'))!.status, 'Accepted', 'cache updated');
});

test('TC_C_57_CS AuthCacheCtrlr.DisablePostAuthorize: a cached Invalid token is refused without asking', async (t) => {
  const b = await withBench(t, { profile: variables({ 'AuthCacheCtrlr.DisablePostAuthorize': true }), answers: { Authorize: () => ({ idTokenInfo: { status: 'Invalid' } }) } });
  await b.cs.presentToken(1, 'AABBCCDD');
  const from = b.calls.length;
  assert.equal((await b.cs.presentToken(1, 'AABBCCDD')).status, 'Invalid');
  await b.settle(20);
  assert.equal(b.since(from, 'Authorize').length, 0);
});

test('TC_C_16_CS / TC_C_17_CS / TC_C_26_CS / TC_E_16_CS Started offline, the CSMS says Invalid: StopTxOnInvalidId ends it, else energy stops', async (t) => {
  for (const stop of [true, false]) {
    const b = await withBench(t, {
      virtual: true,
      profile: variables({ 'TxCtrlr.StopTxOnInvalidId': stop, 'AuthCtrlr.OfflineTxForUnknownIdEnabled': true, 'OCPPCommCtrlr.RetryBackOffWaitMinimum': 10, 'OCPPCommCtrlr.RetryBackOffRandomRange': 0 }),
      answers: { TransactionEvent: (p) => (p.idToken ? { idTokenInfo: { status: 'Invalid' } } : {}) },
    });
    await dropLink(b);
    const from = b.calls.length;
    assert.ok(await b.cs.startCharging(1, 'AABBCCDD'));
    await b.advance(11_000);
    const list = await b.waitFor('TransactionEvent', { from, count: 2 });
    const second = list[1]!.params;
    if (stop) {
      assert.equal(second.eventType, 'Ended');
      assert.equal(second.triggerReason, 'Deauthorized');
      assert.equal(second.transactionInfo.stoppedReason, 'DeAuthorized');
    } else {
      assert.equal(second.eventType, 'Updated');
      assert.equal(second.transactionInfo.chargingState, 'SuspendedEVSE');
    }
  }
});

test('TC_C_32_CS / TC_C_33_CS / TC_C_37_CS / TC_C_38_CS The cache: filled by Authorize, kept over a reboot, cleared by ClearCache', async (t) => {
  const b = await withBench(t, { profile: variables({ 'AuthCtrlr.LocalPreAuthorize': true }) });
  await b.cs.presentToken(1, 'AABBCCDD');
  b.cs.stopCharging(1);
  let from = b.calls.length;
  assert.deepEqual(await b.call('Reset', { type: 'OnIdle' }), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from, ms: 5000 });
  from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.waitFor('TransactionEvent', { from });
  assert.equal(b.since(from, 'Authorize').length, 0, 'authorized from the cache after the reboot');
  b.cs.stopCharging(1);
  assert.deepEqual(await b.call('ClearCache', {}), { status: 'Accepted' });
  from = b.calls.length;
  await b.cs.presentToken(1, 'AABBCCDD');
  assert.equal(b.since(from, 'Authorize').length, 1, 'online again after ClearCache');
  assert.equal((await b.call('SetVariables', { setVariableData: [{ component: { name: 'AuthCacheCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'false' }] })).setVariableResult[0].attributeStatus, 'Accepted');
  assert.deepEqual(await b.call('ClearCache', {}), { status: 'Rejected' });
});

test('TC_C_34_CS The cache is updated by a TransactionEvent answer: the next presentation is refused', async (t) => {
  let status = 'Accepted';
  const b = await withBench(t, { profile: variables({ 'AuthCtrlr.LocalPreAuthorize': true }), answers: { TransactionEvent: (p) => (p.idToken ? { idTokenInfo: { status } } : {}) } });
  status = 'Blocked';
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.waitFor('TransactionEvent', { from, count: 2 });
  assert.equal(b.cs.authorization.local(token('AABBCCDD'))!.status, 'Blocked');
});

test('TC_C_46_CS AuthCacheCtrlr.LifeTime: an old entry is dropped and the token goes online again', async (t) => {
  const b = await withBench(t, { virtual: true, profile: variables({ 'AuthCtrlr.LocalPreAuthorize': true, 'AuthCacheCtrlr.LifeTime': 60 }) });
  await b.cs.presentToken(1, 'AABBCCDD');
  b.cs.stopCharging(1);
  await b.advance(61_000);
  const from = b.calls.length;
  await b.cs.presentToken(1, 'AABBCCDD');
  assert.equal(b.since(from, 'Authorize').length, 1);
});

test('TC_C_39_CS / TC_C_42_CS Authorization by GroupId: a member of the group stops it; an Invalid member does not', async (t) => {
  const b = await withBench(t, { answers: { Authorize: verdicts({ A1: ['Accepted', 'G1'], B1: ['Accepted', 'G1'], C1: ['Invalid', 'G1'] }) } });
  const from = b.calls.length;
  await b.cs.startCharging(1, 'A1');
  await b.cs.presentToken(1, 'C1');
  await b.settle(20);
  assert.equal(b.since(from, 'TransactionEvent').length, 1, 'TC_C_42');
  await b.cs.presentToken(1, 'B1');
  const [, ended] = await b.waitFor('TransactionEvent', { from, count: 2 });
  assert.equal(ended!.params.triggerReason, 'StopAuthorized');
});

test('TC_C_45_CS / TC_C_49_CS Master pass: never starts a transaction, stops every one (MasterPass)', async (t) => {
  const b = await withBench(t, { profile: { evses: 2, ...variables({ 'AuthCtrlr.MasterPassGroupId': 'MASTER' }) }, answers: { Authorize: verdicts({ M1: ['Accepted', 'MASTER'], A1: ['Accepted'], B1: ['Accepted'] }) } });
  let from = b.calls.length;
  b.cs.plugIn(1);
  await b.cs.presentToken(1, 'M1');
  await b.settle(20);
  assert.equal(b.since(from, 'TransactionEvent').length, 0, 'TC_C_45');
  from = b.calls.length;
  await b.cs.presentToken(1, 'A1');
  await b.cs.startCharging(2, 'B1');
  await b.cs.presentToken(1, 'M1');
  const ended = await b.waitFor('TransactionEvent', { from, count: 2, match: (p) => p.eventType === 'Ended' });
  assert.deepEqual(ended.map((c) => c.params.transactionInfo.stoppedReason), ['MasterPass', 'MasterPass']);
});

test('TC_D_01_CS … TC_D_06_CS / TC_D_08_CS / TC_D_10_CS Send Local Authorization List and its version', async (t) => {
  const b = await withBench(t);
  const entry = (id: string, status = 'Accepted'): Params => ({ idToken: token(id), idTokenInfo: { status } });
  assert.deepEqual(await b.call('GetLocalListVersion', {}), { versionNumber: 0 });
  assert.deepEqual(await b.call('SendLocalList', { versionNumber: 1, updateType: 'Full', localAuthorizationList: [entry('A1'), entry('B1')] }), { status: 'Accepted' });
  assert.deepEqual(await b.call('GetLocalListVersion', {}), { versionNumber: 1 });
  assert.deepEqual(await b.call('SendLocalList', { versionNumber: 2, updateType: 'Differential', localAuthorizationList: [entry('C1', 'Blocked')] }), { status: 'Accepted' });
  assert.equal(b.cs.authorization.local(token('C1'))!.status, 'Blocked');
  assert.deepEqual(await b.call('SendLocalList', { versionNumber: 3, updateType: 'Differential', localAuthorizationList: [{ idToken: token('A1') }] }), { status: 'Accepted' });
  assert.equal(b.cs.authorization.local(token('A1')), undefined, 'TC_D_03: removed');
  assert.deepEqual(await b.call('SendLocalList', { versionNumber: 4, updateType: 'Differential' }), { status: 'Accepted' });
  assert.deepEqual(await b.call('GetLocalListVersion', {}), { versionNumber: 4 }, 'TC_D_05');
  assert.deepEqual(await b.call('SendLocalList', { versionNumber: 2, updateType: 'Differential', localAuthorizationList: [entry('D1')] }), { status: 'VersionMismatch' });
  assert.deepEqual(await b.call('SendLocalList', { versionNumber: 5, updateType: 'Full' }), { status: 'Accepted' });
  assert.equal(b.cs.authorization.local(token('B1')), undefined, 'TC_D_04: cleared');
  await b.call('SetVariables', { setVariableData: [{ component: { name: 'LocalAuthListCtrlr' }, variable: { name: 'Enabled' }, attributeValue: 'false' }] });
  assert.deepEqual(await b.call('GetLocalListVersion', {}), { versionNumber: 0 }, 'TC_D_10');
});

test('TC_C_27_CS / TC_C_28_CS / TC_C_31_CS / TC_C_58_CS Online authorization through the local list', async (t) => {
  const table: Record<string, [string]> = { A1: ['Accepted'], I1: ['Invalid'], J1: ['Accepted'] };
  const b = await withBench(t, { profile: variables({ 'AuthCtrlr.LocalPreAuthorize': true }), answers: { Authorize: verdicts(table) } });
  await b.call('SendLocalList', { versionNumber: 1, updateType: 'Full', localAuthorizationList: [
    { idToken: token('A1'), idTokenInfo: { status: 'Accepted' } },
    { idToken: token('I1'), idTokenInfo: { status: 'Invalid' } },
    { idToken: token('J1'), idTokenInfo: { status: 'Invalid' } },
  ] });
  let from = b.calls.length;
  assert.equal((await b.cs.presentToken(1, 'A1')).status, 'Accepted');
  assert.equal(b.since(from, 'Authorize').length, 0, 'TC_C_27: from the list');
  b.cs.stopCharging(1);
  from = b.calls.length;
  assert.equal((await b.cs.presentToken(1, 'I1')).status, 'Invalid');
  assert.equal(b.since(from, 'Authorize').length, 1, 'TC_C_28: asked online');
  assert.equal((await b.cs.presentToken(1, 'J1')).status, 'Accepted', 'TC_C_31');
  b.cs.stopCharging(1);
  await b.call('SetVariables', { setVariableData: [{ component: { name: 'LocalAuthListCtrlr' }, variable: { name: 'DisablePostAuthorize' }, attributeValue: 'true' }] });
  from = b.calls.length;
  assert.equal((await b.cs.presentToken(1, 'I1')).status, 'Invalid');
  assert.equal(b.since(from, 'Authorize').length, 0, 'TC_C_58');
});

test('TC_C_21_CS / TC_C_22_CS / TC_C_25_CS Offline authorization through the local list (the list beats the cache)', async (t) => {
  const b = await withBench(t, { virtual: true, profile: variables({ 'OCPPCommCtrlr.RetryBackOffWaitMinimum': 100 }) });
  await b.cs.presentToken(1, 'X1'); // cached Accepted
  b.cs.stopCharging(1);
  await b.call('SendLocalList', { versionNumber: 1, updateType: 'Full', localAuthorizationList: [
    { idToken: token('A1'), idTokenInfo: { status: 'Accepted' } },
    { idToken: token('I1'), idTokenInfo: { status: 'Invalid' } },
    { idToken: token('X1'), idTokenInfo: { status: 'Invalid' } },
  ] });
  await dropLink(b);
  assert.equal((await b.cs.presentToken(1, 'I1')).status, 'Invalid', 'TC_C_22');
  assert.equal((await b.cs.presentToken(1, 'X1')).status, 'Invalid', 'TC_C_25');
  const from = b.calls.length;
  assert.ok(await b.cs.startCharging(1, 'A1'), 'TC_C_21');
  b.cs.stopCharging(1);
  await b.advance(110_000);
  const list = await b.waitFor('TransactionEvent', { from, count: 2 });
  assert.ok(list.every((c) => c.params.offline === true));
});

test('TC_D_07_CS The local list persists over a reboot', async (t) => {
  const b = await withBench(t);
  await b.call('SendLocalList', { versionNumber: 7, updateType: 'Full', localAuthorizationList: [{ idToken: token('A1'), idTokenInfo: { status: 'Accepted' } }] });
  const from = b.calls.length;
  await b.call('Reset', { type: 'Immediate' });
  await b.waitFor('StatusNotification', { from, ms: 5000 });
  assert.deepEqual(await b.call('GetLocalListVersion', {}), { versionNumber: 7 });
});

test('TC_C_36_CS Store Authorization Data in the Authorization Cache - LocalPreAuthorize false: a cached token is still asked for online', async (t) => {
  const b = await withBench(t, { profile: variables({ 'AuthCtrlr.LocalPreAuthorize': false }) });
  await b.cs.presentToken(1, 'AABBCCDD');
  b.cs.stopCharging(1);
  const from = b.calls.length;
  assert.equal((await b.cs.presentToken(1, 'AABBCCDD')).status, 'Accepted');
  assert.equal(b.since(from, 'Authorize').length, 1, 'C10.FR.11');
});

/**
 * A station whose CSMS answers every TransactionEvent with an idToken Invalid (C12, C15): the
 * token is cached Accepted first, the link dropped, and the transaction started offline from the
 * cache. Returns the bench and the call index before the start.
 */
async function startedOfflineThenInvalid(t: Parameters<typeof withBench>[0], tx: Record<string, string | number | boolean>): Promise<{ b: Bench201; from: number }> {
  const b = await withBench(t, {
    virtual: true,
    profile: variables({ ...tx, 'OCPPCommCtrlr.RetryBackOffWaitMinimum': 10, 'OCPPCommCtrlr.RetryBackOffRandomRange': 0 }),
    answers: { TransactionEvent: (p) => (p.idToken ? { idTokenInfo: { status: 'Invalid' } } : {}) },
  });
  await b.cs.presentToken(1, 'AABBCCDD'); // cached Accepted
  b.cs.stopCharging(1);
  await dropLink(b);
  const from = b.calls.length;
  assert.ok(await b.cs.startCharging(1, 'AABBCCDD'), 'accepted offline from the cache');
  await b.advance(11_000);
  return { b, from };
}

test('TC_C_18_CS Authorization through the cache - StopTxOnInvalidId true wins over MaxEnergyOnInvalidId: Deauthorized', async (t) => {
  const { b, from } = await startedOfflineThenInvalid(t, { 'TxCtrlr.StopTxOnInvalidId': true, 'TxCtrlr.MaxEnergyOnInvalidId': 1000 });
  const [, second] = await b.waitFor('TransactionEvent', { from, count: 2 });
  assert.deepEqual([second!.params.eventType, second!.params.triggerReason, second!.params.transactionInfo.stoppedReason], ['Ended', 'Deauthorized', 'DeAuthorized']);
});

test('TC_C_15_CS Authorization through the cache - StopTxOnInvalidId false, MaxEnergyOnInvalidId > 0: no event at the Invalid answer, energy flows up to the limit, then EnergyLimitReached', async (t) => {
  const { b, from } = await startedOfflineThenInvalid(t, { 'TxCtrlr.StopTxOnInvalidId': false, 'TxCtrlr.MaxEnergyOnInvalidId': 500, 'SampledDataCtrlr.TxUpdatedInterval': 10 });
  await b.waitFor('TransactionEvent', { from });
  await b.settle(20);
  const early = b.since(from, 'TransactionEvent').map((c) => c.params);
  assert.ok(!early.some((p) => p.triggerReason === 'Deauthorized' || p.transactionInfo.chargingState === 'SuspendedEVSE' || p.eventType === 'Ended'), 'E05.FR.03: no Deauthorized, no SuspendedEVSE at the answer');
  for (let i = 0; i < 60 && !b.since(from, 'TransactionEvent').some((c) => c.params.triggerReason === 'EnergyLimitReached'); i++) await b.advance(5_000);
  const limit = b.since(from, 'TransactionEvent').find((c) => c.params.triggerReason === 'EnergyLimitReached');
  assert.ok(limit, `the energy limit was reached: ${JSON.stringify(b.since(from, 'TransactionEvent').map((c) => [c.params.eventType, c.params.triggerReason, c.params.transactionInfo.chargingState, c.params.meterValue?.[0]?.sampledValue?.[0]?.value]))}`);
  assert.equal(limit.params.eventType, 'Updated');
  assert.equal(limit.params.transactionInfo.chargingState, 'SuspendedEVSE');
  assert.ok(b.cs.station.evse(1)!.meter.registerWh - b.cs.station.evse(1)!.transaction!.meterStartWh >= 500);
});

test('TC_C_41_CS / TC_C_44_CS Authorization by GroupId with the Authorization Cache: a cached member of the group stops it without asking; a cached Invalid member does not', async (t) => {
  const b = await withBench(t, {
    profile: variables({ 'AuthCtrlr.LocalPreAuthorize': true, 'AuthCacheCtrlr.DisablePostAuthorize': true }),
    answers: { Authorize: verdicts({ A1: ['Accepted', 'G1'], B1: ['Accepted', 'G1'], C1: ['Invalid', 'G1'] }) },
  });
  // Fill the cache: each token once online.
  for (const id of ['A1', 'B1']) {
    await b.cs.presentToken(1, id);
    b.cs.stopCharging(1);
  }
  await b.cs.presentToken(1, 'C1');
  const from = b.calls.length;
  assert.ok(await b.cs.startCharging(1, 'A1'));
  await b.cs.presentToken(1, 'C1');
  await b.settle(20);
  assert.equal(b.since(from, 'TransactionEvent').filter((c) => c.params.eventType === 'Ended').length, 0, 'TC_C_44: the Invalid member stops nothing');
  await b.cs.presentToken(1, 'B1');
  const [ended] = await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  assert.equal(ended!.params.triggerReason, 'StopAuthorized', 'TC_C_41');
  assert.equal(b.since(from, 'Authorize').length, 0, 'every token from the cache');
});
