/**
 * OCTT 2.0.1 station cases of block E (transactions: start and stop points, local start and
 * stop, transaction status) and F (remote control, TriggerMessage), driven from a strict
 * ocpp-rpc CSMS.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withBench201, type Bench201, type Sent201 } from './cs201-harness';

type Params = Record<string, any>;

const withBench = withBench201;

const txPoints = (start: string, stop = 'EVConnected,Authorized'): Params => ({ variables: { 'TxCtrlr.TxStartPoint': start, 'TxCtrlr.TxStopPoint': stop } });
const TOKEN = { idToken: 'AABBCCDD', type: 'ISO14443' };

/** The TransactionEvents since `from` as `eventType triggerReason chargingState?`. */
function events(b: Bench201, from: number): string[] {
  return b.since(from, 'TransactionEvent').map(({ params: p }) => [p.eventType, p.triggerReason, p.transactionInfo.chargingState].filter(Boolean).join(' '));
}

/** Every TransactionEvent of one transaction: seqNo 0, 1, 2… and one transactionId. */
function assertSequence(list: Sent201[]): void {
  assert.deepEqual(list.map((c) => c.params.seqNo), list.map((_c, i) => i));
  assert.equal(new Set(list.map((c) => c.params.transactionInfo.transactionId)).size, 1);
}

test('TC_E_01_CS Start transaction options - PowerPathClosed: Started only when plugged in and authorized', async (t) => {
  const b = await withBench(t);
  const from = b.calls.length;
  b.cs.plugIn(1);
  await b.waitFor('StatusNotification', { from, match: (p) => p.connectorStatus === 'Occupied' });
  await b.settle(20);
  assert.deepEqual(events(b, from), [], 'no transaction on plug-in alone');
  assert.equal((await b.cs.presentToken(1, 'AABBCCDD')).status, 'Accepted');
  const [started] = await b.waitFor('TransactionEvent', { from });
  assert.deepEqual(b.since(from).map((c) => c.action), ['StatusNotification', 'Authorize', 'TransactionEvent']);
  const p = started!.params;
  assert.equal(p.eventType, 'Started');
  assert.equal(p.triggerReason, 'Authorized');
  assert.equal(p.seqNo, 0);
  assert.equal(p.transactionInfo.chargingState, 'Charging');
  assert.deepEqual(p.evse, { id: 1, connectorId: 1 });
  assert.deepEqual(p.idToken, TOKEN);
  assert.equal(p.meterValue[0].sampledValue[0].context, 'Transaction.Begin');
});

test('TC_E_02_CS Start transaction options - EnergyTransfer: Started when energy flows', async (t) => {
  const b = await withBench(t, { profile: txPoints('EnergyTransfer') });
  const from = b.calls.length;
  assert.ok(await b.cs.startCharging(1, 'AABBCCDD'));
  const [started] = await b.waitFor('TransactionEvent', { from });
  assert.equal(started!.params.eventType, 'Started');
  assert.equal(started!.params.transactionInfo.chargingState, 'Charging');
  assert.deepEqual(started!.params.evse, { id: 1, connectorId: 1 });
});

test('TC_E_09_CS Start transaction options - EVConnected: starts on plug-in, authorization follows', async (t) => {
  const b = await withBench(t, { profile: txPoints('EVConnected') });
  const from = b.calls.length;
  b.cs.plugIn(1);
  await b.waitFor('TransactionEvent', { from });
  await b.cs.presentToken(1, 'AABBCCDD');
  const list = await b.waitFor('TransactionEvent', { from, count: 2 });
  assert.deepEqual(events(b, from), ['Started CablePluggedIn EVConnected', 'Updated Authorized Charging']);
  assert.equal(list[0]!.params.idToken, undefined);
  assert.deepEqual(list[1]!.params.idToken, TOKEN);
  assertSequence(list);
});

