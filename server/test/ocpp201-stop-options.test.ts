/**
 * OCTT 2.0.1 station cases of block E for the remaining start and stop points (the bay's vehicle
 * detector, PowerPathClosed stops, the EV-side disconnect with Authorized), the status of an
 * ended transaction with messages waiting, transactions stopped while offline and
 * DisableRemoteAuthorization, driven from a strict ocpp-rpc CSMS.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heldTransactionEvents, withBench201, type Bench201 } from './cs201-harness';

type Params = Record<string, any>;

const points = (start: string, stop: string, more: Record<string, string | boolean | number> = {}): Params => ({ variables: { 'TxCtrlr.TxStartPoint': start, 'TxCtrlr.TxStopPoint': stop, ...more } });
const token = (idToken: string): Params => ({ idToken, type: 'ISO14443' });

/** The TransactionEvents since `from` as `eventType triggerReason`. */
const events = (b: Bench201, from: number): string[] => b.since(from, 'TransactionEvent').map(({ params: p }) => `${p.eventType} ${p.triggerReason}`);

async function dropLink(b: Bench201): Promise<void> {
  await (await b.client()).close({ force: true });
  for (let i = 0; i < 200 && b.cs.connected; i++) await b.settle(5);
  assert.equal(b.cs.connected, false);
}

test('TC_E_12_CS / TC_E_19_CS Start and stop options - ParkingBayOccupancy: the detector starts it (EVDetected) and ends it (EVDeparted); the cable does not', async (t) => {
  const b = await withBench201(t, { profile: points('ParkingBayOccupancy', 'ParkingBayOccupancy') });
  const from = b.calls.length;
  b.cs.parkingBay(1, true);
  const [started] = await b.waitFor('TransactionEvent', { from });
  assert.equal(started!.params.eventType, 'Started');
  assert.equal(started!.params.triggerReason, 'EVDetected', 'TC_E_12: E01.FR.01');
  await b.cs.startCharging(1, 'AABBCCDD');
  b.cs.unplug(1);
  await b.waitFor('TransactionEvent', { from, count: 4 });
  assert.deepEqual(events(b, from), ['Started EVDetected', 'Updated Authorized', 'Updated CablePluggedIn', 'Updated EVCommunicationLost'], 'the cable leaves, the EV is still in the bay');
  b.cs.parkingBay(1, false);
  const [ended] = await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  assert.equal(ended!.params.triggerReason, 'EVDeparted', 'TC_E_19');
  assert.equal(ended!.params.transactionInfo.stoppedReason, 'EVDisconnected');
  assert.deepEqual(new Set(b.since(from, 'TransactionEvent').map((c) => c.params.transactionInfo.transactionId)).size, 1);
});

test('TC_E_07_CS / TC_E_35_CS Stop transaction options - PowerPathClosed: local stop (StopAuthorized, Local) and remote stop (RemoteStop, Remote)', async (t) => {
  const b = await withBench201(t, { profile: { evses: 2, ...points('PowerPathClosed', 'PowerPathClosed') } });
  let from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.cs.presentToken(1, 'AABBCCDD');
  let [ended] = await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  assert.deepEqual([ended!.params.triggerReason, ended!.params.transactionInfo.stoppedReason], ['StopAuthorized', 'Local'], 'TC_E_07');
  from = b.calls.length;
  await b.cs.startCharging(2, '11223344');
  const [started] = await b.waitFor('TransactionEvent', { from });
  assert.deepEqual(await b.call('RequestStopTransaction', { transactionId: started!.params.transactionInfo.transactionId }), { status: 'Accepted' });
  [ended] = await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  assert.deepEqual([ended!.params.triggerReason, ended!.params.transactionInfo.stoppedReason], ['RemoteStop', 'Remote'], 'TC_E_35');
});