test('TC_E_10_CS / TC_E_04_CS Start transaction options - Authorized - Local: starts at the token, the cable follows', async (t) => {
  const b = await withBench(t, { profile: txPoints('Authorized') });
  const from = b.calls.length;
  await b.cs.presentToken(1, 'AABBCCDD');
  await b.waitFor('TransactionEvent', { from });
  b.cs.plugIn(1);
  const list = await b.waitFor('TransactionEvent', { from, count: 2 });
  assert.deepEqual(events(b, from), ['Started Authorized Idle', 'Updated CablePluggedIn Charging']);
  assert.deepEqual(list[0]!.params.evse, { id: 1 });
  assert.deepEqual(list[1]!.params.evse, { id: 1, connectorId: 1 });
});

test('TC_E_13_CS Start transaction options - Authorized - Remote: RemoteStart with remoteStartId', async (t) => {
  const b = await withBench(t, { profile: txPoints('Authorized'), automation: { autoPlugIn: false } });
  const from = b.calls.length;
  assert.equal((await b.call('RequestStartTransaction', { idToken: TOKEN, remoteStartId: 77, evseId: 1 })).status, 'Accepted');
  const [started] = await b.waitFor('TransactionEvent', { from });
  assert.equal(started!.params.triggerReason, 'RemoteStart');
  assert.equal(started!.params.transactionInfo.remoteStartId, 77);
});

test('TC_E_03_CS Local start transaction - Cable plugin first; TC_E_06_CS Local Stop Transaction with the same token', async (t) => {
  const b = await withBench(t);
  const from = b.calls.length;
  b.cs.plugIn(1);
  await b.cs.presentToken(1, 'AABBCCDD');
  await b.waitFor('TransactionEvent', { from });
  assert.equal((await b.cs.presentToken(1, 'aabbccdd')).status, 'Accepted', 'tokens compare case-insensitively');
  const list = await b.waitFor('TransactionEvent', { from, count: 2 });
  assert.deepEqual(events(b, from), ['Started Authorized Charging', 'Ended StopAuthorized EVConnected']);
  assert.equal(list[1]!.params.transactionInfo.stoppedReason, 'Local');
  assert.equal(b.since(from, 'Authorize').length, 1, 'the same token stops without asking the CSMS');
  assertSequence(list);
});

test('TC_E_05_CS / TC_E_39_CS Authorization first - no cable within EVConnectionTimeOut: EVConnectTimeout, Timeout', async (t) => {
  const b = await withBench(t, { virtual: true, profile: { variables: { 'TxCtrlr.TxStartPoint': 'Authorized', 'TxCtrlr.EVConnectionTimeOut': 30 } } });
  const from = b.calls.length;
  await b.cs.presentToken(1, 'AABBCCDD');
  await b.waitFor('TransactionEvent', { from });
  await b.advance(31_000);
  const list = await b.waitFor('TransactionEvent', { from, count: 2 });
  assert.equal(list[1]!.params.triggerReason, 'EVConnectTimeout');
  assert.equal(list[1]!.params.transactionInfo.stoppedReason, 'Timeout');
  const after = b.calls.length;
  b.cs.plugIn(1);
  await b.waitFor('StatusNotification', { from: after });
  await b.settle(20);
  assert.equal(b.since(after, 'TransactionEvent').length, 0, 'a later plug-in does not start charging');
});

test('TC_E_38_CS Local start transaction - EV not ready: ChargingStateChanged SuspendedEV', async (t) => {
  const b = await withBench(t);
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  b.cs.suspend(1, 'EV');
  b.cs.resume(1);
  await b.waitFor('TransactionEvent', { from, count: 3 });
  assert.deepEqual(events(b, from), ['Started CablePluggedIn Charging', 'Updated ChargingStateChanged SuspendedEV', 'Updated ChargingStateChanged Charging']);
});

test('TC_E_15_CS / TC_E_21_CS Stop options Authorized: local StopAuthorized (Local), remote RemoteStop (Remote)', async (t) => {
  const b = await withBench(t, { profile: { evses: 2, ...txPoints('PowerPathClosed', 'Authorized') } });
  let from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.cs.presentToken(1, 'AABBCCDD');
  let [ended] = await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  assert.equal(ended!.params.triggerReason, 'StopAuthorized');
  assert.equal(ended!.params.transactionInfo.stoppedReason, 'Local');
  from = b.calls.length;
  await b.cs.startCharging(2, '11223344');
  const [started] = await b.waitFor('TransactionEvent', { from });
  const transactionId = started!.params.transactionInfo.transactionId;
  assert.deepEqual(await b.call('RequestStopTransaction', { transactionId }), { status: 'Accepted' });
  [ended] = await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  assert.equal(ended!.params.triggerReason, 'RemoteStop');
  assert.equal(ended!.params.transactionInfo.stoppedReason, 'Remote');
});

test('TC_E_14_CS / TC_E_20_CS / TC_E_37_CS Stop options EVConnected / PowerPathClosed: unplug ends with EVCommunicationLost, EVDisconnected', async (t) => {
  for (const stop of ['EVConnected', 'PowerPathClosed']) {
    const b = await withBench(t, { profile: txPoints('PowerPathClosed', stop) });
    const from = b.calls.length;
    await b.cs.startCharging(1, 'AABBCCDD');
    b.cs.unplug(1);
    const [ended] = await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
    assert.equal(ended!.params.triggerReason, 'EVCommunicationLost', stop);
    assert.equal(ended!.params.transactionInfo.stoppedReason, 'EVDisconnected');
    await b.waitFor('StatusNotification', { from, match: (p) => p.connectorStatus === 'Available' });
  }
});

test('TC_E_08_CS / TC_E_22_CS Stop options EnergyTransfer: StopAuthorized or the EV suspending ends it', async (t) => {
  const b = await withBench(t, { profile: { evses: 2, ...txPoints('PowerPathClosed', 'EnergyTransfer') } });
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.cs.presentToken(1, 'AABBCCDD');
  await b.cs.startCharging(2, '11223344');
  b.cs.suspend(2, 'EV');
  const ended = await b.waitFor('TransactionEvent', { from, count: 2, match: (p) => p.eventType === 'Ended' });
  assert.deepEqual(ended.map((c) => [c.params.triggerReason, c.params.transactionInfo.stoppedReason]), [['StopAuthorized', 'Local'], ['ChargingStateChanged', 'StoppedByEV']]);
});

test('TC_E_26_CS Disconnect cable on EV-side - Suspend transaction: StopTxOnEVSideDisconnect false', async (t) => {
  const b = await withBench(t, { profile: { variables: { 'TxCtrlr.StopTxOnEVSideDisconnect': false } } });
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  b.cs.unplug(1);
  b.cs.plugIn(1);
  await b.waitFor('TransactionEvent', { from, count: 3 });
  assert.deepEqual(events(b, from), ['Started CablePluggedIn Charging', 'Updated EVCommunicationLost Idle', 'Updated CablePluggedIn Charging']);
});

test('TC_E_28_CS / TC_E_30_CS / TC_E_32_CS / TC_E_34_CS Check Transaction status', async (t) => {
  const b = await withBench(t);
  assert.deepEqual(await b.call('GetTransactionStatus', { transactionId: 'nope' }), { ongoingIndicator: false, messagesInQueue: false });
  assert.deepEqual(await b.call('GetTransactionStatus', {}), { messagesInQueue: false });
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  const [started] = await b.waitFor('TransactionEvent', { from });
  const transactionId = started!.params.transactionInfo.transactionId;
  await b.settle(20);
  assert.deepEqual(await b.call('GetTransactionStatus', { transactionId }), { ongoingIndicator: true, messagesInQueue: false });
  b.cs.stopCharging(1);
  await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  await b.settle(20);
  assert.deepEqual(await b.call('GetTransactionStatus', { transactionId }), { ongoingIndicator: false, messagesInQueue: false });
});