test('TC_E_17_CS Stop transaction options - Deauthorized - EV side disconnect: TxStopPoint Authorized + StopTxOnEVSideDisconnect', async (t) => {
  const b = await withBench201(t, { profile: points('PowerPathClosed', 'Authorized', { 'TxCtrlr.StopTxOnEVSideDisconnect': true }) });
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  b.cs.unplug(1);
  const [ended] = await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  assert.deepEqual([ended!.params.triggerReason, ended!.params.transactionInfo.stoppedReason], ['EVCommunicationLost', 'EVDisconnected']);
});

test('TC_E_31_CS Check Transaction status - Transaction with id ended - with message in queue: false / true, then false / false', async (t) => {
  const held = heldTransactionEvents();
  const b = await withBench201(t, { answers: held.answers });
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  const [started] = await b.waitFor('TransactionEvent', { from });
  await b.settle(20);
  held.hold();
  b.cs.stopCharging(1);
  await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  const transactionId = started!.params.transactionInfo.transactionId;
  assert.deepEqual(await b.call('GetTransactionStatus', { transactionId }), { ongoingIndicator: false, messagesInQueue: true }, 'E14.FR.03/04');
  held.release();
  await b.settle(30);
  assert.deepEqual(await b.call('GetTransactionStatus', { transactionId }), { ongoingIndicator: false, messagesInQueue: false });
});

test('TC_E_44_CS / TC_E_45_CS Offline Behaviour - Stop transaction during offline period: the same token, or another of its group from the local list; Ended queued and delivered once', async (t) => {
  const b = await withBench201(t, {
    virtual: true,
    profile: { evses: 2, variables: { 'OCPPCommCtrlr.RetryBackOffWaitMinimum': 100, 'OCPPCommCtrlr.RetryBackOffRandomRange': 0 } },
    answers: { Authorize: (p) => ({ idTokenInfo: { status: 'Accepted', groupIdToken: token('FLEET') }, ...(p.idToken.idToken === 'X' ? {} : {}) }) },
  });
  await b.call('SendLocalList', { versionNumber: 1, updateType: 'Full', localAuthorizationList: [
    { idToken: token('B2'), idTokenInfo: { status: 'Accepted', groupIdToken: token('FLEET') } },
  ] });
  const from = b.calls.length;
  assert.ok(await b.cs.startCharging(1, 'A1'));
  assert.ok(await b.cs.startCharging(2, 'A2'));
  await b.waitFor('TransactionEvent', { from, count: 2 });
  await b.settle(20);
  await dropLink(b);
  const offlineFrom = b.calls.length;
  await b.cs.presentToken(1, 'A1');
  assert.equal((await b.cs.presentToken(2, 'B2')).status, 'Accepted', 'TC_E_45: B2 from the local list, same group');
  assert.equal(b.since(offlineFrom).length, 0, 'nothing sent while offline');
  await b.advance(110_000);
  const ended = await b.waitFor('TransactionEvent', { from: offlineFrom, count: 2 });
  await b.settle(30);
  assert.equal(b.since(offlineFrom, 'TransactionEvent').length, 2, 'each exactly once');
  assert.deepEqual(ended.map((c) => [c.params.eventType, c.params.triggerReason, c.params.transactionInfo.stoppedReason, c.params.offline]), [
    ['Ended', 'StopAuthorized', 'Local', true],
    ['Ended', 'StopAuthorized', 'Local', true],
  ]);
  assert.deepEqual(ended.map((c) => c.params.evse.id), [1, 2]);
});

test('TC_E_52_CS Local start transaction - Authorization first - DisableRemoteAuthorization: a token in neither list nor cache is refused without Authorize', async (t) => {
  const b = await withBench201(t, { profile: { variables: { 'AuthCtrlr.DisableRemoteAuthorization': true } } });
  const from = b.calls.length;
  const info = await b.cs.presentToken(1, 'UNKNOWN1');
  assert.notEqual(info.status, 'Accepted');
  b.cs.plugIn(1);
  await b.settle(30);
  assert.equal(b.since(from, 'Authorize').length, 0, 'C01.FR.02: no AuthorizeRequest');
  assert.equal(b.since(from, 'TransactionEvent').filter((c) => c.params.transactionInfo.chargingState === 'Charging').length, 0, 'no charging');
});