test('TC_F_01_CS Remote start transaction - Cable plugin first: RemoteStart with remoteStartId, charging', async (t) => {
  const b = await withBench(t);
  const plugged = b.calls.length;
  b.cs.plugIn(1);
  await b.waitFor('StatusNotification', { from: plugged });
  const from = b.calls.length;
  assert.equal((await b.call('RequestStartTransaction', { idToken: TOKEN, remoteStartId: 5, evseId: 1 })).status, 'Accepted');
  const [started] = await b.waitFor('TransactionEvent', { from });
  assert.deepEqual(b.since(from).map((c) => c.action), ['Authorize', 'TransactionEvent']);
  assert.equal(started!.params.triggerReason, 'RemoteStart');
  assert.equal(started!.params.transactionInfo.remoteStartId, 5);
  assert.equal(started!.params.transactionInfo.chargingState, 'Charging');
});

test('TC_F_02_CS / TC_F_03_CS Remote start first: Authorize only when AuthorizeRemoteStart is true', async (t) => {
  for (const authorizeRemoteStart of [true, false]) {
    const b = await withBench(t, { profile: { variables: { 'AuthCtrlr.AuthorizeRemoteStart': authorizeRemoteStart } } });
    const from = b.calls.length;
    assert.equal((await b.call('RequestStartTransaction', { idToken: TOKEN, remoteStartId: 6 })).status, 'Accepted');
    await b.waitFor('TransactionEvent', { from });
    const order = b.since(from).map((c) => c.action);
    assert.equal(order.includes('Authorize'), authorizeRemoteStart, order.join());
    if (authorizeRemoteStart) assert.ok(order.indexOf('Authorize') < order.indexOf('TransactionEvent'));
  }
});

test('TC_F_04_CS Remote start transaction - Remote start first - Cable plugin timeout', async (t) => {
  const b = await withBench(t, { virtual: true, automation: { autoPlugIn: false }, profile: { variables: { 'TxCtrlr.TxStartPoint': 'Authorized', 'TxCtrlr.EVConnectionTimeOut': 20 } } });
  const from = b.calls.length;
  assert.equal((await b.call('RequestStartTransaction', { idToken: TOKEN, remoteStartId: 8, evseId: 1 })).status, 'Accepted');
  await b.waitFor('TransactionEvent', { from });
  await b.advance(21_000);
  const [, ended] = await b.waitFor('TransactionEvent', { from, count: 2 });
  assert.equal(ended!.params.eventType, 'Ended');
  assert.equal(ended!.params.triggerReason, 'EVConnectTimeout');
  assert.equal(ended!.params.transactionInfo.stoppedReason, 'Timeout');
});

test('TC_F_05_CS / TC_F_06_CS / TC_F_07_CS / TC_F_10_CS Remote unlock Connector', async (t) => {
  const b = await withBench(t);
  assert.deepEqual(await b.call('UnlockConnector', { evseId: 1, connectorId: 1 }), { status: 'Unlocked' }, 'no cable');
  b.cs.plugIn(1);
  assert.deepEqual(await b.call('UnlockConnector', { evseId: 1, connectorId: 1 }), { status: 'Unlocked' }, 'cable, no transaction');
  assert.deepEqual(await b.call('UnlockConnector', { evseId: 1, connectorId: 999 }), { status: 'UnknownConnector' });
  await b.cs.presentToken(1, 'AABBCCDD');
  assert.deepEqual(await b.call('UnlockConnector', { evseId: 1, connectorId: 1 }), { status: 'OngoingAuthorizedTransaction' });
});

test('TC_F_08_CS / TC_F_09_CS Remote stop transaction - Success and Rejected', async (t) => {
  const b = await withBench(t);
  const from = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  const [started] = await b.waitFor('TransactionEvent', { from });
  assert.deepEqual(await b.call('RequestStopTransaction', { transactionId: 'unknown-tx' }), { status: 'Rejected' });
  assert.deepEqual(await b.call('RequestStopTransaction', { transactionId: started!.params.transactionInfo.transactionId }), { status: 'Accepted' });
  const [ended] = await b.waitFor('TransactionEvent', { from, match: (p) => p.eventType === 'Ended' });
  assert.equal(ended!.params.triggerReason, 'RemoteStop');
  assert.equal(ended!.params.transactionInfo.stoppedReason, 'Remote');
});

test('TC_F_11_CS / TC_F_12_CS Trigger message - MeterValues for one EVSE and for all', async (t) => {
  const b = await withBench(t, { profile: { evses: 2 } });
  let from = b.calls.length;
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'MeterValues', evse: { id: 2 } }), { status: 'Accepted' });
  const [mv] = await b.waitFor('MeterValues', { from });
  assert.equal(mv!.params.evseId, 2);
  assert.equal(mv!.params.meterValue[0].sampledValue[0].context, 'Trigger');
  from = b.calls.length;
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'MeterValues' }), { status: 'Accepted' });
  const all = await b.waitFor('MeterValues', { from, count: 2 });
  assert.deepEqual(all.map((c) => c.params.evseId), [1, 2]);
});

test('TC_F_13_CS / TC_F_14_CS Trigger message - TransactionEvent: triggerReason Trigger, context Trigger', async (t) => {
  const b = await withBench(t);
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } }), { status: 'Rejected' }, 'no transaction');
  const start = b.calls.length;
  await b.cs.startCharging(1, 'AABBCCDD');
  await b.waitFor('TransactionEvent', { from: start });
  const from = b.calls.length;
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 1 } }), { status: 'Accepted' });
  const [te] = await b.waitFor('TransactionEvent', { from });
  assert.equal(te!.params.eventType, 'Updated');
  assert.equal(te!.params.triggerReason, 'Trigger');
  assert.equal(te!.params.meterValue[0].sampledValue[0].context, 'Trigger');
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'TransactionEvent' }), { status: 'Accepted' });
  await b.waitFor('TransactionEvent', { from, count: 2 });
});

test('TC_F_15_CS / TC_F_17_CS / TC_F_18_CS / TC_F_20_CS / TC_F_23_CS / TC_F_24_CS Trigger message: the answer first, then the message', async (t) => {
  const b = await withBench(t);
  const cases: [Params, string, (p: Params) => boolean][] = [
    [{ requestedMessage: 'LogStatusNotification' }, 'LogStatusNotification', (p) => p.status === 'Idle'],
    [{ requestedMessage: 'FirmwareStatusNotification', evse: { id: 1 } }, 'FirmwareStatusNotification', (p) => p.status === 'Idle'],
    [{ requestedMessage: 'Heartbeat' }, 'Heartbeat', () => true],
    [{ requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } }, 'StatusNotification', (p) => p.connectorStatus === 'Available'],
  ];
  for (const [request, action, check] of cases) {
    const from = b.calls.length;
    assert.deepEqual(await b.call('TriggerMessage', request), { status: 'Accepted' }, action);
    const [sent] = await b.waitFor(action, { from });
    assert.ok(check(sent!.params), `${action} ${JSON.stringify(sent!.params)}`);
  }
  b.cs.plugIn(1);
  const from = b.calls.length;
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 1, connectorId: 1 } }), { status: 'Accepted' });
  await b.waitFor('StatusNotification', { from, match: (p) => p.connectorStatus === 'Occupied' });
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 1 } }), { status: 'Rejected' }, 'needs a connector');
});

test('TC_F_26_CS / TC_F_27_CS Trigger message - BootNotification after Accepted is Rejected; SignCombinedCertificate NotImplemented', async (t) => {
  const b = await withBench(t);
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'BootNotification' }), { status: 'Rejected' });
  assert.deepEqual(await b.call('TriggerMessage', { requestedMessage: 'SignCombinedCertificate' }), { status: 'NotImplemented' });
});
